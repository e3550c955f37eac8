package io.regioncache.bench.blackbox13c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.bench.drive.DriveCommand;
import io.regioncache.bench.drive.DriveSettings;
import picocli.CommandLine;

/**
 * README "drive" (lines 42-160): options at their documented bounds, in other orders, sizes with units; the setup's
 * versions; the progress modes.
 */
@Timeout(300)
class DriveEdges13cTest
{
    /**
     * README "Setup": "written through the engine in batches of up to 512 keys of one region, one version per batch,
     * from version 1 up". With --read-ratio 1 ("1 = no writes") the report's "versions 1..V" line is the setup's own
     * range: 3,000 keys over 3 regions of 1,000 are 2 batches each, versions 1..6. (The README said "versions 1..k",
     * one per key, which the code never did; the audit found it.)
     */
    @Test
    void theSetupWritesTheKeysInBatchesOfUpTo512AtOneVersionEach()
    {
        final Run13c r = Run13c.run("drive", "--keys", "3000", "--regions", "3", "--read-ratio", "1", "--ops", "50",
            "--progress", "off");
        assertEquals(0, r.code(), r.all());
        assertEquals(0, Run13c.number(r.out(), "writes        ([\\d,]+) batches"), "--read-ratio 1: no writes");
        assertEquals(3000, Run13c.number(r.out(), "\\(([\\d,]+) initial keys\\)"), r.out());
        assertEquals(6, Run13c.number(r.out(), "versions 1\\.\\.([\\d,]+) "),
            "README: 3 regions of 1,000 keys in batches of up to 512, one version each:\n" + r.out());
    }

    /**
     * README l.114: "Sizes take units (64MB, 1GB)". The smallest budget that is a valid configuration (one 64 KB
     * segment) and a huge one (1TB) both run and pass; one byte less than a segment is refused with exit 2, no report.
     */
    @Test
    void budgetsAtTheirBoundsRunOrAreRefusedUpFront()
    {
        final Run13c small = Run13c.run("drive", "--budget", "64KB", "--keys", "4000", "--regions", "2", "--duration",
            "1500ms", "--progress", "off");
        assertEquals(0, small.code(), small.all());
        assertTrue(small.out().contains(" of 64.0 KB ("), small.out());
        assertTrue(small.out().contains("after close 0 B"), small.out());
        final Run13c huge = Run13c.run("drive", "--budget", "1TB", "--keys", "4000", "--regions", "2", "--duration",
            "1500ms", "--progress", "off");
        assertEquals(0, huge.code(), huge.all());
        assertTrue(huge.out().contains(" of 1024.00 GB ("), huge.out());
        final Run13c under = Run13c.run("drive", "--budget", "65535", "--ops", "10", "--progress", "off");
        assertEquals(2, under.code(), under.all());
        assertTrue(under.out().isEmpty(), under.all());
        final Run13c spaced = Run13c.run("drive", "--budget", "2 MB", "--keys", "4000", "--regions", "2", "--ops",
            "200", "--progress", "off");
        assertEquals(0, spaced.code(), spaced.all());
        assertTrue(spaced.out().contains(" of 2.0 MB ("), spaced.out());
    }

