package io.regioncache.bench.blackbox7;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;


/**
 * README "drive": "--data-dir D may also be a directory an earlier drive wrote, even one killed with SIGKILL mid-run:
 * the run then resumes on it ... D/drive-acks.log holds one record (key index, put/delete, version) per key ... The
 * resumed run's read version starts 4096 above the log's last version and its first write is one above that (above
 * any write not yet logged)". Each test damages a file of D the way a crash, a bad disk or a careless hand would and
 * resumes through the tool's public command line.
 */
@Timeout(180)
class DriveResumeDamagedFilesTest
{
    private static final String ACKS = "drive-acks.log";
    private static final String META = "drive.properties";
    private static final int RECORD = 16;

    private static ToolRun7 run(final String... args)
    {
        return ToolRun7.run(args);
    }

    private static Path firstRun(final Path dir, final String... extra)
    {
        final Path d = dir.resolve("d");
        final boolean ops = Arrays.asList(extra).contains("--ops");
        final String[] base = ops ? new String[] {"drive", "--keys", "2000", "--data-dir", d.toString(), "--progress",
            "off"} : new String[] {"drive", "--ops", "1500", "--keys", "2000", "--data-dir", d.toString(),
            "--progress", "off"};
        final String[] args = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        final ToolRun7 r = run(args);
        assertEquals(0, r.code(), "first run: " + r.out() + r.err());
        return d;
    }

