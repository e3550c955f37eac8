package io.regioncache.bench.blackbox29;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README "drive": "Options are validated. Sizes take units (`64MB`, `1GB`) and durations do too (`500ms`, `30s`,
 * `2m`). A bad value is rejected with a message and exit code 2, before the workload starts". Every numeric option of
 * {@code drive} given at and past its documented bounds, and in odd spellings (a sign, another script's digits, hex,
 * an underscore, whitespace, an exponent, overflow).
 * <p>
 * "Accepted" is seen without running a workload: the value is given together with a {@code --json} file in a
 * directory that does not exist, which is checked after every option value (and the key space) was validated, so an
 * accepted value ends in that refusal and a refused one in its own.
 */
@Timeout(120)
class NumericOptions29Test
{
    private static final String SENTINEL_DIR = "/nonexistent-regioncache-audit29";
    private static final String SENTINEL = SENTINEL_DIR + "/report.json";

    private static Run29 drive(final String option, final String value, final String... more)
    {
        final List<String> a = Run29.args("drive", option, value);
        a.addAll(List.of(more));
        a.addAll(List.of("--progress", "off", "--json", SENTINEL));
        return Run29.run(a);
    }

    private static void accepted(final String option, final String value, final String... more)
    {
        final Run29 r = drive(option, value, more);
        assertEquals(2, r.code(), option + " '" + value + "'\n" + r.all());
        assertTrue(r.message().startsWith("--json: directory ") && r.message().contains(SENTINEL_DIR),
            option + " '" + value + "' should be accepted (then the --json sentinel refused): " + r.all());
        assertTrue(r.out().isEmpty(), r.all());
    }

    private static void refused(final String option, final String value, final String... more)
    {
        final Run29 r = drive(option, value, more);
        assertEquals(2, r.code(), option + " '" + value + "'\n" + r.all());
        assertTrue(r.message().contains(option), option + " '" + value + "': a message naming the option: " + r.all());
        assertTrue(r.out().isEmpty(), "no report: " + r.all());
    }

    /** The documented examples of sizes are accepted; zero, a sign, other digits, hex, '_', exponents, overflow not. */
    @Test
    void budgetTakesTheDocumentedUnitsAndRefusesEverythingElse()
    {
        for (final String v : new String[] {"64MB", "1GB", "256MB"})
        {
            accepted("--budget", v);
        }
        for (final String v : new String[] {"0", "0MB", "0.0001B", "-64MB", "+64MB", "\u0666\u0664MB", "0x40MB",
            "64_000_000", "6.4e7", "", " ", "MB", "64XB", "64MBB", "NaN", "Infinity", "99999999999999TB",
            "9223372036854775808"})
        {
            refused("--budget", v);
        }
    }

    /** Every duration option takes 500ms, 30s, 2m; refuses 0, signs, other digits, hex, exponents and junk. */
    @Test
    void durationsTakeTheDocumentedUnitsAndRefuseEverythingElse()
    {
        for (final String opt : new String[] {"--duration", "--policy-interval", "--min-residency", "--gc-interval"})
        {
            for (final String v : new String[] {"500ms", "30s", "2m"})
            {
                accepted(opt, v);
            }
            for (final String v : new String[] {"0", "0ms", "0s", "0.5ms", "-1s", "+3s", "\u0663s", "0x10s", "1e3",
                "3_000ms", "", "s", "3x", "3 d", "NaN", "Infinity", "9223372036854775808ms", "99999999h"})
            {
                refused(opt, v);
            }
        }
        // --faults only applies to --replicas and --cluster, but a value that is no duration is still a bad value
        for (final String v : new String[] {"0ms", "+1s", "\u0661s", "1e3"})
        {
            refused("--faults", v);
        }
    }

    /** --ops: at least 1 (a count of operations); 0, negatives and long overflow are bad values. */
    @Test
    void opsAtItsBoundsAndPastThem()
    {
        accepted("--ops", "1");
        accepted("--ops", Long.toString(Long.MAX_VALUE));
        for (final String v : new String[] {"0", "-1", "-0", "9223372036854775808", "99999999999999999999", "0x10",
            "1_000", "1e3", "1.0", " 5", "5 ", ""})
        {
            refused("--ops", v);
        }
    }

