package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/**
 * Issue #13 item 5: {@code drive --data-dir D} killed with SIGKILL mid-run ({@link Process#destroyForcibly}) and
 * started again on D resumes: RocksDB recovers from its WAL, the cache starts empty, every write the killed run
 * acknowledged (its {@code drive-acks.log}) reads back at its version, and the cross-check passes.
 */
class CrashRestartTest
{
    private static final int KEYS = 4000;
    private static final Pattern VERIFIED = Pattern.compile("acknowledged writes verified (\\d+), missing (\\d+) " +
        "\\((\\d+) in the log");

    private static String[] drive(final String... args)
    {
        return ToolRun.run("drive", args);
    }

    @Test
    void aKilledDriveResumesWithEveryAcknowledgedWrite(@TempDir final Path tmp) throws Exception
    {
        final Path d = tmp.resolve("d");
        final Path acks = d.resolve(AckLog.FILE);
        final Path childOut = tmp.resolve("child.out");
        final Path childErr = tmp.resolve("child.err");
        final List<String> cmd = ToolRun.childCommand(
            "drive", "--data-dir", d.toString(), "--duration", "5m", "--keys", Integer.toString(KEYS),
            "--regions", "4", "--split-keys", "3000", "--read-ratio", "0.5", "--threads", "1",
            "--gc-interval", "300ms", "--policy-interval", "200ms", "--min-residency", "500ms",
            "--progress", "plain");
        // The ack log grows by write(2) calls of the child, each of which the kernel reports to a watch on its
        // directory (inotify): the wait below wakes on the child's own writes, not on a timer. The directory is made
        // empty before the child starts (drive accepts an empty --data-dir) so the watch sees the log's creation.
        Files.createDirectories(d);
        final Process child;
        try (WatchService watch = FileSystems.getDefault().newWatchService())
        {
            d.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            child = new ProcessBuilder(cmd).redirectOutput(childOut.toFile()).redirectError(childErr.toFile()).start();
            try
            {
                // The initial load logs KEYS records; wait for some thousands written by the workload after it.
                final long want = (KEYS + 6000L) * AckLog.RECORD;
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
                while (!Files.isRegularFile(acks) || Files.size(acks) < want)
                {
                    if (!child.isAlive())
                    {
                        fail("drive exited (" + child.exitValue() + ") before it was killed:\n" +
                            Files.readString(childOut) + Files.readString(childErr));
                    }
                    final long left = deadline - System.nanoTime();
                    if (left <= 0)
                    {
                        fail("the ack log did not reach " + want + " bytes in time\n" + Files.readString(childErr));
                    }
                    // Wakes on the child's next write to its directory; the bound only lets a child that died
                    // without writing be noticed by the liveness check above.
                    final WatchKey key = watch.poll(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
                    if (key != null)
                    {
                        key.pollEvents();
                        key.reset();
                    }
                }
                assertTrue(child.isAlive());
            }
            finally
            {
                child.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no close, no flush
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "killed child ended");
            }
        }
        assertTrue(child.exitValue() != 0, "killed, not ended: " + child.exitValue());
        assertTrue(Files.readString(childOut).isEmpty(), "no report: it was killed mid-run");
        final long logged = Files.size(acks) / AckLog.RECORD;
        assertTrue(logged >= KEYS + 6000L, "records " + logged);

        // Restart on D (same JVM): no --keys given, the directory's key space is used.
        final String[] r = drive("--data-dir", d.toString(), "--duration", "5s", "--progress", "off");
        assertEquals("0", r[0], r[1] + r[2]);
        final Matcher m = VERIFIED.matcher(r[1]);
        assertTrue(m.find(), r[1]);
        assertEquals(logged, Long.parseLong(m.group(1)), r[1]);
        assertEquals(0, Long.parseLong(m.group(2)), r[1]);
        assertEquals(logged, Long.parseLong(m.group(3)), r[1]);
        assertTrue(r[1].contains(" 0 divergence(s)") && r[1].contains("result        PASS"), r[1]);

        // And once more over what the resumed run acknowledged on top (a clean end this time).
        final long afterResume = Files.size(acks) / AckLog.RECORD;
        assertTrue(afterResume > logged, "the resumed run logged its writes: " + afterResume);
        final String[] again = drive("--data-dir", d.toString(), "--duration", "2s", "--progress", "off");
        assertEquals("0", again[0], again[1] + again[2]);
        final Matcher m2 = VERIFIED.matcher(again[1]);
        assertTrue(m2.find(), again[1]);
        assertEquals(afterResume, Long.parseLong(m2.group(1)), again[1]);
        assertEquals(0, Long.parseLong(m2.group(2)), again[1]);
    }
}
