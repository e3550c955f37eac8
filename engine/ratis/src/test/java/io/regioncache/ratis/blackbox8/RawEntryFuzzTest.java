package io.regioncache.ratis.blackbox8;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.WriteBatch;
import io.regioncache.ratis.Entry;
import io.regioncache.ratis.EntryCodec;
import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaCheck;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.Reply;

/**
 * Black-box: raw Raft entries from {@code RegionClient.sendRaw}, mutated at random from valid encodings of every
 * entry type (seed printed; {@code -Dfuzz8.seed=N}, {@code -Dfuzz8.cases=N}). Every answer is a typed {@link Reply}
 * (nothing thrown out of the client), an entry the codec itself refuses is never answered OK, the node keeps serving
 * (a write then a linearizable read of it every 100 cases) and, with 3 nodes, the replicas converge and stay equal.
 */
class RawEntryFuzzTest
{
    private static final long SEED = Long.getLong("fuzz8.seed", 8_2026_12_05L);
    private static final int CASES = Integer.getInteger("fuzz8.cases", 3000);

    @TempDir
    Path dir;

    private static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    /** Valid encodings of every entry type for {@code m}. */
    private static List<byte[]> seeds(final RegionMeta m)
    {
        final long r = m.id();
        final long ep = m.epochVersion();
        final List<Entry> es = new ArrayList<>();
        es.add(new Entry.Write(r, ep, 0, List.of(new Entry.Op(WriteBatch.PUT, b("fk1"), b("fv1")))));
        es.add(new Entry.Write(r, ep, 0, List.of(new Entry.Op(WriteBatch.PUT, b("fk2"), b("fv2")),
            new Entry.Op(WriteBatch.DELETE, b("fk3"), null), new Entry.Op(WriteBatch.PUT, b("fk4"), new byte[300]))));
        es.add(new Entry.Split(r, ep, 0, new byte[][] {b("fm")}, new long[] {Entry.Split.newRegionId(r, ep, 0)}));
        es.add(new Entry.PrepareMerge(r, ep, 0, r + 1));
        es.add(new Entry.SealMerge(r, ep, 0, r + 1, 1));
        es.add(new Entry.CommitMerge(r, ep, 0, r + 1, 1, b("fm"), b(""), 5));
        es.add(new Entry.RollbackMerge(r, ep, 0));
        es.add(new Entry.DeleteRange(r, ep, 0, b("fd0"), b("fd9")));
        es.add(new Entry.Get(r, ep, 0, b("fk1")));
        es.add(new Entry.Describe(r, ep, 0));
        es.add(new Entry.Scan(r, ep, 0, b("f"), b("g"), 10));
        final List<byte[]> out = new ArrayList<>();
        for (final Entry e : es)
        {
            out.add(EntryCodec.encode(e));
        }
        return out;
    }

    private static byte[] varint(final long v)
    {
        final byte[] t = new byte[10];
        int n = 0;
        long x = v;
        while ((x & ~0x7FL) != 0)
        {
            t[n++] = (byte)((x & 0x7F) | 0x80);
            x >>>= 7;
        }
        t[n++] = (byte)x;
        return Arrays.copyOf(t, n);
    }

    private static byte[] splice(final byte[] a, final int at, final int drop, final byte[] ins)
    {
        final int d = Math.min(drop, a.length - at);
        final byte[] o = new byte[a.length - d + ins.length];
        System.arraycopy(a, 0, o, 0, at);
        System.arraycopy(ins, 0, o, at, ins.length);
        System.arraycopy(a, at + d, o, at + ins.length, a.length - at - d);
        return o;
    }

