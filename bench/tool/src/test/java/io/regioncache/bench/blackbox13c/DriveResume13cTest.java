package io.regioncache.bench.blackbox13c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "drive", --data-dir resumes (lines 49-78): a failed check stays failed, damaged records are named, a
 * drive-acks.log that is not a regular file is refused before RocksDB is opened, a resume takes the key space of
 * D/drive.properties.
 */
@Timeout(300)
class DriveResume13cTest
{
    private static final String ACKS = "drive-acks.log";
    private static final String META = "drive.properties";

    private static void wipeStore(final Path d) throws IOException
    {
        try (var s = Files.list(d))
        {
            for (final Path p : (Iterable<Path>)s::iterator)
            {
                final String n = p.getFileName().toString();
                if (!n.startsWith("drive") && Files.isRegularFile(p))
                {
                    Files.delete(p);
                }
            }
        }
    }

    /**
     * README l.68-71: "A failed check stays failed: the first resume that finds writes missing records their count in
     * D/drive-lost-acks, and every later resume on D prints `missing earlier: N ...` and exits 1 too, even once later
     * writes superseded the lost ones; a resume that finds writes missing logs nothing recovered". Four keys, so the
     * first resume (writes only) rewrites every one of them many times: the second resume's own check then finds
     * nothing missing (each lost record superseded by a later one that reads back), but still fails.
     */
    @Test
    void aFailedCheckStaysFailedEvenOnceLaterWritesSupersededTheLostOnes(@TempDir final Path dir) throws IOException
    {
        final Path d = dir.resolve("d");
        final Path json = dir.resolve("r.json");
        final Run13c first = Run13c.run("drive", "--keys", "4", "--regions", "1", "--ops", "20", "--data-dir",
            d.toString(), "--progress", "off");
        assertEquals(0, first.code(), first.all());
        final long inLog = Files.size(d.resolve(ACKS)) / 16;
        wipeStore(d);

        final Run13c lost = Run13c.run("drive", "--regions", "1", "--ops", "400", "--read-ratio", "0", "--data-dir",
            d.toString(), "--progress", "off");
        assertEquals(1, lost.code(), lost.all());
        assertEquals(inLog, Run13c.number(lost.out(), "acknowledged writes verified \\d+, missing (\\d+)"), lost.out());
        assertEquals(0, Run13c.number(lost.out(), "; (\\d+) recovered beyond the log"), lost.out());
        assertFalse(lost.out().contains("missing earlier"), "the first failed resume is not 'earlier': " + lost.out());
        assertTrue(Files.isRegularFile(d.resolve("drive-lost-acks")), "D/drive-lost-acks written");
        assertEquals(Long.toString(inLog), Files.readString(d.resolve("drive-lost-acks")).lines().findFirst()
            .orElse("").trim(), "its count");
        assertTrue(Run13c.number(lost.out(), "writes        ([\\d,]+) batches") >= 300, lost.out());

        final Run13c later = Run13c.run("drive", "--regions", "1", "--ops", "50", "--data-dir", d.toString(),
            "--progress", "off", "--json", json.toString());
        assertEquals(1, later.code(), later.all());
        assertEquals(0, Run13c.number(later.out(), "acknowledged writes verified \\d+, missing (\\d+)"),
            "every lost record was superseded by a later one that read back:\n" + later.out());
        assertTrue(later.out().contains("missing earlier: " + inLog + " "), later.out());
        assertEquals(0, Run13c.number(later.out(), "; (\\d+) recovered beyond the log"), later.out());
        assertTrue(later.out().endsWith("  result        FAIL\n"), later.out());
        assertEquals(inLog, JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("acknowledged")
            .get("missing_earlier").getAsLong(), Files.readString(json));

        final Run13c third = Run13c.run("drive", "--regions", "1", "--ops", "50", "--data-dir", d.toString(),
            "--progress", "off");
        assertEquals(1, third.code(), third.all());
        assertTrue(third.out().contains("missing earlier: " + inLog + " "), third.out());
    }

