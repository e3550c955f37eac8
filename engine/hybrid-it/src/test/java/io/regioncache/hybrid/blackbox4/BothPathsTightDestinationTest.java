package io.regioncache.hybrid.blackbox4;

import static io.regioncache.hybrid.blackbox4.Bb4.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.Region;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;

/**
 * README: "The hybrid reader serves from the cache when the region is ACTIVE at that epoch and version, and from a
 * RocksDB read at the same version otherwise" and "the two never disagree on what a read returns"; "Read into an
 * UnsafeBuffer ... Any other MutableDirectBuffer class ... gets the same answer". The same multiGet and get, with
 * destinations that run out part-way, at offsets, of four buffer kinds, is made on the cache path (the region's
 * epoch) and on the store path (a newer epoch: EPOCH_MISMATCH), and the answers must be identical: every value
 * length (or -2 - length), every offset of a value copied, the end, and the bytes written.
 */
class BothPathsTightDestinationTest
{
    @TempDir
    Path dir;

    static final int[] LENGTHS = {0, 1, 7, 60, 100, 108, 116, 117, 300, 2000};

    @ParameterizedTest
    @EnumSource(Bb4.Kind.class)
    void multiGetAndGetAnswerAlikeOnBothPaths(final Bb4.Kind kind)
    {
        final long seed = 11;
        System.out.println("BothPathsTightDestinationTest " + kind + " seed=" + seed);
        final Random rnd = new Random(seed);
        final Bb4.Rig rig = new Bb4.Rig(kind.open(dir.resolve("s")));
        final HybridEngine e = rig.engine;
        try
        {
            final List<String> keys = new ArrayList<>();
            long v = 0;
            for (int i = 0; i < 60; i++)
            {
                final String k = "key" + i + "x".repeat(rnd.nextInt(3) == 0 ? 40 : rnd.nextInt(5));
                keys.add(k);
                final int versions = 1 + rnd.nextInt(3);
                for (int j = 0; j < versions; j++)
                {
                    final WriteBatch wb = new WriteBatch(1, 1, ++v);
                    if (rnd.nextInt(6) == 0)
                    {
                        wb.delete(b(k));
                    }
                    else
                    {
                        final byte[] val = new byte[LENGTHS[rnd.nextInt(LENGTHS.length)]];
                        rnd.nextBytes(val);
                        wb.put(b(k), val);
                    }
                    e.await(e.write(wb));
                }
            }
            keys.add("absent1");
            keys.add("key7y");
            final Region region = new Region(1, new byte[0], new byte[0], 1);
            assertEquals(ResultCode.OK, e.await(e.loadRegion(region)).code());
            rig.runLoads();
            assertEquals(RegionState.ACTIVE, e.cache().stateOf(1));
            try (HybridReader reader = e.newReader())
            {
                for (int round = 0; round < 300; round++)
                {
                    final long rv = 1 + rnd.nextInt((int) v + 3);
                    final int n = 1 + rnd.nextInt(12);
                    final String[] ks = new String[n];
                    final ExpandableArrayBuffer kb = new ExpandableArrayBuffer(64);
                    final int[] ko = new int[n + 2];
                    final int[] kl = new int[n + 2];
                    int p = rnd.nextInt(3);
                    for (int i = 0; i < n; i++)
                    {
                        ks[i] = keys.get(rnd.nextInt(keys.size()));
                        final byte[] kk = b(ks[i]);
                        ko[i] = p;
                        kl[i] = kk.length;
                        kb.putBytes(p, kk);
                        p += kk.length + rnd.nextInt(2);
                    }
                    final int cap = rnd.nextInt(4) == 0 ? rnd.nextInt(40) : rnd.nextInt(3000);
                    final int off = cap == 0 ? 0 : rnd.nextInt(Math.min(cap, 16) + 1);
                    final int kind2 = rnd.nextInt(4);
                    final int[][] out = new int[2][];
                    final byte[][] bytes = new byte[2][];
                    final int[] ends = new int[2];
                    final int[][] lens = new int[2][];
                    final SnapshotStatus[] st = new SnapshotStatus[2];
                    for (int path = 0; path < 2; path++)
                    {
                        final MutableDirectBuffer dst = dst(kind2, cap);
                        final int[] vo = new int[n + 2];
                        final int[] vl = new int[n + 2];
                        Arrays.fill(vo, -7);
                        Arrays.fill(vl, -7);
                        ends[path] = reader.multiGet(1, path == 0 ? 1 : 2, rv, kb, ko, kl, n, dst, off, vo, vl);
                        st[path] = reader.lastStatus();
                        for (int i = 0; i < n; i++)
                        {
                            if (vl[i] < 0)
                            {
                                vo[i] = -7; // the offset of a value not copied is not an answer
                            }
                        }
                        out[path] = vo;
                        lens[path] = vl;
                        final byte[] all = new byte[dst.capacity()];
                        dst.getBytes(0, all, 0, Math.min(all.length, dst.capacity()));
                        bytes[path] = Arrays.copyOf(all, Math.min(all.length, cap));
                    }
                    final String ctx = kind + " round " + round + " rv " + rv + " keys " + Arrays.toString(ks) +
                        " cap " + cap + " off " + off + " dst kind " + kind2 + " statuses " + Arrays.toString(st);
                    assertEquals(SnapshotStatus.OK, st[0], ctx);
                    assertEquals(SnapshotStatus.EPOCH_MISMATCH, st[1], ctx);
                    assertArrayEquals(lens[0], lens[1], ctx + " lengths cache " + Arrays.toString(lens[0]) +
                        " store " + Arrays.toString(lens[1]));
                    assertArrayEquals(out[0], out[1], ctx + " offsets");
                    assertEquals(ends[0], ends[1], ctx + " end");
                    assertArrayEquals(bytes[0], bytes[1], ctx + " bytes");
                    // single gets, same destination rules
                    final String k = ks[0];
                    final int[] g = new int[2];
                    final byte[][] gb = new byte[2][];
                    for (int path = 0; path < 2; path++)
                    {
                        final MutableDirectBuffer dst = dst(kind2, cap);
                        g[path] = reader.get(1, path == 0 ? 1 : 2, rv, new UnsafeBuffer(b(k)), 0, b(k).length, dst, off);
                        final byte[] all = new byte[Math.min(cap, dst.capacity())];
                        dst.getBytes(0, all);
                        gb[path] = all;
                    }
                    assertEquals(g[0], g[1], ctx + " get " + k);
                    assertArrayEquals(gb[0], gb[1], ctx + " get bytes " + k);
                    assertNotEquals(-7, ends[0]);
                }
            }
        }
        finally
        {
            e.close();
        }
    }

    private static MutableDirectBuffer dst(final int kind, final int cap)
    {
        switch (kind)
        {
            case 0:
                return new UnsafeBuffer(new byte[cap]);
            case 1:
                return new UnsafeBuffer(ByteBuffer.allocateDirect(cap));
            case 2:
                return new ExpandableArrayBuffer(cap);
            default:
                return new ExpandableDirectByteBuffer(cap);
        }
    }
}
