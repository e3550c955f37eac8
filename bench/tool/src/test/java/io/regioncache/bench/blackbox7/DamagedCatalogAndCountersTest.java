package io.regioncache.bench.blackbox7;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.bench.drive.RegionCacheTool;

/**
 * README "regions": "a missing file, a file too short to be a Chronicle Map (an empty one included ...) or one
 * Chronicle Map cannot open as a catalog is refused with a message and exit code 2". README "stat": "a file that is
 * not a counters file (too short for the header, another format) is refused with a message and exit code 2".
 * The catalog is memory-mapped read-write, so a damaged one is read in a child JVM: a SIGBUS or SIGSEGV would kill
 * it (exit 134 / hs_err) instead of this test JVM, and a hang is caught by its own deadline.
 */
@Timeout(600)
class DamagedCatalogAndCountersTest
{
    private static ToolRun7 run(final String... args)
    {
        return ToolRun7.run(args);
    }

    private static List<String> child(final String... toolArgs)
    {
        final String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final List<String> cmd = new ArrayList<>(List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "-Dchronicle.analytics.disable=true",
            "-cp", cp, RegionCacheTool.class.getName()));
        cmd.addAll(List.of(toolArgs));
        return cmd;
    }

    /** @return exit code and output of the tool in a child JVM, or fails on a hang past {@code seconds}. */
    private static ToolRun7 runChild(final Path dir, final long seconds, final String... toolArgs) throws Exception
    {
        final Path out = Files.createTempFile(dir, "child", ".out");
        final Process p = new ProcessBuilder(child(toolArgs)).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(out.toFile()).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS))
        {
            p.destroyForcibly().waitFor();
            fail("regions/stat hung more than " + seconds + " s on " + List.of(toolArgs) + ":\n" +
                Files.readString(out));
        }
        return new ToolRun7(p.exitValue(), Files.readString(out), "");
    }

    private static Path makeCatalog(final Path dir) throws IOException
    {
        final Path cat = dir.resolve("regions.cat");
        final ToolRun7 r = run("drive", "--ops", "2000", "--keys", "2000", "--catalog", cat.toString(), "--progress",
            "off");
        assertEquals(0, r.code(), r.out() + r.err());
        return cat;
    }

    private static void assertRefusedOrRead(final ToolRun7 r, final String what)
    {
        assertTrue(r.code() == 0 || r.code() == 2, what + ": exit " + r.code() + " (0 or 2 expected):\n" + r.out());
        assertTrue(!r.out().contains("SIGBUS") && !r.out().contains("SIGSEGV") && !r.out().contains("hs_err"),
            what + ": the JVM crashed:\n" + r.out());
    }

    @Test
    void aCatalogCutShortIsRefusedWithExit2NotACrashOrHang(@TempDir final Path dir) throws Exception
    {
        final Path cat = makeCatalog(dir);
        final ToolRun7 ok = runChild(dir, 120, "regions", "--catalog", cat.toString());
        assertEquals(0, ok.code(), ok.out());
        final long size = Files.size(cat);
        for (final long keep : new long[] {size / 2, 4096, 200, 64})
        {
            final Path cut = dir.resolve("cut-" + keep + ".cat");
            Files.copy(cat, cut);
            try (RandomAccessFile raf = new RandomAccessFile(cut.toFile(), "rw"))
            {
                raf.setLength(keep);
            }
            final ToolRun7 r = runChild(dir, 120, "regions", "--catalog", cut.toString());
            assertEquals(2, r.code(), "catalog of " + size + " bytes cut to " + keep + ": exit " + r.code() + "\n" +
                r.out());
        }
    }

    @Test
    void aCatalogWithZeroedOrFlippedBytesIsRefusedOrReadNeverCrashesOrHangs(@TempDir final Path dir) throws Exception
    {
        final Path cat = makeCatalog(dir);
        final long size = Files.size(cat);
        final Random rnd = new Random(7);
        final List<String> failures = new ArrayList<>();
        for (int i = 0; i < 6; i++)
        {
            final Path bad = dir.resolve("bad-" + i + ".cat");
            Files.copy(cat, bad);
            final String what;
            try (RandomAccessFile raf = new RandomAccessFile(bad.toFile(), "rw"))
            {
                if (i == 0)
                {
                    raf.seek(0);
                    raf.write(new byte[(int)Math.min(size, 1 << 16)]); // zeroed header and first pages
                    what = "first 64 KiB zeroed";
                }
                else
                {
                    // flips within the header region (first 4 KiB), where Chronicle keeps its sizes and layout
                    final long at = rnd.nextInt(4096);
                    raf.seek(at);
                    final int b = raf.read();
                    raf.seek(at);
                    raf.write(b ^ 0xff);
                    what = "byte " + at + " flipped";
                }
            }
            final ToolRun7 r = runChild(dir, 120, "regions", "--catalog", bad.toString());
            if (!(r.code() == 0 || r.code() == 2) || r.out().contains("hs_err"))
            {
                failures.add(what + ": exit " + r.code() + "\n" + r.out());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n----\n", failures));
    }

    @Test
    void aCountersFileCutShortZeroedOrFlippedIsRefusedWithExit2OrRead(@TempDir final Path dir) throws Exception
    {
        final Path counters = dir.resolve("rc.counters");
        final ToolRun7 d = run("drive", "--ops", "1000", "--keys", "2000", "--counters", counters.toString(),
            "--progress", "off");
        assertEquals(0, d.code(), d.out() + d.err());
        assertEquals(0, run("stat", "--file", counters.toString()).code());
        final byte[] good = Files.readAllBytes(counters);
        final List<String> failures = new ArrayList<>();
        final Random rnd = new Random(11);
        for (int i = 0; i < 40; i++)
        {
            final Path bad = dir.resolve("bad-" + i + ".counters");
            byte[] b = good.clone();
            final String what;
            if (i < 5)
            {
                b = java.util.Arrays.copyOf(b, new int[] {0, 3, 15, 64, good.length / 2}[i]);
                what = "cut to " + b.length;
            }
            else if (i == 5)
            {
                b = new byte[good.length];
                what = "zeroed";
            }
            else
            {
                final int at = rnd.nextInt(Math.min(good.length, 8192));
                b[at] ^= (byte)(1 << rnd.nextInt(8));
                what = "bit flipped at " + at;
            }
            Files.write(bad, b);
            final ToolRun7 r;
            try
            {
                r = run("stat", "--file", bad.toString());
            }
            catch (final Throwable t)
            {
                failures.add(what + ": threw " + t);
                continue;
            }
            if (r.code() != 0 && r.code() != 2)
            {
                failures.add(what + ": exit " + r.code() + " " + r.err());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