    static byte[] mutate(final Random rnd, final byte[] seed)
    {
        byte[] a = seed.clone();
        final int rounds = 1 + rnd.nextInt(3);
        for (int k = 0; k < rounds; k++)
        {
            final int at = a.length == 0 ? 0 : rnd.nextInt(a.length + 1);
            switch (rnd.nextInt(9))
            {
                case 0 -> { if (a.length > 0) { a[Math.min(at, a.length - 1)] ^= (byte)(1 << rnd.nextInt(8)); } }
                case 1 -> { if (a.length > 0) { a[Math.min(at, a.length - 1)] = (byte)rnd.nextInt(256); } }
                case 2 -> a = Arrays.copyOf(a, rnd.nextInt(a.length + 1)); // truncate
                case 3 -> { final byte[] t = new byte[1 + rnd.nextInt(40)]; rnd.nextBytes(t); a = splice(a, at, 0, t); }
                case 4 -> a = splice(a, at, rnd.nextInt(3), varint(new long[] {Integer.MAX_VALUE, 1L << 31,
                    (1L << 32) + 1, Long.MAX_VALUE, 65_537, 4097, (1 << 20) + 1, 10_001, 65, -1L >>> 1, 0}[rnd.nextInt(11)]));
                case 5 -> { // an over-long varint: 10 continuation bytes
                    final byte[] t = new byte[10 + rnd.nextInt(3)];
                    Arrays.fill(t, (byte)0xFF);
                    a = splice(a, at, 1, t);
                }
                case 6 -> { if (a.length > 1) { a[1] = (byte)rnd.nextInt(20); } } // another type on the same body
                case 7 -> { if (a.length > 0) { a[0] = (byte)rnd.nextInt(4); } } // another format
                default -> { final byte[] t = new byte[rnd.nextInt(3000)]; rnd.nextBytes(t); a = splice(a, at, 0, t); }
            }
        }
        return a;
    }

    private static boolean isMerge(final byte[] raw)
    {
        try
        {
            final Entry e = EntryCodec.decode(raw);
            return e instanceof Entry.PrepareMerge || e instanceof Entry.SealMerge || e instanceof Entry.CommitMerge;
        }
        catch (final RuntimeException e)
        {
            return false;
        }
    }

    private static boolean codecRefuses(final byte[] raw)
    {
        try
        {
            EntryCodec.decode(raw);
            return false;
        }
        catch (final RuntimeException e)
        {
            return true;
        }
    }

    /** Fuzz region {@code regionId}'s group; returns the count of each status. */
    private static Map<String, Integer> fuzz(final RegionClient c, final Random rnd, final int cases,
        final Runnable servesCheck)
    {
        final Map<String, Integer> statuses = new TreeMap<>();
        List<byte[]> seeds = seeds(c.describe(ReplicaNode.ROOT_REGION_ID));
        for (int i = 0; i < cases; i++)
        {
            final byte[] raw = mutate(rnd, seeds.get(rnd.nextInt(seeds.size())));
            if (isMerge(raw))
            {
                continue; // merge entries naming forged ids: ForgedMergeEntryTest (a commit waits 10 s each)
            }
            final Reply r;
            final long t0 = System.nanoTime();
            try
            {
                r = c.sendRaw(ReplicaNode.ROOT_REGION_ID, raw);
            }
            catch (final Throwable t)
            {
                fail("case " + i + ": sendRaw threw " + t + " for " + java.util.HexFormat.of().formatHex(raw,
                    0, Math.min(80, raw.length)), t);
                return statuses;
            }
            final long ms = (System.nanoTime() - t0) / 1_000_000;
            assertNotNull(r, "case " + i);
            assertNotNull(r.status(), "case " + i);
            assertTrue(ms < 15_000, "case " + i + " took " + ms + " ms");
            if (codecRefuses(raw))
            {
                assertTrue(r.status() != Reply.Status.OK, () -> "case accepted OK though the codec refuses it: "
                    + java.util.HexFormat.of().formatHex(raw, 0, Math.min(80, raw.length)));
            }
            statuses.merge(r.status().name(), 1, Integer::sum);
            if (i % 100 == 99)
            {
                servesCheck.run();
                seeds = seeds(c.describe(ReplicaNode.ROOT_REGION_ID)); // a fuzzed split may have moved the epoch
            }
        }
        servesCheck.run();
        return statuses;
    }

