package io.regioncache.hybrid.blackbox33;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit 33, LMDB on a full disk: a 4 MiB tmpfs under a 64 MiB map, each scenario of {@link FullDiskScenarios} run
 * in a child JVM (same java, same class path), since LMDB maps its file and a page the tmpfs cannot back could end
 * the JVM with SIGBUS; a crash is reported as such, never taken down with the surefire JVM. Proves that a refused
 * write answers {@code STORE_ERROR} (LMDB's ENOSPC, or EIO for a short write) and is visible nowhere, reads, loads,
 * compaction keep working, {@code gc} fails typed and {@code deleteRange} answers {@code STORE_ERROR}; and pins that
 * LMDB takes writes again as soon as space is free (no reopen needed), closes quietly and reopens on the full disk.
 * Skipped where {@code mount} is not allowed.
 */
class LmdbFullDiskTest
{
    @TempDir
    Path tmp;

    @Test
    void writesReadsLoadsGcAndDeleteRangeOnAFullDiskThenReopen() throws Exception
    {
        inChild("writeReadLoadFreeReopen");
    }

    @Test
    void closeOnAFullDiskThenReopenFullAndWithRoom() throws Exception
    {
        inChild("closeWhileFull");
    }

    private void inChild(final String scenario) throws IOException, InterruptedException
    {
        try (Bb33.Tmpfs fs = Bb33.Tmpfs.mount(tmp, "4m"))
        {
            final Path log = tmp.resolve(scenario + ".log");
            final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            final Process p = new ProcessBuilder(List.of(java.toString(), "-Xmx256m",
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-XX:ErrorFile=" + tmp.resolve("hs_err_%p.log"),
                "-cp", System.getProperty("java.class.path"),
                FullDiskScenarios.class.getName(), "LMDB", scenario, fs.dir.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            final boolean ended;
            try
            {
                ended = p.waitFor(60, TimeUnit.SECONDS);
            }
            finally
            {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            final String out = Files.readString(log, StandardCharsets.UTF_8);
            System.out.println("---- child " + scenario + " ----" + File.separator + out);
            if (!ended)
            {
                fail("HANG: the LMDB child running " + scenario + " did not end within 60 s:\n" + out);
            }
            try (var crashes = Files.list(tmp))
            {
                final List<Path> errs = crashes.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList();
                assertTrue(errs.isEmpty(), "CRASH: the LMDB child crashed (" + errs + "), exit " + p.exitValue() +
                    ":\n" + out);
            }
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("PASS"), out);
        }
    }
}
