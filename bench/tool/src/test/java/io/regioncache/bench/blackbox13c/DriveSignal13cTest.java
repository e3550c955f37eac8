package io.regioncache.bench.blackbox13c;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "drive" l.52-53: "It opens a HybridEngine (RocksDB + RegionCache) in a fresh temporary directory (deleted at
 * the end; --data-dir keeps it)". A run stopped by SIGTERM (Process.destroy, the signal a service manager or `kill`
 * sends) after its setup: is its temporary directory deleted? (The README promises nothing else about signals for
 * drive; SIGKILL is the documented crash, and it keeps --data-dir for a resume.)
 */
@Timeout(180)
class DriveSignal13cTest
{
    private static List<Path> drives(final Path tmp) throws Exception
    {
        try (Stream<Path> s = Files.list(tmp))
        {
            return s.filter(p -> p.getFileName().toString().startsWith("regioncache-drive-")).toList();
        }
    }

    @Test
    void aDriveStoppedBySigtermDeletesItsTemporaryDirectory(@TempDir final Path dir) throws Exception
    {
        final Path tmp = Files.createDirectories(dir.resolve("tmp"));
        final List<String> cmd = new ArrayList<>(Run13c.childCommand("drive", "--keys", "20000", "--regions", "4",
            "--duration", "60s", "--progress", "plain"));
        cmd.add(1, "-Djava.io.tmpdir=" + tmp);
        final Path err = dir.resolve("err.txt");
        final Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out.txt").toFile())
            .redirectError(err.toFile()).start();
        try
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (p.isAlive() && !Files.readString(err).contains("ops/s") && System.nanoTime() < deadline)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            assertTrue(p.isAlive() && Files.readString(err).contains("ops/s"), "the workload runs");
            assertTrue(!drives(tmp).isEmpty(), "the run's temporary directory");
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ended on SIGTERM");
            final List<Path> left = drives(tmp);
            System.out.println("DriveSignal13cTest: exit " + p.exitValue() + ", left " + left);
            assertTrue(left.isEmpty(), "a SIGTERMed drive (exit " + p.exitValue() + ") left its temporary directory " +
                left);
        }
        finally
        {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
