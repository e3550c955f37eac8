package io.regioncache.bench.blackbox29;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tool run the way the README runs it, as its own process (main class in a child JVM, the jar's flags): exit
 * codes through {@code System.exit}, and a {@code drive --data-dir} killed with SIGKILL mid-run ("even one killed with
 * SIGKILL mid-run: the run then resumes on it").
 */
@Timeout(180)
class ChildJvm29Test
{
    private static String[] exec(final Path dir, final String... args) throws Exception
    {
        final Path out = dir.resolve("out.txt");
        final Path err = dir.resolve("err.txt");
        final Process p = new ProcessBuilder(Run29.childCommand(args)).redirectOutput(out.toFile())
            .redirectError(err.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ended");
        return new String[] {Integer.toString(p.exitValue()), Files.readString(out), Files.readString(err)};
    }

    /** A bad value as the process sees it: exit 2, the message on stderr, nothing on stdout. */
    @Test
    void badValuesExitTheProcessWith2(@TempDir final Path dir) throws Exception
    {
        for (final String[] args : new String[][] {
            {"drive", "--ops", "0x10", "--keys", "40", "--progress", "off"},
            {"drive", "--keys", "2147483648", "--ops", "10"},
            {"drive", "--budget", "\u0666\u0664MB", "--ops", "10", "--keys", "40"},
            {"stat", "--file", dir.toString()},
            {"regions", "--catalog", dir.resolve("none.cat").toString(), "--json"}})
        {
            final String[] r = exec(dir, args);
            assertEquals("2", r[0], String.join(" ", args) + "\n" + r[1] + r[2]);
            assertTrue(r[1].isEmpty(), r[1]);
            assertTrue(r[2].contains(args[1]), "the message names " + args[1] + ": " + r[2]);
        }
    }

    /**
     * A drive killed with SIGKILL once its workload ran (its first progress line): a resume with a bad value is
     * refused (exit 2) and changes nothing in D, not even the killed run's possibly torn log tail; a resume with good
     * values then verifies every acknowledged write (missing 0) and exits 0.
     */
    @Test
    void aKilledDrivesDirectoryIsUntouchedByARefusedResumeAndThenResumes(@TempDir final Path dir) throws Exception
    {
        final Path d = dir.resolve("d");
        final Process p = new ProcessBuilder(Run29.childCommand("drive", "--data-dir", d.toString(), "--keys", "3000",
            "--duration", "2m", "--progress", "plain", "--read-ratio", "0.5", "--gc-interval", "200ms"))
            .redirectOutput(dir.resolve("child.out").toFile()).start();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8)))
        {
            String line;
            int progress = 0;
            while (progress < 2 && (line = err.readLine()) != null)
            {
                if (line.contains("ops/s"))
                {
                    progress++;
                }
            }
            assertEquals(2, progress, "two progress lines before the kill");
        }
        finally
        {
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(Files.readString(dir.resolve("child.out")).isEmpty(), "killed: no report");
        final byte[] log = Files.readAllBytes(d.resolve("drive-acks.log"));
        final byte[] meta = Files.readAllBytes(d.resolve("drive.properties"));
        assertTrue(log.length >= 3000 * 16, "the setup's records at least: " + log.length);

        for (final String[] bad : new String[][] {{"--keys", "3001"}, {"--value-size", "65"}, {"--ops", "0"},
            {"--regions", "1501"}, {"--budget", "+64MB"}})
        {
            final Run29 r = Run29.run("drive", "--data-dir", d.toString(), bad[0], bad[1], "--progress", "off");
            assertEquals(2, r.code(), String.join(" ", bad) + "\n" + r.all());
            assertTrue(r.out().isEmpty(), r.all());
            assertArrayEquals(log, Files.readAllBytes(d.resolve("drive-acks.log")), "log untouched: " + bad[0]);
            assertArrayEquals(meta, Files.readAllBytes(d.resolve("drive.properties")), "key space untouched");
        }
        assertFalse(Files.exists(d.resolve("drive-lost-acks")), "nothing lost recorded");

        final Run29 r = Run29.run("drive", "--data-dir", d.toString(), "--ops", "500", "--progress", "off");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("3,000 keys"), r.out());
        assertTrue(r.out().matches("(?s).*resumed +acknowledged writes verified [1-9][\\d,]*, missing 0.*"), r.out());
    }

    /**
     * README: "stat --file /tmp/rc.counters --filter loads. --watch" ("Print again every second until interrupted"):
     * the process prints the filtered table again and again (two tables read, then it is destroyed); with --json one
     * JSON object per round, of the filtered counters only. A file that is refused stops it at once with exit 2 (no loop on a bad file).
     */
    @Test
    void statWatchPrintsAgainUntilStopped(@TempDir final Path dir) throws Exception
    {
        final Path counters = dir.resolve("rc.counters");
        final Run29 drive = Run29.run("drive", "--keys", "200", "--ops", "200", "--progress", "off", "--counters",
            counters.toString());
        assertEquals(0, drive.code(), drive.all());
        for (final boolean json : new boolean[] {false, true})
        {
            final Process p = new ProcessBuilder(json
                ? Run29.childCommand("stat", "--file", counters.toString(), "--filter", "loads.", "--watch", "--json")
                : Run29.childCommand("stat", "--file", counters.toString(), "--filter", "loads.", "--watch"))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                int rounds = 0;
                String line;
                while (rounds < 2 && (line = out.readLine()) != null)
                {
                    if (json)
                    {
                        if (line.trim().startsWith("{"))
                        {
                            rounds++;
                        }
                        if (line.contains("\":"))
                        {
                            assertTrue(line.trim().replace("{", "").trim().startsWith("\"loads."), "filtered: " + line);
                        }
                    }
                    else if (line.startsWith("pid "))
                    {
                        rounds++;
                    }
                    else
                    {
                        assertTrue(line.startsWith("loads."), "filtered: " + line);
                    }
                }
                assertEquals(2, rounds, "printed again");
                assertTrue(p.isAlive(), "still watching");
            }
            finally
            {
                p.destroyForcibly();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            }
        }
        final String[] r = exec(dir, "stat", "--file", dir.resolve("none").toString(), "--watch");
        assertEquals("2", r[0], r[1] + r[2]);
    }

    /**
     * README "regions" / "stat" against a live engine: `drive --catalog F --counters G` in another process; once its
     * workload runs (its first progress line), `regions` (table and --json) and `stat` (table and --json) read both
     * files with exit 0, the counters file was updated within the last few seconds, and the host "is never stopped or
     * asked": the drive ends on its own with its report and exit 0.
     */
    @Test
    void regionsAndStatReadALiveDrivesFilesAndLeaveItRunning(@TempDir final Path dir) throws Exception
    {
        final Path cat = dir.resolve("regions.cat");
        final Path cnt = dir.resolve("rc.counters");
        final Path childOut = dir.resolve("child.out");
        final Process p = new ProcessBuilder(Run29.childCommand("drive", "--keys", "2000", "--duration", "4s",
            "--policy-interval", "100ms", "--progress", "plain", "--catalog", cat.toString(), "--counters",
            cnt.toString())).redirectOutput(childOut.toFile()).start();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = err.readLine()) != null && !line.contains("ops/s"))
            {
                // the setup's output, if any
            }
            assertTrue(line != null, "a progress line");
            for (final String[] args : new String[][] {{"regions", "--catalog", cat.toString()},
                {"regions", "--catalog", cat.toString(), "--json"}, {"stat", "--file", cnt.toString()},
                {"stat", "--file", cnt.toString(), "--json"}})
            {
                final Run29 r = Run29.run(args);
                assertEquals(0, r.code(), String.join(" ", args) + "\n" + r.all());
                assertFalse(r.out().isEmpty(), r.all());
            }
            final Run29 j = Run29.run("stat", "--file", cnt.toString(), "--json");
            final long updated = com.google.gson.JsonParser.parseString(j.out()).getAsJsonObject()
                .get("file.updated_ms").getAsLong();
            assertTrue(System.currentTimeMillis() - updated < 5_000, "live: updated " +
                (System.currentTimeMillis() - updated) + " ms ago");
            while (err.readLine() != null)
            {
                // drain stderr until the child ends
            }
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ended on its own");
        }
        finally
        {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), Files.readString(childOut));
        assertTrue(Files.readString(childOut).contains("result        PASS"), Files.readString(childOut));
    }
}
