package io.regioncache.bench.blackbox29;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "drive": "`--data-dir D` may also be a directory an earlier `drive` wrote ...: the run then resumes on it
 * with the key space recorded in `D/drive.properties` (`--keys`, `--value-size`)"; "A bad value is rejected with a
 * message and exit code 2, before the workload starts". A resume given a bad value touches nothing in D: its ack log
 * and key space file are byte for byte as the earlier run left them, and a later good resume still verifies every
 * acknowledged write.
 */
@Timeout(180)
class DriveResume29Test
{
    @TempDir
    static Path tmp;

    static Path data;

    @BeforeAll
    static void anEarlierDrive()
    {
        data = tmp.resolve("d");
        final Run29 r = Run29.run("drive", "--data-dir", data.toString(), "--keys", "40", "--value-size", "24",
            "--ops", "300", "--progress", "off");
        assertEquals(0, r.code(), r.all());
    }

    private static byte[][] snapshot() throws IOException
    {
        return new byte[][] {Files.readAllBytes(data.resolve("drive-acks.log")),
            Files.readAllBytes(data.resolve("drive.properties"))};
    }

    /** Bad values of every numeric option on a resume: exit 2, no report, D unchanged. */
    @Test
    void aResumeWithABadValueChangesNothingInTheDirectory() throws IOException
    {
        final byte[][] before = snapshot();
        final List<String[]> bad = List.of(
            new String[] {"--keys", "41"}, new String[] {"--keys", "+41"}, new String[] {"--keys", "2147483648"},
            new String[] {"--value-size", "25"}, new String[] {"--value-size", "0x18"},
            new String[] {"--regions", "21"}, new String[] {"--regions", "0"},
            new String[] {"--ops", "0"}, new String[] {"--ops", "-1"}, new String[] {"--threads", "0"},
            new String[] {"--batch-size", "0"}, new String[] {"--split-keys", "0"}, new String[] {"--skew", "1"},
            new String[] {"--budget", "0MB"}, new String[] {"--gc-interval", "0ms"},
            new String[] {"--read-ratio", "2"}, new String[] {"--auto-load", "-1"});
        for (final String[] b : bad)
        {
            final Run29 r = Run29.run("drive", "--data-dir", data.toString(), b[0], b[1], "--progress", "off");
            assertEquals(2, r.code(), String.join(" ", b) + "\n" + r.all());
            assertTrue(r.message().contains(b[0]), "a message naming " + b[0] + ": " + r.all());
            assertTrue(r.out().isEmpty(), r.all());
            final byte[][] after = snapshot();
            assertArrayEquals(before[0], after[0], "drive-acks.log unchanged after " + String.join(" ", b));
            assertArrayEquals(before[1], after[1], "drive.properties unchanged after " + String.join(" ", b));
        }
        // and the directory still resumes, with its key space given again explicitly (same values) or not at all
        final Run29 same = Run29.run("drive", "--data-dir", data.toString(), "--keys", "40", "--value-size", "24",
            "--regions", "20", "--ops", "300", "--read-ratio", "0.5", "--progress", "off");
        assertEquals(0, same.code(), same.all());
        assertTrue(same.out().matches("(?s).*resumed +acknowledged writes verified [1-9][\\d,]*, missing 0.*"),
            same.out());
        assertTrue(same.out().contains("40 keys"), same.out());
        // "D/drive-acks.log holds one record (key index, put/delete, version) per key of each batch
        // HybridEngine.write accepted": the log grew by 16 bytes per key the report says the run wrote
        final long keysWritten = Long.parseLong(same.out().replaceAll("(?s).*\\n  writes +[\\d,]+ batches \\([^)]*\\), ([\\d,]+) keys;.*", "$1")
            .replace(",", ""));
        assertEquals(before[0].length + 16 * keysWritten, Files.size(data.resolve("drive-acks.log")), same.out());
    }

    /**
     * A directory whose recorded key space was changed between runs (drive.properties edited from 40 to 80 keys): the
     * resume uses the recorded key space ("resumes on it with the key space recorded in `D/drive.properties`"), in
     * which the logged writes no longer read back at their versions, so they are missing and "any missing write fails
     * the run (exit 1)"; "the first resume that finds writes missing records their count in `D/drive-lost-acks`, and
     * every later resume on D prints `missing earlier: N ...` and exits 1 too" - also once the edit is undone.
     */
    @Test
    void aResumeOnAChangedRecordedKeySpaceFailsAndStaysFailed(@TempDir final Path dir) throws IOException
    {
        final Path d = dir.resolve("d");
        final Run29 first = Run29.run("drive", "--data-dir", d.toString(), "--keys", "40", "--ops", "200",
            "--progress", "off");
        assertEquals(0, first.code(), first.all());
        final String meta = Files.readString(d.resolve("drive.properties"));
        Files.writeString(d.resolve("drive.properties"), "keys=80\nvalueSize=64\n");
        final Run29 r = Run29.run("drive", "--data-dir", d.toString(), "--ops", "200", "--progress", "off");
        assertEquals(1, r.code(), r.all());
        assertTrue(r.out().contains("80 keys"), r.out());
        assertTrue(r.out().matches("(?s).*acknowledged writes verified [\\d,]+, missing [1-9][\\d,]*.*"), r.out());
        assertTrue(r.out().contains("result        FAIL"), r.out());
        assertTrue(Files.exists(d.resolve("drive-lost-acks")), "the loss is recorded");

        Files.writeString(d.resolve("drive.properties"), meta);
        final Run29 again = Run29.run("drive", "--data-dir", d.toString(), "--ops", "100", "--progress", "off");
        assertEquals(1, again.code(), again.all());
        assertTrue(again.out().contains("40 keys") && again.out().contains("missing earlier: "), again.out());
    }
}