    /**
     * README l.64-67: "a record with a version below 1 ... or above 2^62, a key index outside the key space of
     * D/drive.properties, or a version below an earlier record's (the log is in version order) names no write, so it
     * counts as missing and the report names it (`record I of drive-acks.log (...)`)". Here: a copy of the first
     * record appended at the end (version 1, below the last), and a delete of key = keys (one past the space).
     */
    @Test
    void anOutOfOrderRecordAndADeleteOutsideTheKeySpaceAreMissingAndNamed(@TempDir final Path dir) throws IOException
    {
        final Path d = dir.resolve("d");
        final Run13c first = Run13c.run("drive", "--keys", "2000", "--regions", "2", "--ops", "600", "--data-dir",
            d.toString(), "--progress", "off");
        assertEquals(0, first.code(), first.all());
        final Path log = d.resolve(ACKS);
        final byte[] all = Files.readAllBytes(log);
        final int n = all.length / 16;
        final ByteBuffer extra = ByteBuffer.allocate(32);
        extra.put(all, 0, 16); // record 0 again: version 1, below the last record's
        extra.putLong(2000L | (1L << 63)).putLong(ByteBuffer.wrap(all, all.length - 8, 8).getLong());
        Files.write(log, extra.array(), StandardOpenOption.APPEND);

        final Run13c r = Run13c.run("drive", "--ops", "100", "--data-dir", d.toString(), "--progress", "off");
        assertEquals(1, r.code(), r.all());
        assertEquals(2, Run13c.number(r.out(), "acknowledged writes verified \\d+, missing (\\d+)"), r.out());
        assertTrue(r.out().contains("record " + n + " of drive-acks.log ("), r.out());
        assertTrue(r.out().contains("record " + (n + 1) + " of drive-acks.log (key 2000, delete"), r.out());
    }

