package io.regioncache.ycsb.blackbox26;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ycsb.YcsbRunner;

/**
 * The runner's exit status as a process sees it ({@code main}, in its own JVM on this module's class path): 0 for a
 * clean run, 1 when operations failed (the JVM exits although YCSB's and the stores' threads ran), 2 with a reason
 * line and the usage line for a bad option.
 */
class MainProcessTest
{
    private record Proc(int exit, String out, String err)
    {
    }

    private static Proc main(final Path dir, final String... args) throws Exception
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (a.startsWith("--add-") || a.startsWith("-Dagrona"))
            {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx512m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(YcsbRunner.class.getName());
        cmd.addAll(List.of(args));
        final File out = dir.resolve("stdout").toFile();
        final File err = dir.resolve("stderr").toFile();
        final Process p = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err).start();
        if (!p.waitFor(90, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            throw new AssertionError("the runner did not exit: " + cmd);
        }
        return new Proc(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
            Files.readString(err.toPath(), StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void exitStatusesOfTheProcess(@TempDir final Path dir) throws Exception
    {
        final Path a = Files.createDirectories(dir.resolve("a"));
        final Proc usage = main(a, "--records", "10", "--workloads", "c,x");
        assertEquals(2, usage.exit(), usage.out() + usage.err());
        final String[] lines = usage.err().strip().split("\\R");
        assertEquals(2, lines.length, usage.err());
        assertTrue(lines[1].startsWith("usage: "), usage.err());
        assertEquals("", usage.out());

        final Path b = Files.createDirectories(dir.resolve("b"));
        final Proc ok = main(b, "--systems", "lmdb", "--workloads", "c", "--records", "20", "--operations", "20",
            "--seconds", "0", "--threads", "2", "--data", b.resolve("data").toString(), "-p", "lmdb.mapSize=" +
            (16 << 20));
        assertEquals(0, ok.exit(), ok.out() + ok.err());

        final Path c = Files.createDirectories(dir.resolve("c"));
        final Proc failed = main(c, "--systems", "lmdb", "--workloads", "c", "--records", "300", "--operations",
            "20", "--seconds", "0", "--threads", "2", "--data", c.resolve("data").toString(), "-p",
            "lmdb.mapSize=65536");
        assertEquals(1, failed.exit(), failed.out() + failed.err());
        assertTrue(failed.out().contains("NOT ALL OPERATIONS RETURNED OK"), failed.out());
    }
    /**
     * "--systems cluster -p regioncache.cluster=..." naming nodes that do not answer: every operation fails, so the
     * runner exits 1 (not 0, not a hang, not a stack trace).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aClusterThatDoesNotAnswerExitsOne(@TempDir final Path dir) throws Exception
    {
        final Proc p = main(dir, "--systems", "cluster", "-p",
            "regioncache.cluster=n1=127.0.0.1:1,n2=127.0.0.1:2,n3=127.0.0.1:3", "--workloads", "c", "--records", "3",
            "--operations", "3", "--threads", "1", "--seconds", "5");
        assertEquals(1, p.exit(), p.out() + p.err());
        assertTrue(p.out().contains("NOT ALL OPERATIONS RETURNED OK"), p.out());
        assertTrue(p.out().contains("READ-FAILED=3"), p.out());
    }

    /**
     * "-p key=value for YCSB and the bindings"; a bad value exits 2 with a reason and the usage line. A -p
     * insertcount larger than the records is a combination YCSB's CoreWorkload refuses by calling System.exit(-1)
     * from inside the runner's JVM (the kind of exit the README says the in-process runner keeps out).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aYcsbPropertyYcsbRefusesExitsTwo(@TempDir final Path dir) throws Exception
    {
        final Proc p = main(dir, "--systems", "lmdb", "--workloads", "c", "--records", "50", "--operations", "20",
            "--seconds", "0", "--threads", "1", "--data", dir.resolve("data").toString(), "-p", "lmdb.mapSize=" +
            (16 << 20), "-p", "insertcount=1000");
        assertEquals(2, p.exit(), p.out() + p.err());
        assertTrue(p.err().contains("usage: "), p.err());
    }
}
