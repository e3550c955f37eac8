package io.regioncache.bench.blackbox18;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * README l.54-55: "It opens a `HybridEngine` (RocksDB + RegionCache) in a fresh temporary directory (deleted at the
 * end, also when the run is stopped by SIGTERM or SIGINT, which ends it with no report; not by SIGKILL; `--data-dir`
 * keeps it)".
 */
@Timeout(180)
class DriveSignals18Test
{
    private static List<Path> drives(final Path tmp) throws Exception
    {
        try (Stream<Path> s = Files.list(tmp))
        {
            return s.filter(p -> p.getFileName().toString().startsWith("regioncache-drive-")).toList();
        }
    }

    /**
     * A drive in a child JVM (its {@code java.io.tmpdir} a directory of the test), stopped mid-run by SIGINT or
     * SIGTERM: no report on stdout, and its temporary directory is gone. The child is started through
     * {@code perl -e '$SIG{INT}="DEFAULT"; exec ...'} so that a SIGINT ignored by a background parent (a shell without
     * job control) does not reach the JVM ignored.
     */
    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void aSignalledDriveDeletesItsTemporaryDirectoryAndPrintsNoReport(final String signal, @TempDir final Path dir)
        throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/perl")) && Files.isExecutable(Path.of("/bin/kill")),
            "perl and kill");
        final Path tmp = Files.createDirectories(dir.resolve("tmp"));
        final List<String> cmd = new ArrayList<>(List.of("/usr/bin/perl", "-e",
            "$SIG{INT}='DEFAULT'; $SIG{TERM}='DEFAULT'; exec @ARGV or die"));
        cmd.addAll(Run18.childCommand(List.of("-Djava.io.tmpdir=" + tmp), "drive", "--keys", "20000", "--duration",
            "60s", "--progress", "plain"));
        final Path out = dir.resolve("out.txt");
        final Path err = dir.resolve("err.txt");
        final Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (p.isAlive() && !Files.readString(err).contains("ops/s") && System.nanoTime() < deadline)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            assertTrue(p.isAlive() && Files.readString(err).contains("ops/s"), "the workload runs: " +
                Files.readString(err));
            assertFalse(drives(tmp).isEmpty(), "the run's temporary directory");
            final Process kill = new ProcessBuilder("/bin/kill", "-" + signal, Long.toString(p.pid())).inheritIO()
                .start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ended on SIG" + signal);
            final List<Path> left = drives(tmp);
            final String stdout = Files.readString(out);
            System.out.println("DriveSignals18Test: SIG" + signal + " exit " + p.exitValue() + ", left " + left);
            assertTrue(left.isEmpty(), "SIG" + signal + " (exit " + p.exitValue() + ") left " + left);
            assertFalse(stdout.contains("RegionCache drive:") || stdout.contains("result"),
                "no report on SIG" + signal + ":\n" + stdout);
        }
        finally
        {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
