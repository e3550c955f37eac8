package io.regioncache.bench.blackbox29;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "drive": "A bad value is rejected with a message and exit code 2, before the workload starts"; "regions" and
 * "stat": bad input is "refused with a message and exit code 2". Repeated options, unknown and abbreviated options,
 * stray positional arguments (also before and after options) and the combinations the README confines to
 * {@code --replicas}/{@code --cluster}: every one a usage error, exit 2, a message, nothing on stdout and no file made.
 */
@Timeout(60)
class OptionShapes29Test
{
    @TempDir
    Path dir;

    private static void usageError(final String expected, final String... args)
    {
        final Run29 r = Run29.run(args);
        assertEquals(2, r.code(), String.join(" ", args) + "\n" + r.all());
        assertTrue(r.out().isEmpty(), "nothing on stdout: " + r.all());
        assertTrue(r.err().contains(expected), "a message with '" + expected + "': " + r.all());
    }

    @Test
    void repeatedOptionsAreUsageErrors()
    {
        final String f = dir.resolve("x").toString();
        usageError("--keys", "drive", "--keys", "40", "--keys", "40", "--ops", "10");
        usageError("--ops", "drive", "--ops", "10", "--ops", "10", "--keys", "40");
        usageError("--budget", "drive", "--budget", "64MB", "--budget", "64MB", "--ops", "10", "--keys", "40");
        usageError("--duration", "drive", "--duration", "1s", "--duration", "2s", "--keys", "40");
        usageError("--data-dir", "drive", "--data-dir", f, "--data-dir", f, "--ops", "10", "--keys", "40");
        usageError("--json", "drive", "--json", f, "--json", f, "--ops", "10", "--keys", "40");
        usageError("--catalog", "regions", "--catalog", f, "--catalog", f);
        usageError("--json", "regions", "--catalog", f, "--json", "--json");
        usageError("--file", "stat", "--file", f, "--file", f);
        usageError("--filter", "stat", "--file", f, "--filter", "a", "--filter", "b");
        usageError("--json", "stat", "--file", f, "--json", "--json");
        usageError("--watch", "stat", "--file", f, "--watch", "--watch");
        assertFalse(Files.exists(dir.resolve("x")), "nothing made");
    }

    @Test
    void unknownAbbreviatedAndStrayArgumentsAreUsageErrors()
    {
        final String f = dir.resolve("x").toString();
        usageError("Unmatched argument", "drive", "extra", "--keys", "40", "--ops", "10");
        usageError("Unmatched argument", "drive", "--keys", "40", "--ops", "10", "extra");
        usageError("Unknown option", "drive", "--keys", "40", "--ops", "10", "--frobnicate");
        usageError("Unknown option", "drive", "--dur", "1s", "--keys", "40");
        usageError("Unknown option", "drive", "--key", "40", "--ops", "10");
        usageError("Unmatched argument", "regions", "--catalog", f, "extra");
        usageError("Unmatched argument", "regions", "extra", "--catalog", f);
        usageError("Unknown option", "regions", "--catalog", f, "--cat", f);
        usageError("Unmatched argument", "stat", "--file", f, "extra");
        usageError("Unmatched argument", "stat", "extra", "--file", f);
        usageError("Unknown option", "stat", "--file", f, "--filt", "a");
        usageError("Unknown option", "stat", "--file", f, "--watch", "--interval", "1");
        usageError("Unmatched argument", "serve", "--id", "n1", "--peers", "n1=127.0.0.1:9101", "--data-dir", f,
            "extra");
        // options of another command
        usageError("Unknown option", "stat", "--file", f, "--catalog", f);
        usageError("Unknown option", "regions", "--catalog", f, "--filter", "a");
        usageError("Unknown option", "drive", "--file", f, "--keys", "40", "--ops", "10");
        // options before the command
        usageError("Unknown option", "--keys", "40", "drive", "--ops", "10");
        usageError("missing command", new String[0]);
        usageError("Unmatched argument", "frobnicate");
        assertFalse(Files.exists(dir.resolve("x")), "nothing made");
    }

    /**
     * README: `--faults TIME`, "with `--replicas` or `--cluster`"; `--cluster` "needs `--http`"; the TLS options are
     * added to `drive --cluster`; for `--replicas` "The cache, GC, catalog and JSON options of the local drive do not
     * apply". Each misplaced combination is a usage error before anything runs, and `--data-dir` is not made.
     */
    @Test
    void optionsOfTheReplicatedModesOutsideThemAreUsageErrors()
    {
        final String data = dir.resolve("data").toString();
        usageError("--faults", "drive", "--faults", "1s", "--keys", "40", "--ops", "10", "--data-dir", data);
        usageError("--http", "drive", "--http", "n1=127.0.0.1:9201", "--keys", "40", "--ops", "10", "--progress",
            "off", "--data-dir", data);
        usageError("--tls", "drive", "--tls-ca", dir.resolve("ca.pem").toString(), "--keys", "40", "--ops", "10",
            "--progress", "off", "--data-dir", data);
        usageError("--http", "drive", "--cluster", "n1=127.0.0.1:9101", "--keys", "40", "--ops", "10");
        usageError("do not apply", "drive", "--cluster", "n1=127.0.0.1:9101", "--http", "n1=127.0.0.1:9201",
            "--data-dir", data, "--keys", "40", "--ops", "10");
        usageError("do not apply", "drive", "--replicas", "3", "--catalog", dir.resolve("r.cat").toString(),
            "--keys", "40", "--ops", "10");
        usageError("do not apply", "drive", "--replicas", "3", "--counters", dir.resolve("r.counters").toString(),
            "--keys", "40", "--ops", "10");
        usageError("mutually exclusive", "drive", "--replicas", "3", "--duration", "1s", "--ops", "10", "--keys",
            "40");
        usageError("--replicas", "drive", "--replicas", "10", "--keys", "40", "--ops", "10", "--data-dir", data);
        assertFalse(Files.exists(dir.resolve("r.cat")) || Files.exists(dir.resolve("r.counters")), "nothing made");
        assertFalse(Files.exists(dir.resolve("data")), "--data-dir is not made for a run refused");
    }

    /** --progress takes auto, tty, plain or off (any case is accepted by the tool); anything else is a bad value. */
    @Test
    void progressModes()
    {
        for (final String v : new String[] {"", "on", "none", "0", "1", "plainly", "o ff"})
        {
            usageError("--progress", "drive", "--progress", v, "--keys", "40", "--ops", "10");
        }
    }
}