    /**
     * README l.125-127, 141, 151: the report gives "a cross-check of every cached region against RocksDB (CrossCheck.checkAll).
     * The exit code is 0 when there is no divergence, no cached region left uncompared, ..."; in the sample the
     * regions line's "cached now: ... ACTIVE 31" and the cross-check's "31 cached region(s)" agree. --regions at its
     * bound (keys/2) with a policy loading many regions per round: the regions cached at the end must all have been
     * compared.
     */
    @Test
    void everyRegionCachedAtTheEndWasCrossChecked()
    {
        final Run13c r = Run13c.run("drive", "--keys", "2000", "--regions", "1000", "--duration", "2s", "--auto-load",
            "100", "--min-amplification", "0", "--progress", "off");
        assertEquals(0, r.code(), r.all());
        final long active = Run13c.number(r.out(), "cached now: PENDING \\d+, LOADING \\d+, ACTIVE (\\d+)");
        final long loading = Run13c.number(r.out(), "cached now: PENDING \\d+, LOADING (\\d+)");
        final long checked = Run13c.number(r.out(), "cross-check   (\\d+) cached region\\(s\\)");
        assertEquals(0, Run13c.number(r.out(), "(\\d+) divergence"), r.out());
        // at least: a region evicted after the check (memory pressure) is not cached at the end; none is loaded after it
        assertTrue(checked >= active && loading == 0, "regions ACTIVE at the end (" + active + ", and " + loading +
            " still LOADING) vs regions the cross-check compared (" + checked + "):\n" + r.out());
    }

    /** Options are order-free: a random permutation of a full drive command line gives the same settings. */
    @Test
    void optionsInAnyOrderGiveTheSameSettings(@TempDir final Path dir)
    {
        final long seed = System.nanoTime();
        System.out.println("DriveEdges13cTest.optionsInAnyOrderGiveTheSameSettings seed " + seed);
        final Random rnd = new Random(seed);
        final List<List<String>> pairs = new ArrayList<>(List.of(
            List.of("--duration", "2m"), List.of("--budget", "64MB"), List.of("--threads", "4"),
            List.of("--keys", "3000"), List.of("--regions", "3"), List.of("--skew", "0"), List.of("--scan-ratio", "1"),
            List.of("--read-ratio", "0"), List.of("--scan-length", "100000"), List.of("--value-size", "16"),
            List.of("--batch-size", "10000"), List.of("--split-keys", "1"), List.of("--auto-load", "0"),
            List.of("--min-amplification", "0"), List.of("--policy-interval", "1ms"),
            List.of("--min-residency", "1h"), List.of("--gc-interval", "500ms"), List.of("--seed", "-3"),
            List.of("--data-dir", dir.resolve("d").toString()), List.of("--catalog", dir.resolve("c").toString()),
            List.of("--progress", "plain"), List.of("--eager-routing"), List.of("--no-inline-entries")));
        final DriveSettings reference = parse(pairs);
        assertEquals(3000, reference.keys());
        assertFalse(reference.inlineEntries());
        for (int i = 0; i < 20; i++)
        {
            Collections.shuffle(pairs, rnd);
            assertEquals(reference, parse(pairs), "order " + pairs);
        }
    }

    private static DriveSettings parse(final List<List<String>> pairs)
    {
        final List<String> args = new ArrayList<>();
        pairs.forEach(args::addAll);
        final DriveCommand d = new DriveCommand();
        new CommandLine(d).parseArgs(args.toArray(new String[0]));
        return d.settings();
    }