    /**
     * README: "`--read-ratio` (default 0.9; 1 = no writes, 0 = writes only)"; "with probability `--scan-ratio`";
     * "`--auto-load` regions per round (default 2; 0 turns the policy off)". The documented ends are accepted, one
     * past them is a bad value.
     */
    @Test
    void ratiosAndAutoLoadAtTheirDocumentedEnds()
    {
        for (final String v : new String[] {"0", "1", "0.9", "0.0", "1.0"})
        {
            accepted("--read-ratio", v);
            accepted("--scan-ratio", v);
        }
        for (final String v : new String[] {"-0.1", "1.1", "1.0000001", "NaN", "Infinity", "-Infinity", "",
            "\u0660.5", "0,5", "50%"})
        {
            refused("--read-ratio", v);
            refused("--scan-ratio", v);
        }
        accepted("--auto-load", "0");
        accepted("--auto-load", "1");
        for (final String v : new String[] {"-1", "2147483648", "0x2", "1.5", "2_0", ""})
        {
            refused("--auto-load", v);
        }
    }

    /** --skew (default 0.99, 0 = uniform) and --min-amplification (default 1.0): their ends and past them. */
    @Test
    void skewAndMinAmplification()
    {
        for (final String v : new String[] {"0", "0.99", "0.5"})
        {
            accepted("--skew", v);
        }
        for (final String v : new String[] {"-0.01", "1", "1.5", "NaN", "Infinity", "", "\u0660.5"})
        {
            refused("--skew", v);
        }
        for (final String v : new String[] {"0", "1.0", "1000"})
        {
            accepted("--min-amplification", v);
        }
        for (final String v : new String[] {"-1", "-0.001", "NaN", "", "\u0661"})
        {
            refused("--min-amplification", v);
        }
    }

    /**
     * The integer options: 1 (or the README's smallest meaningful value) is accepted, 0 and negatives where they
     * mean nothing are refused, and Integer/Long overflow, hex, an underscore, a fraction, whitespace and an empty
     * value are bad values naming the option (never a wrap-around to a small or negative number).
     */
    @Test
    void integerOptionsAtTheirBoundsAndOverflow()
    {
        accepted("--keys", "2");
        accepted("--keys", "32");
        accepted("--threads", "1");
        accepted("--batch-size", "1");
        accepted("--scan-length", "1");
        accepted("--split-keys", "1");
        accepted("--regions", "1");
        accepted("--value-size", "16");
        accepted("--seed", "0");
        accepted("--seed", "-1");
        accepted("--seed", Long.toString(Long.MIN_VALUE));
        accepted("--seed", Long.toString(Long.MAX_VALUE));
        accepted("--split-keys", Long.toString(Long.MAX_VALUE));
        for (final String opt : new String[] {"--keys", "--threads", "--batch-size", "--scan-length", "--split-keys",
            "--regions", "--value-size"})
        {
            refused(opt, "0");
            refused(opt, "-1");
        }
        for (final String opt : new String[] {"--keys", "--threads", "--batch-size", "--scan-length", "--regions",
            "--value-size", "--auto-load"})
        {
            for (final String v : new String[] {"2147483648", "4294967297", "-2147483649", "0x10", "1_0", "1.0",
                "1e2", " 4", "4 ", "", "four"})
            {
                refused(opt, v);
            }
        }
        for (final String opt : new String[] {"--split-keys", "--seed"})
        {
            for (final String v : new String[] {"9223372036854775808", "-9223372036854775809", "18446744073709551617",
                "0x10", "1_0", "1.0", "1e2", " 4", ""})
            {
                refused(opt, v);
            }
        }
    }

    /** --replicas: "1 to 9" (its own message); 0, 10, negatives and overflow are bad values (exit 2). */
    @Test
    void replicasPastItsBounds()
    {
        for (final String v : new String[] {"0", "10", "-1", "2147483648", "0x3", "3.0", ""})
        {
            final Run29 r = Run29.run("drive", "--replicas", v, "--keys", "40", "--ops", "10", "--progress", "off");
            assertEquals(2, r.code(), v + "\n" + r.all());
            assertTrue(r.message().contains("--replicas"), r.all());
            assertTrue(r.out().isEmpty(), r.all());
        }
    }
}
