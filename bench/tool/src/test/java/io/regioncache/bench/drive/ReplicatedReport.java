package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


/**
 * The replicated drive's report ({@code drive --replicas} and {@code --cluster}), run through the tool's command line
 * and read back: what the workload did and what the checks found.
 */
final class ReplicatedReport
{
    final int exit;
    final String out;
    final String err;

    private ReplicatedReport(final int exit, final String out, final String err)
    {
        this.exit = exit;
        this.out = out;
        this.err = err;
    }

    /** Run the tool with {@code args}, capturing its output. */
    static ReplicatedReport run(final String... args)
    {
        final String[] r = ToolRun.run(args);
        return new ReplicatedReport(Integer.parseInt(r[0]), r[1], r[2]);
    }

    /** @return the report's number in {@code regex}'s group {@code group}, failing with the report if absent. */
    long number(final String regex, final int group)
    {
        final Matcher m = Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), "no match for " + regex + " in:\n" + out + err);
        return Long.parseLong(m.group(group));
    }

    /** The report's {@code --faults} line; groups: 1 the interval, 2 leader moves, 3 refused, 4 merges committed, 5
     * rolled back, 6 of them after a refused commit, 7 not started, 8 splits in a merge's place, 9 unfinished. */
    static final String FAULTS = "faults: one every (\\d+ m?s): (\\d+) leader moves \\((\\d+) refused\\), merges " +
        "(\\d+) committed and (\\d+) rolled back \\((\\d+) of them after a refused commit\\), (\\d+) not " +
        "started \\(the prepare or the split refused\\), (\\d+) splits to have regions to merge, (\\d+) unfinished";

    /** @return the report's text in {@code regex}'s group {@code group}, failing with the report if absent. */
    String text(final String regex, final int group)
    {
        final Matcher m = Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), "no match for " + regex + " in:\n" + out + err);
        return m.group(group);
    }

    /**
     * Assert that the run passed and did the whole workload: write batches with deletes, gets on leaders and through
     * replicas' ReadIndex, scans that returned keys, at least one split during the run; every read checked against
     * the history (none stale, lost or wrong, no error); converged with every region equal on every replica; one
     * leader per region, every node hosting every region.
     *
     * @param nodes node ids.
     * @return regions at the end.
     */
    long assertFullWorkloadPassed(final Collection<String> nodes)
    {
        return assertFullWorkloadPassed(nodes, 0);
    }

    /**
     * {@link #assertFullWorkloadPassed(Collection)} for a run whose faults also split and merged regions
     * ({@code --faults}).
     *
     * @param nodes  node ids.
     * @param faults regions made by the faults' splits less those their merges removed.
     * @return regions at the end.
     */
    long assertFullWorkloadPassed(final Collection<String> nodes, final long faults)
    {
        System.out.println(out); // the report, in the test's output file
        assertEquals(0, exit, out + err);
        assertTrue(number("(\\d+) write batches", 1) > 0, out);
        assertTrue(number("(\\d+) deletes", 1) > 0, "deletes: " + out);
        assertTrue(number("(\\d+) gets \\((\\d+) through a chosen replica's ReadIndex", 1) > 0, out);
        assertTrue(number("(\\d+) gets \\((\\d+) through a chosen replica's ReadIndex", 2) > 0, out);
        assertTrue(number("(\\d+) scans \\((\\d+) keys returned", 1) > 0, "scans: " + out);
        assertTrue(number("(\\d+) scans \\((\\d+) keys returned", 2) > 0, "scanned keys: " + out);
        assertTrue(number("(\\d+) splits \\(", 1) > 0, "splits during the run: " + out);
        final long regions = number("splits \\((\\d+) regions at end\\)", 1);
        assertEquals(number("(\\d+) regions at start", 1) + number("(\\d+) splits \\(", 1) + faults, regions,
            "every split made one region more, every merge one fewer: " + out);
        assertTrue(number("checked: (\\d+) reads per key", 1) > 0, out);
        assertTrue(out.contains("reads per key against the acknowledged writes: 0 stale or lost, 0 wrong values, " +
            "0 errors"), out);
        assertTrue(out.contains("cross-replica check: converged, " + regions + " regions equal on every replica, " +
            "every cached region equal to its node's RocksDB"), out);
        assertTrue(out.contains("internal / store errors and malformed entries: 0"), out);
        long led = 0;
        for (final String n : nodes)
        {
            final Matcher m = Pattern.compile("(?m)^" + n + "\\s+(\\d+)\\s+(\\d+)\\s").matcher(out);
            assertTrue(m.find(), out);
            led += Long.parseLong(m.group(1));
            assertEquals(regions, Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)), n + " hosts every region");
        }
        assertEquals(regions, led, "one leader per region: " + out);
        return regions;
    }
}