    /**
     * README l.71-73: "D/drive-acks.log must be absent or a regular file the user can read and write (a directory
     * there is refused with a message, exit 2, before RocksDB is opened)". A named pipe there is not a regular file:
     * refused the same way, and RocksDB never opened (no CURRENT file in D).
     */
    @Test
    void aNamedPipeInPlaceOfTheAckLogIsRefusedBeforeRocksDbOpens(@TempDir final Path dir) throws Exception
    {
        final Path d = Files.createDirectories(dir.resolve("d"));
        Files.writeString(d.resolve(META), "keys=2000\nvalueSize=64\n");
        final boolean made = new ProcessBuilder("mkfifo", d.resolve(ACKS).toString()).start().waitFor() == 0;
        assumeTrue(made, "mkfifo");
        final Run13c r = Run13c.run("drive", "--ops", "100", "--data-dir", d.toString(), "--progress", "off");
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains(ACKS), r.err());
        assertTrue(r.out().isEmpty(), r.out());
        assertFalse(Files.exists(d.resolve("CURRENT")), "RocksDB was opened");
    }

    /**
     * README l.53-55: "--data-dir D may also be a directory an earlier drive wrote ...: the run then resumes on it with
     * the key space recorded in D/drive.properties (--keys, --value-size)". An earlier run with a small key space
     * (--keys 20 --regions 2, both valid); resumed the way the README shows (--data-dir D, nothing about the key space).
     */
    @Test
    void aResumeWithoutKeySpaceOptionsRunsOnASmallKeySpace(@TempDir final Path dir)
    {
        final Path d = dir.resolve("d");
        final Run13c first = Run13c.run("drive", "--keys", "20", "--regions", "2", "--ops", "100", "--data-dir",
            d.toString(), "--progress", "off");
        assertEquals(0, first.code(), first.all());
        final Run13c again = Run13c.run("drive", "--ops", "100", "--data-dir", d.toString(), "--progress", "off");
        assertEquals(0, again.code(), "resume with the recorded key space:\n" + again.all());
    }
    /**
     * README l.71: "A log that is absent or empty checks nothing": a store written by an earlier run with its log
     * emptied, then removed, resumes with nothing verified, nothing missing, exit 0.
     */
    @Test
    void anEmptyOrAbsentLogChecksNothing(@TempDir final Path dir) throws IOException
    {
        final Path d = dir.resolve("d");
        final Run13c first = Run13c.run("drive", "--keys", "2000", "--regions", "2", "--ops", "800", "--data-dir",
            d.toString(), "--progress", "off");
        assertEquals(0, first.code(), first.all());
        Files.write(d.resolve(ACKS), new byte[0]);
        final Run13c empty = Run13c.run("drive", "--regions", "2", "--ops", "200", "--data-dir", d.toString(),
            "--progress", "off");
        assertEquals(0, empty.code(), empty.all());
        assertTrue(empty.out().contains("acknowledged writes verified 0, missing 0 (0 in the log"), empty.out());
        Files.delete(d.resolve(ACKS));
        final Run13c absent = Run13c.run("drive", "--regions", "2", "--ops", "200", "--data-dir", d.toString(),
            "--progress", "off");
        assertEquals(0, absent.code(), absent.all());
        assertTrue(absent.out().contains("acknowledged writes verified 0, missing 0 (0 in the log"), absent.out());
    }
    private static boolean chattr(final Path p, final boolean on)
    {
        try
        {
            return new ProcessBuilder("chattr", on ? "+i" : "-i", p.toString()).redirectErrorStream(true).start()
                .waitFor() == 0;
        }
        catch (final Exception ex)
        {
            return false;
        }
    }

    /**
     * README l.114-115: "Options are validated ... A bad value is rejected with a message and exit code 2, before the
     * workload starts". A --data-dir the tool cannot create (under /proc; under a directory that takes no new entry)
     * or cannot write (an empty directory that takes no new file): a message naming --data-dir, exit 2, no report.
     */
    @Test
    void aDataDirThatCannotBeCreatedOrWrittenIsABadValue(@TempDir final Path dir) throws Exception
    {
        final java.util.List<String> failures = new java.util.ArrayList<>();
        final java.util.List<Path> candidates = new java.util.ArrayList<>(java.util.List.of(
            Path.of("/proc/self/regioncache-data")));
        final Path locked = Files.createDirectories(dir.resolve("locked"));
        final Path lockedEmpty = Files.createDirectories(dir.resolve("locked-empty"));
        final boolean canLock = chattr(locked, true) && chattr(lockedEmpty, true);
        try
        {
            if (canLock)
            {
                candidates.add(locked.resolve("new"));
                candidates.add(lockedEmpty);
            }
            for (final Path d : candidates)
            {
                final Run13c r = Run13c.run("drive", "--ops", "100", "--keys", "2000", "--regions", "2", "--data-dir",
                    d.toString(), "--progress", "off");
                if (r.code() != 2 || !r.out().isEmpty() || !r.err().contains("--data-dir"))
                {
                    failures.add(d + " -> exit " + r.code() + ", stderr starts: " +
                        r.err().lines().findFirst().orElse(""));
                }
            }
        }
        finally
        {
            chattr(locked, false);
            chattr(lockedEmpty, false);
        }
        System.out.println("DriveResume13cTest: data dirs tried " + candidates);
        assertTrue(failures.isEmpty(), "not refused as a bad value:\n" + String.join("\n", failures));
    }

    /**
     * README "Options are validated": a --data-dir "whose RocksDB store cannot be opened (another drive running on it
     * holds RocksDB's lock), is refused the same way, with exit 2". A drive runs on D in a child JVM; a second drive on
     * D is refused with a message naming --data-dir, no report (it was exit 1 and a stack trace), and the first runs on.
     */
    @Test
    void aDataDirAnotherDriveIsRunningOnIsRefusedWithExit2(@TempDir final Path dir) throws Exception
    {
        final Path d = dir.resolve("d");
        final Path err = dir.resolve("err.txt");
        final Process p = new ProcessBuilder(Run13c.childCommand("drive", "--keys", "4000", "--regions", "2",
            "--duration", "90s", "--progress", "plain", "--data-dir", d.toString()))
            .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(err.toFile()).start();
        try
        {
            final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (p.isAlive() && !Files.readString(err).contains("ops/s") && System.nanoTime() < deadline)
            {
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
            }
            assertTrue(p.isAlive() && Files.readString(err).contains("ops/s"), "the first drive runs");
            final Run13c second = Run13c.run("drive", "--ops", "100", "--data-dir", d.toString(), "--progress", "off");
            assertEquals(2, second.code(), second.all());
            assertTrue(second.out().isEmpty(), second.all());
            assertTrue(second.err().contains("--data-dir") && second.err().contains("another drive"), second.err());
            assertTrue(p.isAlive(), "the first drive runs on");
        }
        finally
        {
            p.destroyForcibly().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