    private static long[][] records(final Path log) throws IOException
    {
        final ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(log));
        final int n = b.remaining() / RECORD;
        final long[][] r = new long[n][];
        for (int i = 0; i < n; i++)
        {
            r[i] = new long[] {b.getLong(), b.getLong()};
        }
        return r;
    }

    private static long number(final String text, final String regex)
    {
        final Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), () -> regex + " not in:\n" + text);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    /** A crash mid-append leaves a torn last record: ignored (documented by AckLog "a torn last record"), run passes. */
    @Test
    void aTornLastAckRecordIsIgnoredAndTheResumedRunPasses(@TempDir final Path dir) throws IOException
    {
        final Path d = firstRun(dir);
        final long whole = Files.size(d.resolve(ACKS)) / RECORD;
        Files.write(d.resolve(ACKS), new byte[] {1, 2, 3, 4, 5, 6, 7}, StandardOpenOption.APPEND);
        final ToolRun7 r = run("drive", "--ops", "300", "--data-dir", d.toString(), "--progress", "off");
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals(whole, number(r.out(), "acknowledged writes verified (\\d+), missing 0"), r.out());
        assertEquals(0, Files.size(d.resolve(ACKS)) % RECORD, "the torn record is cut");
    }

    /** A zeroed log (same length) names writes that never happened: they must be reported missing, exit 1. */
    @Test
    void aZeroedAckLogIsReportedMissingNotTrusted(@TempDir final Path dir) throws IOException
    {
        final Path d = firstRun(dir);
        final long len = Files.size(d.resolve(ACKS));
        Files.write(d.resolve(ACKS), new byte[(int)len]);
        final ToolRun7 r = run("drive", "--ops", "300", "--data-dir", d.toString(), "--progress", "off");
        System.out.println("ZEROED exit " + r.code() + "\n" + r.out());
        assertEquals(1, r.code(), "a zeroed ack log (" + len / RECORD + " records of key 0, put, version 0: a " +
            "version no write has) was accepted:\n" + r.out() + r.err());
        assertTrue(number(r.out(), "acknowledged writes verified \\d+, missing (\\d+)") > 0, r.out());
    }

    /**
     * One flipped byte in the version of the last record: the log's "last version" is now near Long.MAX_VALUE, so
     * "4096 above the log's last version" overflows. Expected: the damaged record is reported (exit 1) or the log
     * refused (exit 2), promptly, and the resumed run never writes a version at or below 0 nor below the first run's.
     */
    @Test
    void aFlippedHighVersionByteNeitherHangsNorWritesNegativeVersions(@TempDir final Path dir) throws IOException
    {
        final Path d = firstRun(dir);
        final Path log = d.resolve(ACKS);
        final long[][] before = records(log);
        final long maxBefore = Arrays.stream(before).mapToLong(x -> x[1]).max().orElseThrow();
        try (RandomAccessFile raf = new RandomAccessFile(log.toFile(), "rw"))
        {
            raf.seek((before.length - 1L) * RECORD + 8); // most significant byte of the last record's version
            raf.write(0x7f);
        }
        final ToolRun7 r = run("drive", "--ops", "300", "--data-dir", d.toString(), "--progress", "off");
        System.out.println("FLIPPED exit " + r.code() + "\n" + r.out() + r.err());
        assertNotEquals(0, r.code(), "a damaged log passed: " + r.out() + r.err());
        final long[][] after = records(log);
        for (int i = before.length; i < after.length; i++)
        {
            final long v = after[i][1];
            assertTrue(v > maxBefore && v > 0, "record " + i + " of the resumed run has version " + v +
                " (first run's newest " + maxBefore + "); exit " + r.code() + "\n" + r.out() + r.err());
        }
    }

    /**
     * The log lost its tail (cut at a record boundary: a lost page, a restore of an older copy). RocksDB holds
     * versions far above the log's last one; the resumed run recovers them ("recovered beyond the log") but must
     * still write above them: README "its first write is one above that (above any write not yet logged)".
     * Otherwise the resumed run's newer writes sit below the first run's older ones and every later read of those
     * keys returns the older value, silently (the run still PASSes).
     */
    @Test
    void aLogThatLostItsTailStillResumesAboveEveryVersionInTheStore(@TempDir final Path dir) throws IOException
    {
        final Path d = firstRun(dir, "--read-ratio", "0", "--ops", "20000");
        final Path log = d.resolve(ACKS);
        final long[][] full = records(log);
        final long newestInStore = Arrays.stream(full).mapToLong(x -> x[1]).max().orElseThrow();
        final int kept = 100;
        try (var ch = java.nio.channels.FileChannel.open(log, StandardOpenOption.WRITE))
        {
            ch.truncate((long)kept * RECORD);
        }
        final ToolRun7 r = run("drive", "--ops", "500", "--read-ratio", "0", "--data-dir", d.toString(), "--progress",
            "off");
        final long recovered = number(r.out(), "; (\\d+) recovered beyond the log");
        assertTrue(recovered > 0, r.out());
        final long[][] after = records(log);
        long lowestNew = Long.MAX_VALUE;
        for (int i = kept + (int)recovered; i < after.length; i++)
        {
            lowestNew = Math.min(lowestNew, after[i][1]);
        }
        assertTrue(after.length > kept + recovered, "the resumed run wrote: " + r.out());
        assertTrue(lowestNew > newestInStore, "the resumed run wrote at version " + lowestNew +
            ", below version " + newestInStore + " the first run left in RocksDB (exit " + r.code() + "):\n" + r.out());
    }

    /** A directory where the ack log should be: refused with a message naming it, no stack trace, no hang. */
    @Test
    void aDirectoryInPlaceOfTheAckLogIsRefusedWithAMessage(@TempDir final Path dir) throws IOException
    {
        final Path d = firstRun(dir);
        Files.delete(d.resolve(ACKS));
        Files.createDirectory(d.resolve(ACKS));
        final ToolRun7 r = run("drive", "--ops", "300", "--data-dir", d.toString(), "--progress", "off");
        assertNotEquals(0, r.code(), r.out() + r.err());
        assertTrue((r.out() + r.err()).contains(ACKS), r.out() + r.err());
        System.out.println("DIRECTORY exit " + r.code() + "\n" + r.out() + r.err());
        // the failed run must leave the data directory usable (RocksDB closed, lock released) once the file is back
        Files.delete(d.resolve(ACKS));
        final ToolRun7 again = run("drive", "--ops", "300", "--data-dir", d.toString(), "--progress", "off");
        assertTrue(again.code() == 0 || again.code() == 1, "after the directory was removed: exit " + again.code() +
            "\n" + again.out() + again.err());
        assertFalse(r.err().contains("\tat io.regioncache"), "a stack trace instead of a message (exit " + r.code() +
            "):\n" + r.err());
    }

    /** drive.properties emptied or holding a bad key space: exit 2 before the workload, naming the file. */
    @Test
    void aDamagedKeySpaceFileIsRefusedWithExit2(@TempDir final Path dir) throws IOException
    {
        final Path d = firstRun(dir);
        final String good = Files.readString(d.resolve(META));
        for (final String bad : new String[] {"", "\0\0\0\0\0\0", "keys=-5\nvalueSize=64\n", "keys=2000\n",
            "keys=99999999999\nvalueSize=64\n"})
        {
            Files.writeString(d.resolve(META), bad);
            final ToolRun7 r = run("drive", "--ops", "300", "--data-dir", d.toString(), "--progress", "off");
            assertEquals(2, r.code(), "drive.properties = '" + bad + "': " + r.out() + r.err());
        }
        Files.writeString(d.resolve(META), good);
        final ToolRun7 r = run("drive", "--ops", "300", "--data-dir", d.toString(), "--progress", "off");
        assertEquals(0, r.code(), r.out() + r.err());
    }

    /**
     * drive.properties edited to a smaller key space than the data: records naming keys past it are "outside the
     * key space", reported missing (exit 1), not silently dropped.
     */
    @Test
    void aShrunkKeySpaceReportsTheRecordsOutsideIt(@TempDir final Path dir) throws IOException
    {
        final Path d = firstRun(dir);
        Files.writeString(d.resolve(META), Files.readString(d.resolve(META)).replace("keys=2000", "keys=1000"));
        final ToolRun7 r = run("drive", "--ops", "300", "--data-dir", d.toString(), "--progress", "off");
        assertEquals(1, r.code(), r.out() + r.err());
    }

    /**
     * RocksDB's files removed from D (drive.properties and the ack log kept): RocksDB opens empty, so every
     * acknowledged write is gone and must be reported missing (exit 1), never "verified".
     */
    @Test
    void aWipedStoreUnderAnIntactLogReportsEveryAckMissing(@TempDir final Path dir) throws IOException
    {
        final Path d = firstRun(dir);
        final long inLog = Files.size(d.resolve(ACKS)) / RECORD;
        try (var s = Files.list(d))
        {
            for (final Path p : (Iterable<Path>)s::iterator)
            {
                final String n = p.getFileName().toString();
                if (!n.equals(ACKS) && !n.equals(META) && Files.isRegularFile(p))
                {
                    Files.delete(p);
                }
            }
        }
        final ToolRun7 r = run("drive", "--ops", "300", "--data-dir", d.toString(), "--progress", "off");
        assertEquals(1, r.code(), r.out() + r.err());
        // The store holds nothing the first run wrote: a second resume must fail too (nothing came back). The
        // first resume logged every key the store lacks as "deleted by an unacknowledged write" (recovered
        // beyond the log), so the second one verifies those fabricated deletes instead.
        final ToolRun7 second = run("drive", "--ops", "300", "--data-dir", d.toString(), "--progress", "off");
        System.out.println("WIPED second exit " + second.code() + "\n" + second.out());
        assertEquals(1, second.code(), "a second resume over the wiped store passed:\n" + second.out());
        assertEquals(inLog, number(r.out(), "acknowledged writes verified \\d+, missing (\\d+)"),
            "every acknowledged write of the first run is gone, some were counted verified:\n" + r.out());
    }
}