    /**
     * README l.118-121: "stderr shows one progress line per second ... (--progress auto|tty|plain|off)": off prints
     * nothing on stderr; plain prints lines (no \r) with ops/s, hit ratio, regions per state and memory against the
     * capacity.
     */
    @Test
    void progressOffIsSilentAndPlainGivesOneLinePerSecond()
    {
        final Run13c off = Run13c.run("drive", "--keys", "4000", "--regions", "2", "--duration", "2500ms",
            "--progress", "off");
        assertEquals(0, off.code(), off.all());
        assertEquals("", off.err(), "--progress off: nothing on stderr");
        final Run13c plain = Run13c.run("drive", "--keys", "4000", "--regions", "2", "--duration", "2500ms",
            "--budget", "32MB", "--progress", "PLAIN");
        assertEquals(0, plain.code(), plain.all());
        final List<String> lines = plain.err().lines().filter(l -> l.contains("ops/s")).toList();
        assertFalse(plain.err().contains("\r"), plain.err());
        assertTrue(lines.size() >= 1 && lines.size() <= 3, "about one line per second over 2.5 s: " + lines);
        for (final String l : lines)
        {
            assertTrue(l.contains("hit") && l.contains("pending") && l.contains("loading") && l.contains("active") &&
                l.contains("/ 32.0 MB"), l);
        }
    }
    /**
     * README l.84-85: "Keys are zipfian (--skew, default 0.99; rank r is key r, so the hot keys cluster at the start
     * of the key space ...), and 2% of the ops are deletes": read from the ack log of a writes-only run (--read-ratio
     * 0): key 0 is the most written, the first 10% of the keys take most writes; with --skew 0 they take about 10%.
     */
    @Test
    void hotKeysClusterAtTheStartAndSkewZeroIsUniform(@TempDir final Path dir) throws java.io.IOException
    {
        for (final String skew : new String[] {"0.99", "0"})
        {
            final Path d = dir.resolve("d" + skew);
            final Run13c r = Run13c.run("drive", "--keys", "2000", "--regions", "1", "--read-ratio", "0", "--ops",
                "5000", "--skew", skew, "--data-dir", d.toString(), "--progress", "off");
            assertEquals(0, r.code(), r.all());
            final java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(
                d.resolve("drive-acks.log")));
            final long[] perKey = new long[2000];
            long total = 0;
            long deletes = 0;
            b.position(2000 * 16); // past the setup's records
            while (b.remaining() >= 16)
            {
                final long kf = b.getLong();
                b.getLong();
                perKey[(int)(kf & Long.MAX_VALUE)]++;
                total++;
                deletes += kf < 0 ? 1 : 0;
            }
            long first10 = 0;
            for (int k = 0; k < 200; k++)
            {
                first10 += perKey[k];
            }
            final double share = first10 / (double)total;
            final double deleteShare = deletes / (double)total;
            assertTrue(total > 5000, "writes logged: " + total);
            assertTrue(deleteShare > 0.01 && deleteShare < 0.03, skew + ": deletes " + deleteShare);
            if (skew.equals("0"))
            {
                assertTrue(share > 0.07 && share < 0.13, "uniform: first 10% of keys took " + share);
            }
            else
            {
                assertTrue(share > 0.5, "zipfian: first 10% of keys took " + share);
                for (int k = 1; k < 2000; k++)
                {
                    assertTrue(perKey[0] >= perKey[k], "key 0 is the hottest: key " + k + " " + perKey[k] + " > " +
                        perKey[0]);
                }
            }
        }
    }
    private static long sumOf(final String list)
    {
        long sum = 0;
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("[A-Z_]+ ([\\d,]+)").matcher(list);
        while (m.find())
        {
            sum += Long.parseLong(m.group(1).replace(",", ""));
        }
        return sum;
    }

    /**
     * The report's figures agree with each other as in the README's sample: reads = gets + scans = cache + rocksdb
     * reads; the rocksdb reads are the fallbacks by reason; the hit ratio is cache / reads; the latency rows count the
     * same reads; regions at end = at start + splits; write results count every batch, the setup's included.
     */
    @Test
    void theReportsFiguresAgreeWithEachOther()
    {
        final Run13c r = Run13c.run("drive", "--keys", "6000", "--regions", "3", "--duration", "3s", "--split-keys",
            "800", "--budget", "32MB", "--threads", "3", "--progress", "off");
        assertEquals(0, r.code(), r.all());
        final String o = r.out();
        final long reads = Run13c.number(o, "reads         ([\\d,]+) \\(");
        final long gets = Run13c.number(o, "\\): ([\\d,]+) gets");
        final long scans = Run13c.number(o, "gets, ([\\d,]+) scans");
        final long cache = Run13c.number(o, "hit ratio .*\\(cache ([\\d,]+),");
        final long rocks = Run13c.number(o, "hit ratio .*, rocksdb ([\\d,]+);");
        assertEquals(reads, gets + scans, o);
        assertEquals(reads, cache + rocks, o);
        final java.util.regex.Matcher fb = java.util.regex.Pattern.compile("fallbacks: ([^)]*)\\)").matcher(o);
        assertTrue(fb.find(), o);
        assertEquals(rocks, fb.group(1).equals("none") ? 0 : sumOf(fb.group(1)), o);
        assertEquals(Math.round(1000.0 * cache / Math.max(1, reads)) / 10.0,
            Run13c.decimal(o, "hit ratio +(\\d+\\.\\d)%"), 0.1001, o);
        assertEquals(cache, Run13c.number(o, "\\n    cache +([\\d,]+) "), o);
        assertEquals(rocks, Run13c.number(o, "\\n    rocksdb +([\\d,]+) "), o);
        final long start = Run13c.number(o, "regions +(\\d+) at start");
        final long end = Run13c.number(o, "at start, (\\d+) at end");
        final long splits = Run13c.number(o, "; split ([\\d,]+) ");
        assertEquals(start + splits, end, o);
        final java.util.regex.Matcher sr = java.util.regex.Pattern.compile("; split [\\d,]+ \\(([^)]*)\\)").matcher(o);
        assertTrue(sr.find(), o);
        assertEquals(splits, sr.group(1).equals("none") ? 0 : sumOf(sr.group(1)), o);
        final long batches = Run13c.number(o, "writes +([\\d,]+) batches");
        final java.util.regex.Matcher wr = java.util.regex.Pattern.compile("write results: ([^\\n]*)").matcher(o);
        assertTrue(wr.find(), o);
        final long setupBatches = Run13c.number(o, "versions 1\\.\\.([\\d,]+) ") - batches;
        assertEquals(batches + setupBatches, sumOf(wr.group(1)), o);
    }
    /**
     * README l.83-84: "Writer (one thread, the host's apply stream): batches of --batch-size keys (default 4) of one
     * region at strictly increasing versions", read from the ack log (one record per key, the batch's version): each
     * version after the setup's is one batch of at most --batch-size distinct keys, all in one of the 4 equal regions
     * (no split: --split-keys above the writes), versions increasing. Prints how many batches were short.
     */
    @Test
    void writeBatchesAreOfOneRegionAtIncreasingVersions(@TempDir final Path dir) throws java.io.IOException
    {
        final Path d = dir.resolve("d");
        final Run13c r = Run13c.run("drive", "--keys", "4000", "--regions", "4", "--batch-size", "7", "--read-ratio",
            "0", "--ops", "2000", "--split-keys", "100000000", "--data-dir", d.toString(), "--progress", "off");
        assertEquals(0, r.code(), r.all());
        final java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(
            d.resolve("drive-acks.log")));
        b.position(4000 * 16);
        long lastVersion = 0;
        int region = -1;
        final java.util.Set<Long> inBatch = new java.util.HashSet<>();
        final java.util.Map<Integer, Integer> sizes = new java.util.TreeMap<>();
        int batches = 0;
        while (b.remaining() >= 16)
        {
            final long k = b.getLong() & Long.MAX_VALUE;
            final long v = b.getLong();
            assertTrue(v >= lastVersion, "versions in order: " + v + " after " + lastVersion);
            if (v > lastVersion)
            {
                if (batches > 0)
                {
                    sizes.merge(inBatch.size(), 1, Integer::sum);
                }
                batches++;
                inBatch.clear();
                region = (int)(k * 4 / 4000);
                lastVersion = v;
            }
            assertEquals(region, (int)(k * 4 / 4000), "one region per batch, version " + v);
            assertTrue(inBatch.add(k), "a key twice in the batch at version " + v);
            assertTrue(inBatch.size() <= 7, "at most --batch-size keys at version " + v);
        }
        sizes.merge(inBatch.size(), 1, Integer::sum);
        assertEquals(Run13c.number(r.out(), "writes        ([\\d,]+) batches"), batches, r.out());
        System.out.println("DriveEdges13cTest: batch sizes (keys -> batches) with --batch-size 7: " + sizes);
    }
}