    @Test
    void fuzzedRawEntriesOnOneNode() throws Exception
    {
        System.out.println("RawEntryFuzzTest one node: -Dfuzz8.seed=" + SEED + " cases " + CASES);
        try (LocalNodes nodes = LocalNodes.start(1, dir))
        {
            final ReplicaNode n = nodes.nodes().get(0);
            assertTrue(n.progress().await(() -> n.isLeader(ReplicaNode.ROOT_REGION_ID), 30_000));
            try (RegionClient c = RegionClient.builder(nodes.peers()).retries(3).build())
            {
                final byte[][] last = new byte[1][];
                final int[] k = {0};
                final Map<String, Integer> st = fuzz(c, new Random(SEED), CASES, () ->
                {
                    final byte[] v = b("sentinel-" + k[0]++);
                    c.put(b("zz-sentinel"), v);
                    assertArrayEquals(v, c.get(b("zz-sentinel")).value(), "the node serves after fuzzed entries");
                    last[0] = v;
                });
                System.out.println("RawEntryFuzzTest one node statuses " + st + " regions " + n.regions().keySet());
            }
        }
    }

    @Test
    void fuzzedRawEntriesOnThreeNodesKeepReplicasEqual() throws Exception
    {
        final long seed = SEED + 1;
        final int cases = Math.max(100, CASES / 6);
        System.out.println("RawEntryFuzzTest three nodes: seed " + seed + " cases " + cases);
        try (LocalNodes nodes = LocalNodes.start(3, dir))
        {
            assertNotNull(ReplicaCheck.awaitLeader(ReplicaCheck.of(nodes.nodes()), ReplicaNode.ROOT_REGION_ID, 60_000));
            try (RegionClient c = RegionClient.builder(nodes.peers()).retries(3).build())
            {
                final int[] k = {0};
                final Map<String, Integer> st = fuzz(c, new Random(seed), cases, () ->
                {
                    final byte[] v = b("sentinel-" + k[0]++);
                    c.put(b("zz-sentinel"), v);
                    assertArrayEquals(v, c.get(b("zz-sentinel")).value(), "the cluster serves after fuzzed entries");
                });
                System.out.println("RawEntryFuzzTest three nodes statuses " + st);
                assertNull(ReplicaCheck.awaitConverged(nodes.nodes(), 60_000), "replicas converge");
                assertTrue(ReplicaCheck.divergences(nodes.nodes()).isEmpty(),
                    () -> "replicas differ: " + ReplicaCheck.divergences(nodes.nodes()));
            }
        }
    }

    /** Oversized raw entries (just over the 2 MiB limit, 32 MiB): a typed refusal, the node serves afterwards. */
    @Test
    void oversizedRawEntriesAreRefusedTyped() throws Exception
    {
        try (LocalNodes nodes = LocalNodes.start(1, dir))
        {
            final ReplicaNode n = nodes.nodes().get(0);
            assertTrue(n.progress().await(() -> n.isLeader(ReplicaNode.ROOT_REGION_ID), 30_000));
            try (RegionClient c = RegionClient.builder(nodes.peers()).retries(3).build())
            {
                final byte[] head = EntryCodec.encode(new Entry.Write(ReplicaNode.ROOT_REGION_ID,
                    c.describe(ReplicaNode.ROOT_REGION_ID).epochVersion(), 0,
                    List.of(new Entry.Op(WriteBatch.PUT, b("big"), b("v")))));
                for (final int size : new int[] {EntryCodec.MAX_ENTRY_BYTES + 9, 32 << 20})
                {
                    final byte[] raw = Arrays.copyOf(head, size);
                    final long t0 = System.nanoTime();
                    final Reply r = c.sendRaw(ReplicaNode.ROOT_REGION_ID, raw);
                    System.out.println("RawEntryFuzzTest oversized " + size + ": " + r.status() + " in "
                        + (System.nanoTime() - t0) / 1_000_000 + " ms: "
                        + (r.detail() == null ? "" : r.detail().substring(0, Math.min(120, r.detail().length()))));
                    assertTrue(r.status() != Reply.Status.OK, "oversized accepted");
                }
                c.put(b("zz"), b("after"));
                assertArrayEquals(b("after"), c.get(b("zz")).value());
            }
        }
    }
}
