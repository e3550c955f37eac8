package io.regioncache.hybrid;

import static io.regioncache.hybrid.HybridTestSupport.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.function.Function;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.BackingSnapshot;
import io.regioncache.Bytes;
import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;

/**
 * Audit of README.md "### The hybrid engine (RocksDB, the embedded default)" on RocksDB and LMDB: edge cases the
 * existing tests leave open. Every read is made twice, once where the cache serves (epoch 1 of a cached region) and
 * once where the store serves (epoch 9), and the answers compared: keys outside a bounded region, multiGet's edges
 * (count 0, duplicates, a dst that runs out, an offset), empty values, binary keys across the store's 8-byte
 * groups, scans with equal / inverted / empty bounds, views of bounded regions with every derived map, reads below
 * the store's GC point, the write checks made before the store sees a batch, and close.
 */
@ParameterizedClass
@EnumSource(Stores.class)
class ReadmeAuditHybridTest
{
    private static final byte[] OPEN = new byte[0];
    private static final long CACHE = 1;
    private static final long STORE = 9;

    @Parameter
    Stores stores;

    @TempDir
    Path dir;

    private static String k(final int i)
    {
        return String.format("k%02d", i);
    }

    private static String str(final byte[] bytes)
    {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private static String path(final long epoch)
    {
        return epoch == CACHE ? "cache path" : "store path";
    }

    private static SnapshotStatus why(final long epoch)
    {
        return epoch == CACHE ? SnapshotStatus.OK : SnapshotStatus.EPOCH_MISMATCH;
    }

    /** k00..k09 = "v1-i" at version 1; k04 deleted and k05 overwritten at 2; region 1 = [start, end) loaded. */
    private HybridTestSupport harness(final byte[] start, final byte[] end)
    {
        final HybridTestSupport h = new HybridTestSupport(stores, dir.resolve("db"),
            RegionCacheConfig.builder().segmentSize(64 * 1024).capacityBytes(64L << 20).maxValueLength(4096));
        final WriteBatch wb = new WriteBatch(1, 1, 1);
        for (int i = 0; i < 10; i++)
        {
            wb.put(b(k(i)), b("v1-" + i));
        }
        assertEquals(ResultCode.NOT_CACHED, h.run(h.engine.write(wb)).code());
        assertEquals(ResultCode.NOT_CACHED,
            h.run(h.engine.write(new WriteBatch(1, 1, 2).delete(b(k(4))).put(b(k(5)), b("v2-5")))).code());
        h.ok(h.engine.loadRegion(new Region(1, start, end, 1)));
        h.runLoads();
        assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1));
        return h;
    }

    private static void throwsExactly(final Class<? extends Throwable> type, final Executable call, final String what)
    {
        final Throwable t = assertThrows(Throwable.class, call, what);
        assertEquals(type, t.getClass(), () -> what + ": " + t);
    }

    private static List<String> scan(final HybridReader reader, final long epoch, final long version,
        final byte[] lower, final byte[] upper)
    {
        final List<String> out = new ArrayList<>();
        try (HybridScan s = reader.scan(1, epoch, version, lower, upper))
        {
            assertEquals(epoch == CACHE, s.servedByCache(), path(epoch));
            while (s.next())
            {
                out.add(Bytes.of(s.keyBytes()) + "=" + Bytes.of(s.valueBytes()));
            }
            assertFalse(s.next(), "stays at its end");
        }
        return out;
    }

    // ------------------------------------------------------------------ keys outside the region

    /**
     * "A key outside the region is refused (IllegalArgumentException) only when the cache serves: the store path
     * does not know region bounds": get, multiGet (nothing read: the out arrays untouched) and scan bounds on a
     * bounded region; the reader serves normally afterwards.
     */
    @Test
    void aKeyOutsideTheRegionIsRefusedOnlyOnTheCachePath()
    {
        final HybridTestSupport h = harness(b(k(3)), b(k(7)));
        try (HybridReader reader = h.engine.newReader())
        {
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
            for (final byte[] outside : new byte[][] {b(k(1)), b(k(7)), b(k(9)), b("k02\u00ff")})
            {
                final UnsafeBuffer key = new UnsafeBuffer(outside);
                throwsExactly(IllegalArgumentException.class,
                    () -> reader.get(1, CACHE, 2, key, 0, outside.length, dst, 0), "cache get " + str(outside));
                throwsExactly(IllegalArgumentException.class, () -> reader.get(1, CACHE, 2, outside),
                    "cache convenience get " + str(outside));
            }
            assertEquals("v1-1", str(reader.get(1, STORE, 2, b(k(1)))));
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, reader.lastStatus());
            assertEquals("v1-7", str(reader.get(1, STORE, 2, b(k(7)))));

            final UnsafeBuffer keys = new UnsafeBuffer(b(k(3) + k(8)));
            final int[] offsets = {0, 3};
            final int[] lengths = {3, 3};
            final int[] valueOffsets = {-7, -7};
            final int[] valueLengths = {-7, -7};
            throwsExactly(IllegalArgumentException.class, () -> reader.multiGet(1, CACHE, 2, keys, offsets, lengths, 2,
                dst, 0, valueOffsets, valueLengths), "cache multiGet with k08");
            assertArrayEquals(new int[] {-7, -7}, valueLengths, "checked first: nothing read");
            assertEquals(8, reader.multiGet(1, STORE, 2, keys, offsets, lengths, 2, dst, 0, valueOffsets,
                valueLengths));
            assertArrayEquals(new int[] {4, 4}, valueLengths);

            throwsExactly(IllegalArgumentException.class, () -> reader.scan(1, CACHE, 2, b(k(0)), b(k(5))),
                "cache scan, lower outside");
            throwsExactly(IllegalArgumentException.class, () -> reader.scan(1, CACHE, 2, b(k(3)), b(k(8))),
                "cache scan, upper outside");
            throwsExactly(IllegalArgumentException.class, () -> reader.scan(1, CACHE, 2, b(k(3)), OPEN),
                "cache scan, empty upper (+infinity) on a region with an end");
            assertEquals(List.of("0x6b3030=0x76312d30", "0x6b3031=0x76312d31", "0x6b3032=0x76312d32",
                "0x6b3033=0x76312d33"), scan(reader, STORE, 2, b(k(0)), b(k(4))), "the store path reads any range");
            // And the cache path still serves inside the region.
            assertEquals(scan(reader, STORE, 2, b(k(3)), b(k(7))), scan(reader, CACHE, 2, b(k(3)), b(k(7))));
            assertEquals(SnapshotStatus.OK, reader.lastStatus());
        }
        finally
        {
            h.close();
        }
    }

    // ------------------------------------------------------------------ more bad arguments, more destinations

    /**
     * "Its arguments are checked before it picks the source, so a bad one throws the same exception on both paths":
     * the cases the existing tests leave out (negative lengths and counts, null arrays, a null dst in multiGet, a null
     * key in the convenience get), and the answers for odd but legal arguments (an empty key, dstOffset at the end of
     * dst, an expandable dst that is too small: "-2 - length", nothing copied, not grown) are the same too.
     */
    @Test
    void moreArgumentsAnsweredAlikeOnBothPaths()
    {
        final HybridTestSupport h = harness(OPEN, OPEN);
        try (HybridReader reader = h.engine.newReader())
        {
            final UnsafeBuffer key = new UnsafeBuffer(b(k(3)));
            final UnsafeBuffer keys = new UnsafeBuffer(b(k(1) + k(2)));
            final int[] offs = {0, 3};
            final int[] lens = {3, 3};
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
            final List<String> answers = new ArrayList<>();
            for (final long epoch : new long[] {CACHE, STORE})
            {
                final String p = path(epoch);
                throwsExactly(IllegalArgumentException.class, () -> reader.get(1, epoch, 2, key, 0, -1, dst, 0), p);
                throwsExactly(IllegalArgumentException.class, () -> reader.get(1, epoch, 2, key, 0, 3, dst, -1), p);
                throwsExactly(IllegalArgumentException.class,
                    () -> reader.get(1, epoch, 2, key, Integer.MAX_VALUE, 3, dst, 0), p + ": overflowing slice");
                throwsExactly(NullPointerException.class, () -> reader.get(1, epoch, 2, null), p);
                throwsExactly(IllegalArgumentException.class, () -> reader.multiGet(1, epoch, 2, keys, offs, lens, -1,
                    dst, 0, new int[2], new int[2]), p + ": negative count");
                throwsExactly(IllegalArgumentException.class, () -> reader.multiGet(1, epoch, 2, keys, offs, lens, 2,
                    dst, 0, new int[1], new int[2]), p + ": a short out array");
                throwsExactly(IllegalArgumentException.class, () -> reader.multiGet(1, epoch, 2, keys, offs,
                    new int[] {3, -1}, 2, dst, 0, new int[2], new int[2]), p + ": a negative key length");
                throwsExactly(IllegalArgumentException.class, () -> reader.multiGet(1, epoch, 2, keys, offs, lens, 2,
                    dst, 17, new int[2], new int[2]), p + ": dstOffset past the end");
                throwsExactly(NullPointerException.class, () -> reader.multiGet(1, epoch, 2, keys, null, lens, 2,
                    dst, 0, new int[2], new int[2]), p);
                throwsExactly(NullPointerException.class, () -> reader.multiGet(1, epoch, 2, keys, offs, lens, 2,
                    null, 0, new int[2], new int[2]), p);
                throwsExactly(NullPointerException.class, () -> reader.multiGet(1, epoch, 2, keys, offs, lens, 2,
                    dst, 0, new int[2], null), p);
                throwsExactly(NullPointerException.class, () -> reader.view(null, 2), p);

                final StringBuilder sb = new StringBuilder();
                sb.append(reader.get(1, epoch, 2, key, 0, 0, dst, 0)).append(' ');            // the empty key
                sb.append(reader.get(1, epoch, 2, key, 0, 3, dst, 16)).append(' ');           // dstOffset == capacity
                sb.append(reader.get(1, epoch, 2, key, 0, 3, dst, 12)).append(' ');           // exactly fits
                final ExpandableArrayBuffer expandable = new ExpandableArrayBuffer(2);
                expandable.putByte(0, (byte)'#');
                sb.append(reader.get(1, epoch, 2, key, 0, 3, expandable, 0)).append(' ');
                sb.append(expandable.capacity()).append(' ').append((char)expandable.getByte(0)).append(' ');
                final int[] vl = new int[2];
                final ExpandableArrayBuffer expandable2 = new ExpandableArrayBuffer(6);
                sb.append(reader.multiGet(1, epoch, 2, keys, offs, lens, 2, expandable2, 0, new int[2], vl));
                sb.append(' ').append(Arrays.toString(vl)).append(' ').append(expandable2.capacity());
                assertEquals(why(epoch), reader.lastStatus(), p);
                answers.add(sb.toString());
            }
            assertEquals("-1 -6 4 -6 2 # 4 [4, -6] 6", answers.get(0), "cache path");
            assertEquals(answers.get(0), answers.get(1), "the store path answers as the cache does");
        }
        finally
        {
            h.close();
        }
    }

    // ------------------------------------------------------------------ multiGet's edges

    /** multiGet edges answered alike by the cache and by the one batched store read. */
    @Test
    void multiGetEdgesAnswerAlikeOnBothPaths()
    {
        final HybridTestSupport h = harness(OPEN, OPEN);
        try (HybridReader reader = h.engine.newReader())
        {
            h.ok(h.engine.write(new WriteBatch(1, 1, 3).put(b(k(6)), b("a-much-longer-value-6")).put(b(k(7)), OPEN)));
            final List<String> answers = new ArrayList<>();
            for (final long epoch : new long[] {CACHE, STORE})
            {
                final StringBuilder sb = new StringBuilder();
                // count 0: returns dstOffset, touches nothing.
                final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
                final int[] vo = {-7, -7, -7, -7, -7, -7, -7};
                final int[] vl = {-7, -7, -7, -7, -7, -7, -7};
                final UnsafeBuffer keys = new UnsafeBuffer(b(k(1) + k(6) + k(1) + k(4) + k(2) + k(7) + k(5)));
                final int[] offs = {0, 3, 6, 9, 12, 15, 18};
                final int[] lens = {3, 3, 3, 3, 3, 3, 3};
                assertEquals(5, reader.multiGet(1, epoch, 3, keys, offs, lens, 0, dst, 5, vo, vl), path(epoch));
                assertArrayEquals(new int[] {-7, -7, -7, -7, -7, -7, -7}, vl, path(epoch));
                assertEquals(why(epoch), reader.lastStatus());
                // Duplicates, a deleted key, an empty value, a dst that runs out after the long value, an offset;
                // only the first 6 keys asked for: the seventh slot is left alone.
                final UnsafeBuffer small = new UnsafeBuffer(new byte[20]);
                final int end = reader.multiGet(1, epoch, 3, keys, offs, lens, 6, small, 3, vo, vl);
                sb.append("end=").append(end).append(" lengths=").append(Arrays.toString(vl));
                for (int i = 0; i < 6; i++)
                {
                    if (vl[i] >= 0)
                    {
                        final byte[] got = new byte[vl[i]];
                        small.getBytes(vo[i], got);
                        sb.append(' ').append(vo[i]).append(':').append(str(got));
                    }
                }
                assertEquals(-7, vl[6], path(epoch) + ": past count");
                answers.add(sb.toString());
                // dstOffset == capacity: legal, nothing fits but an empty value.
                final int[] vl2 = new int[2];
                assertEquals(20, reader.multiGet(1, epoch, 3, new UnsafeBuffer(b(k(7) + k(1))), new int[] {0, 3},
                    new int[] {3, 3}, 2, small, 20, new int[2], vl2), path(epoch));
                assertArrayEquals(new int[] {0, -2 - 4}, vl2, path(epoch));
            }
            // k01 (4), k06 (21: does not fit in 20 - 3 - 4 = 13), k01 again, k04 deleted, k02, k07 empty.
            assertEquals("end=15 lengths=[4, -23, 4, -1, 4, 0, -7] 3:v1-1 7:v1-1 11:v1-2 15:", answers.get(0),
                "cache path");
            assertEquals(answers.get(0), answers.get(1), "the store path answers as the cache does");
        }
        finally
        {
            h.close();
        }
    }

    // ------------------------------------------------------------------ values and keys of every shape

    /**
     * The same answers from both sources for empty values, a value larger than the convenience get's first buffer,
     * and binary keys straddling the store encoding's 8-byte groups (prefixes, 0x00 and 0xFF bytes), in unsigned
     * order through scans and views.
     */
    @Test
    void emptyValuesLargeValuesAndBinaryKeysAlike()
    {
        final HybridTestSupport h = harness(OPEN, OPEN);
        try (HybridReader reader = h.engine.newReader())
        {
            final byte[][] keys = {{'a'}, {'a', 0}, {'a', 0, 0}, {'a', 1}, {'a', (byte)0xff}, b("abcdefg"),
                b("abcdefgh"), {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 0}, b("abcdefghi"), {(byte)0x80},
                {(byte)0xff}, {(byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff,
                (byte)0xff, (byte)0xff}};
            final WriteBatch wb = new WriteBatch(1, 1, 3);
            for (int i = 0; i < keys.length; i++)
            {
                wb.put(keys[i], i % 3 == 0 ? OPEN : ("val" + i).getBytes(StandardCharsets.UTF_8));
            }
            final byte[] big = new byte[1000];
            Arrays.fill(big, (byte)'B');
            wb.put(b("big"), big);
            h.ok(h.engine.write(wb));
            for (final long epoch : new long[] {CACHE, STORE})
            {
                for (int i = 0; i < keys.length; i++)
                {
                    final byte[] want = i % 3 == 0 ? OPEN : ("val" + i).getBytes(StandardCharsets.UTF_8);
                    assertArrayEquals(want, reader.get(1, epoch, 3, keys[i]), path(epoch) + " key " + i);
                    assertEquals(why(epoch), reader.lastStatus());
                    final UnsafeBuffer dst = new UnsafeBuffer(new byte[8]);
                    assertEquals(want.length, reader.get(1, epoch, 3, new UnsafeBuffer(keys[i]), 0, keys[i].length,
                        dst, 8 - want.length), path(epoch) + " key " + i + " at the end of dst");
                }
                assertArrayEquals(big, reader.get(1, epoch, 3, b("big")), path(epoch) + " big value");
                assertNull(reader.get(1, epoch, 2, b("big")), path(epoch) + " big value below its version");
            }
            assertEquals(scan(reader, CACHE, 3, OPEN, OPEN), scan(reader, STORE, 3, OPEN, OPEN), "whole scans");
            assertEquals(scan(reader, CACHE, 3, new byte[] {'a', 0}, b("abcdefgh")),
                scan(reader, STORE, 3, new byte[] {'a', 0}, b("abcdefgh")), "a sub-range");
            final List<String> all = scan(reader, CACHE, 3, OPEN, OPEN);
            final List<String> sorted = new ArrayList<>(all);
            sorted.sort((x, y) -> Arrays.compareUnsigned(hexKey(x), hexKey(y)));
            assertEquals(sorted, all, "unsigned order");
            try (HybridView cached = reader.view(new Region(1, OPEN, OPEN, CACHE), 3);
                HybridView stored = reader.view(new Region(1, OPEN, OPEN, STORE), 3))
            {
                assertTrue(cached.servedByCache());
                assertFalse(stored.servedByCache());
                assertEquals(cached.asBytesMap(), stored.asBytesMap());
                assertEquals(List.copyOf(cached.asBytesMap().descendingMap().entrySet()),
                    List.copyOf(stored.asBytesMap().descendingMap().entrySet()));
                assertEquals(OPEN.length, stored.asNavigableMap().get(keys[0]).length, "an empty value is present");
                assertTrue(stored.asNavigableMap().containsKey(keys[0]));
            }
        }
        finally
        {
            h.close();
        }
    }

    private static byte[] hexKey(final String entry)
    {
        final String hex = entry.substring(2, entry.indexOf('='));
        final byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++)
        {
            out[i] = (byte)Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    // ------------------------------------------------------------------ scans

    /**
     * Scan bounds: lower == upper and inverted bounds hold no key, a one-key range holds one key, on both paths;
     * a second scan of the reader closes the first; a reader's close closes its scan.
     */
    @Test
    void scanBoundsEdgesAlikeAndScanLifetime()
    {
        final HybridTestSupport h = harness(OPEN, OPEN);
        try
        {
            final HybridReader reader = h.engine.newReader();
            for (final long epoch : new long[] {CACHE, STORE})
            {
                assertEquals(List.of(), scan(reader, epoch, 2, b(k(3)), b(k(3))), path(epoch) + ": [k03, k03)");
                assertEquals(List.of(), scan(reader, epoch, 2, b(k(6)), b(k(2))), path(epoch) + ": inverted");
                assertEquals(List.of(), scan(reader, epoch, 2, b(k(4)), b(k(5))), path(epoch) + ": deleted key only");
                assertEquals(List.of("0x6b3033=0x76312d33"), scan(reader, epoch, 2, b(k(3)), b("k03\0")),
                    path(epoch) + ": [k03, k03\\0)");
                assertEquals(List.of("0x6b3034=0x76312d34"), scan(reader, epoch, 1, b(k(4)), b(k(5))),
                    path(epoch) + ": the deleted key below its tombstone");
                final List<String> tail = scan(reader, epoch, 2, b(k(8)), OPEN);
                assertEquals(2, tail.size(), path(epoch) + ": empty upper = +infinity on an unbounded region");
                final List<String> head = scan(reader, epoch, 2, OPEN, b(k(2)));
                assertEquals(2, head.size(), path(epoch) + ": empty lower = -infinity on an unbounded region");

                final HybridScan first = reader.scan(1, epoch, 2, OPEN, OPEN);
                assertTrue(first.next());
                final HybridScan second = reader.scan(1, epoch, 2, b(k(5)), OPEN);
                assertTrue(second.next());
                assertEquals("k05", str(second.keyBytes()));
                assertEquals("v2-5", str(second.valueBytes()), path(epoch) + ": the newest version at 2");
                second.close();
            }
            final HybridScan open = reader.scan(1, STORE, 2, OPEN, OPEN);
            assertTrue(open.next());
            reader.close();
            reader.close();
            throwsExactly(IllegalStateException.class, open::next, "a scan of a closed reader");
            throwsExactly(IllegalStateException.class, open::keyBytes, "a scan of a closed reader");
            throwsExactly(IllegalStateException.class, () -> reader.scan(1, CACHE, 2, OPEN, OPEN), "closed reader");
            throwsExactly(IllegalStateException.class, () -> reader.get(1, STORE, 2, b(k(1))), "closed reader");
            throwsExactly(IllegalStateException.class, () -> reader.multiGet(1, STORE, 2, new UnsafeBuffer(b(k(1))),
                new int[] {0}, new int[] {3}, 1, new UnsafeBuffer(new byte[8]), 0, new int[1], new int[1]),
                "closed reader");
            throwsExactly(IllegalStateException.class, () -> reader.view(new Region(1, OPEN, OPEN, STORE), 2),
                "closed reader");
        }
        finally
        {
            h.close();
        }
    }

    // ------------------------------------------------------------------ views of a bounded region

    /**
     * "asNavigableMap() / asBytesMap() have the same semantics whichever source serves": a bounded region whose
     * neighbours are in the store; every derived map of the cache-served and the store-served view answers alike,
     * and neither shows a key outside the region.
     */
    @Test
    void viewsOfABoundedRegionAnswerAlikeFromBothSources()
    {
        final HybridTestSupport h = harness(b(k(3)), b(k(7)));
        try (HybridReader reader = h.engine.newReader();
            HybridView cached = reader.view(new Region(1, b(k(3)), b(k(7)), CACHE), 2);
            HybridView stored = reader.view(new Region(1, b(k(3)), b(k(7)), STORE), 2))
        {
            assertTrue(cached.servedByCache());
            assertFalse(stored.servedByCache());
            final NavigableMap<byte[], byte[]> c = cached.asNavigableMap();
            final NavigableMap<byte[], byte[]> s = stored.asNavigableMap();
            assertEquals(List.of("k03", "k05", "k06"), c.keySet().stream().map(ReadmeAuditHybridTest::str).toList());
            final byte[][] probes = {OPEN, b(k(0)), b(k(3)), b("k03\0"), b(k(4)), b(k(5)), b(k(6)), b(k(7)), b(k(9)),
                b("z")};
            final List<Function<NavigableMap<byte[], byte[]>, NavigableMap<byte[], byte[]>>> derive = new ArrayList<>(
                List.of(m -> m, NavigableMap::descendingMap));
            for (final byte[] a : probes)
            {
                for (final boolean ai : new boolean[] {true, false})
                {
                    derive.add(m -> m.headMap(a, ai));
                    derive.add(m -> m.tailMap(a, ai).descendingMap());
                    for (final byte[] z : probes)
                    {
                        for (final boolean zi : new boolean[] {true, false})
                        {
                            derive.add(m -> m.subMap(a, ai, z, zi));
                            derive.add(m -> m.descendingMap().subMap(z, zi, a, ai));
                        }
                    }
                }
            }
            for (int d = 0; d < derive.size(); d++)
            {
                final String fromCache = describe(derive.get(d), c, probes);
                final String fromStore = describe(derive.get(d), s, probes);
                assertEquals(fromCache, fromStore, "derived map #" + d);
            }
            assertNull(s.get(b(k(1))), "a key of the store outside the region");
            assertNull(s.get(b(k(8))));
            assertEquals("k03", str(s.ceilingKey(b(k(0)))));
            assertEquals("k06", str(s.floorKey(b(k(9)))));
            assertEquals(3, s.size());
            assertEquals(cached.asBytesMap(), stored.asBytesMap());
        }
        finally
        {
            h.close();
        }
    }

    private static String describe(final Function<NavigableMap<byte[], byte[]>, NavigableMap<byte[], byte[]>> f,
        final NavigableMap<byte[], byte[]> base, final byte[][] probes)
    {
        final NavigableMap<byte[], byte[]> m;
        try
        {
            m = f.apply(base);
        }
        catch (final RuntimeException ex)
        {
            return ex.getClass().getSimpleName();
        }
        final StringBuilder sb = new StringBuilder();
        for (final Map.Entry<byte[], byte[]> e : m.entrySet())
        {
            sb.append(str(e.getKey())).append('=').append(str(e.getValue())).append(',');
        }
        sb.append(" size=").append(m.size()).append(" empty=").append(m.isEmpty());
        for (final byte[] p : probes)
        {
            sb.append(" |").append(str(p)).append(':').append(str(m.ceilingKey(p))).append('/')
                .append(str(m.floorKey(p))).append('/').append(str(m.higherKey(p))).append('/')
                .append(str(m.lowerKey(p))).append('/').append(str(m.get(p)));
        }
        sb.append(" first=").append(m.isEmpty() ? "-" : str(m.firstKey()));
        sb.append(" last=").append(m.isEmpty() ? "-" : str(m.lastKey()));
        return sb.toString();
    }

    // ------------------------------------------------------------------ the store's GC point

    /** Below the store's GC safe point every store-path read is refused (StoreException), not answered wrong. */
    @Test
    void everyStorePathReadBelowTheGcSafePointIsRefused()
    {
        final HybridTestSupport h = harness(OPEN, OPEN);
        h.ok(h.engine.write(new WriteBatch(1, 1, 5).put(b(k(1)), b("v5-1"))));
        assertTrue(h.engine.gc(5) > 0);
        try (HybridReader reader = h.engine.newReader())
        {
            final UnsafeBuffer key = new UnsafeBuffer(b(k(1)));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
            for (final long epoch : new long[] {CACHE, STORE})
            {
                throwsExactly(StoreException.class, () -> reader.get(1, epoch, 4, key, 0, 3, dst, 0), path(epoch));
                throwsExactly(StoreException.class, () -> reader.multiGet(1, epoch, 4, key, new int[] {0},
                    new int[] {3}, 1, dst, 0, new int[1], new int[1]), path(epoch) + " multiGet");
                throwsExactly(StoreException.class, () -> reader.scan(1, epoch, 4, OPEN, OPEN), path(epoch) + " scan");
                throwsExactly(StoreException.class, () -> reader.view(new Region(1, OPEN, OPEN, epoch), 4),
                    path(epoch) + " view");
                assertEquals("v5-1", str(reader.get(1, epoch, 5, b(k(1)))), path(epoch) + " at the safe point");
            }
        }
        finally
        {
            h.close();
        }
    }

    // ------------------------------------------------------------------ writes

    /**
     * "only after the batch passed the checks the cache makes at the call (WriteBatch.validate(config): region id,
     * epoch, a negative version, key and value lengths): a batch the cache would refuse is answered INVALID before
     * RocksDB sees it": the checks the existing tests leave out (a null batch, a negative region id, an epoch out of
     * range, a value over maxValueLength), each INVALID at the call with nothing in the store and the region kept.
     */
    @Test
    void writesTheCacheRefusesAtTheCallNeverReachTheStore()
    {
        final HybridTestSupport h = harness(OPEN, OPEN);
        try (HybridReader reader = h.engine.newReader())
        {
            final byte[] tooLong = new byte[4097];
            final List<WriteBatch> bad = List.of(
                new WriteBatch(-2, 1, 3).put(b(k(1)), b("bad")),
                new WriteBatch(1, -1, 3).put(b(k(1)), b("bad")),
                new WriteBatch(1, Long.MAX_VALUE, 3).put(b(k(1)), b("bad")),
                new WriteBatch(1, 1, 3).put(b(k(1)), tooLong));
            for (final WriteBatch batch : bad)
            {
                final var f = h.engine.write(batch);
                assertTrue(f.isDone(), batch + ": answered at the call");
                assertEquals(ResultCode.INVALID, f.join().code(), batch + ": " + f.join());
                h.cycle();
                assertEquals("v1-1", str(reader.get(1, STORE, 3, b(k(1)))), batch + ": the store never saw it");
                assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1), batch.toString());
            }
            final var nullBatch = h.engine.write(null);
            assertTrue(nullBatch.isDone());
            assertEquals(ResultCode.INVALID, nullBatch.join().code());
            assertEquals(0, h.engine.metrics().reconciliations());
            h.assertConsistent(1, 9);
        }
        finally
        {
            h.close();
        }
    }

    /**
     * A refusal the cache makes on its apply thread: a batch with a key outside the cached region. README: "What needs
     * the cached region is checked later, on the apply thread, when RocksDB already has the batch ... the engine
     * evicts the cached range the batch touched (counted in reconciliations) and the store serves it from then on".
     * (The README used to say every refused batch was kept out of the store; this test was written against that.)
     */
    @Test
    void aBatchTheCacheRefusesOnItsApplyThreadIsInTheStoreAndTheRangeIsEvicted()
    {
        final HybridTestSupport h = harness(b(k(3)), b(k(7)));
        try (HybridReader reader = h.engine.newReader())
        {
            final CommandResult r = h.run(h.engine.write(new WriteBatch(1, 1, 3).put(b(k(5)), b("v3-5"))
                .put(b(k(8)), b("v3-8"))));
            h.cycle();
            assertEquals(ResultCode.INVALID, r.code(), r::toString);
            final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(16);
            final int n = h.engine.store().get(new UnsafeBuffer(b(k(5))), 0, 3, 3, dst, 0);
            final String inStore = n < 0 ? null : new String(dst.byteArray(), 0, n, StandardCharsets.UTF_8);
            assertEquals("v3-5", inStore, "the store has the batch the cache refused on its apply thread");
            assertEquals(1, h.engine.metrics().reconciliations());
            assertNull(h.engine.cache().stateOf(1), "the cached range the batch touched is evicted");
            assertArrayEquals(b("v3-5"), reader.get(1, 1, 3, b(k(5))), "and the store serves it");
        }
        finally
        {
            h.close();
        }
    }

    /**
     * "The hybrid reader serves from the cache ... and from a RocksDB read at the same version otherwise" with "the
     * same semantics whichever source serves": a lookup of a long key that was never written (500 bytes, well under
     * the cache's maxKeyLength of 4096) is an absent key on every read of both paths: get, multiGet, and the view's
     * get / containsKey / navigation.
     */
    @Test
    void aLongAbsentKeyIsAbsentOnBothPaths()
    {
        final HybridTestSupport h = harness(OPEN, OPEN);
        try (HybridReader reader = h.engine.newReader())
        {
            final byte[] longKey = new byte[500];
            Arrays.fill(longKey, (byte)'k');
            final List<String> answers = new ArrayList<>();
            for (final long epoch : new long[] {CACHE, STORE})
            {
                final StringBuilder sb = new StringBuilder();
                sb.append(outcome(() -> String.valueOf(reader.get(1, epoch, 2, longKey))));
                sb.append(' ').append(outcome(() -> Arrays.toString(multiGetOne(reader, epoch, longKey))));
                try (HybridView view = reader.view(new Region(1, OPEN, OPEN, epoch), 2))
                {
                    assertEquals(epoch == CACHE, view.servedByCache());
                    final NavigableMap<byte[], byte[]> m = view.asNavigableMap();
                    sb.append(' ').append(outcome(() -> str(m.get(longKey))));
                    sb.append(' ').append(outcome(() -> String.valueOf(m.containsKey(longKey))));
                    sb.append(' ').append(outcome(() -> str(m.ceilingKey(longKey))));
                    sb.append(' ').append(outcome(() -> str(m.floorKey(longKey))));
                    sb.append(' ').append(outcome(() -> String.valueOf(m.headMap(longKey, true).size())));
                }
                answers.add(sb.toString());
            }
            assertEquals("null [-1] null false null k09 9", answers.get(0), "cache path");
            if (h.engine.store() instanceof io.regioncache.lmdb.LmdbBackingStore)
            {
                // README: LMDB's store throws StoreException for a read of a key over its 439-byte limit (its own
                // rule): the reader's get and multiGet. The view is a map with "the same semantics whichever source
                // serves": its get / containsKey answer as its navigation and the cache's view do (audit 11b; they
                // threw StoreException before, while ceilingKey / floorKey of the same key answered).
                assertEquals("StoreException StoreException null false null k09 9",
                    answers.get(1), "LMDB store path");
            }
            else
            {
                assertEquals(answers.get(0), answers.get(1), "the store path answers as the cache does");
            }
        }
        finally
        {
            h.close();
        }
    }

    /**
     * A view asked with the cached region's id and epoch but other bounds is not the cached region: it is served by the
     * store over the caller's range (counted as an epoch mismatch), so both sources give one answer. (The cache path
     * used to show the cached range whatever bounds the caller gave.)
     */
    @Test
    void aViewWithTheCachedIdAndEpochButOtherBoundsShowsTheCallersRange()
    {
        final HybridTestSupport h = harness(b(k(2)), b(k(8)));
        try (HybridReader reader = h.engine.newReader())
        {
            try (HybridView exact = reader.view(new Region(1, b(k(2)), b(k(8)), CACHE), 2))
            {
                assertTrue(exact.servedByCache(), "the cached region itself");
                assertEquals(List.of("k02", "k03", "k05", "k06", "k07"), keysOf(exact));
            }
            try (HybridView narrower = reader.view(new Region(1, b(k(3)), b(k(6)), CACHE), 2))
            {
                assertFalse(narrower.servedByCache(), "other bounds: not the region the cache holds");
                assertEquals(SnapshotStatus.EPOCH_MISMATCH, reader.lastStatus());
                assertEquals(List.of("k03", "k05"), keysOf(narrower));
            }
            assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1), "the cached region is untouched");
        }
        finally
        {
            h.close();
        }
    }

    private static List<String> keysOf(final HybridView view)
    {
        final List<String> keys = new ArrayList<>();
        for (final byte[] key : view.asNavigableMap().keySet())
        {
            keys.add(str(key));
        }
        return keys;
    }

    private static int[] multiGetOne(final HybridReader reader, final long epoch, final byte[] key)
    {
        final int[] vl = new int[1];
        reader.multiGet(1, epoch, 2, new UnsafeBuffer(key), new int[] {0}, new int[] {key.length}, 1,
            new UnsafeBuffer(new byte[16]), 0, new int[1], vl);
        return vl;
    }

    private interface Answer
    {
        String get();
    }

    private static String outcome(final Answer a)
    {
        try
        {
            return a.get();
        }
        catch (final RuntimeException ex)
        {
            return ex.getClass().getSimpleName();
        }
    }

    // ------------------------------------------------------------------ counters

    /**
     * "It counts which source served each read and, per SnapshotStatus, why the cache could not": one convenience
     * get is one read, whatever the size of its value (values over the reader's 256-byte scratch buffer included).
     */
    @Test
    void oneConvenienceGetCountsOneRead()
    {
        final HybridTestSupport h = harness(OPEN, OPEN);
        try
        {
            final byte[] big = new byte[1000];
            Arrays.fill(big, (byte)'B');
            h.ok(h.engine.write(new WriteBatch(1, 1, 3).put(b("big"), big)));
            final HybridMetrics m = h.engine.metrics();
            final List<String> problems = new ArrayList<>();
            for (final long epoch : new long[] {CACHE, STORE})
            {
                for (final String key : new String[] {k(1), "big"})
                {
                    final long cache = m.cacheGets();
                    final long store = m.storeGets();
                    final long fallbacks = m.fallbacks(SnapshotStatus.EPOCH_MISMATCH);
                    try (HybridReader reader = h.engine.newReader()) // a fresh reader: its scratch buffer unused
                    {
                        assertTrue(reader.get(1, epoch, 3, b(key)).length > 0);
                    }
                    final String got = (m.cacheGets() - cache) + " cache, " + (m.storeGets() - store) + " store, " +
                        (m.fallbacks(SnapshotStatus.EPOCH_MISMATCH) - fallbacks) + " EPOCH_MISMATCH";
                    final String want = epoch == CACHE ? "1 cache, 0 store, 0 EPOCH_MISMATCH" :
                        "0 cache, 1 store, 1 EPOCH_MISMATCH";
                    if (!want.equals(got))
                    {
                        problems.add(path(epoch) + ", get(" + key + "): counted " + got);
                    }
                }
            }
            assertEquals(List.of(), problems);
        }
        finally
        {
            h.close();
        }
    }

    /** Views are counted as scans, by source and reason. */
    @Test
    void viewsAreCountedBySourceAndReason()
    {
        final HybridTestSupport h = harness(b(k(3)), b(k(7)));
        try (HybridReader reader = h.engine.newReader())
        {
            final HybridMetrics m = h.engine.metrics();
            final long cacheScans = m.cacheScans();
            final long storeScans = m.storeScans();
            final long notCached = m.fallbacks(SnapshotStatus.NOT_CACHED);
            final long mismatch = m.fallbacks(SnapshotStatus.EPOCH_MISMATCH);
            reader.view(new Region(1, b(k(3)), b(k(7)), CACHE), 2).close();
            reader.view(new Region(1, b(k(3)), b(k(7)), STORE), 2).close();
            reader.view(new Region(5, b(k(7)), OPEN, 1), 2).close();
            assertEquals(SnapshotStatus.NOT_CACHED, reader.lastStatus());
            assertEquals(1, m.cacheScans() - cacheScans, m::toString);
            assertEquals(2, m.storeScans() - storeScans, m::toString);
            assertEquals(1, m.fallbacks(SnapshotStatus.NOT_CACHED) - notCached, m::toString);
            assertEquals(1, m.fallbacks(SnapshotStatus.EPOCH_MISMATCH) - mismatch, m::toString);
        }
        finally
        {
            h.close();
        }
    }

    // ------------------------------------------------------------------ StoreView, the public class

    /**
     * "StoreView, a public class: any BackingStore range as a read-only map": empty start / end are -infinity /
     * +infinity, an empty or inverted range is refused, mutators refused, iterators give their cursor back at their
     * end, close releases the rest and the maps then throw IllegalStateException.
     */
    @Test
    void storeViewOverANativeStore()
    {
        final HybridTestSupport h = harness(b(k(3)), b(k(7)));
        try
        {
            final WritableStore store = h.engine.store();
            assertThrows(IllegalArgumentException.class, () -> io.regioncache.StoreView.open(store, b(k(5)), b(k(5)), 2));
            assertThrows(IllegalArgumentException.class, () -> io.regioncache.StoreView.open(store, b(k(6)), b(k(5)), 2));
            try (io.regioncache.StoreView all = io.regioncache.StoreView.open(store, OPEN, OPEN, 2);
                io.regioncache.StoreView head = io.regioncache.StoreView.open(store, OPEN, b(k(2)), 2);
                io.regioncache.StoreView tail = io.regioncache.StoreView.open(store, b(k(8)), OPEN, 2))
            {
                assertEquals(9, all.asNavigableMap().size(), "k04 deleted at 2");
                assertEquals(List.of("k00", "k01"), head.asNavigableMap().keySet().stream()
                    .map(ReadmeAuditHybridTest::str).toList());
                assertEquals(List.of("k09", "k08"), tail.asNavigableMap().descendingKeySet().stream()
                    .map(ReadmeAuditHybridTest::str).toList());
                assertEquals("v2-5", str(all.asNavigableMap().get(b(k(5)))));
                assertNull(head.asNavigableMap().get(b(k(5))), "outside the view's range");
                final NavigableMap<byte[], byte[]> map = all.asNavigableMap();
                throwsExactly(UnsupportedOperationException.class, () -> map.put(b("x"), b("y")), "put");
                throwsExactly(UnsupportedOperationException.class, map::pollFirstEntry, "pollFirstEntry");
                final int base = all.openCursors();
                final java.util.Iterator<byte[]> it = map.keySet().iterator();
                it.next();
                assertEquals(base + 1, all.openCursors(), "an iterator mid-walk holds a cursor");
                final java.util.Iterator<byte[]> done = map.descendingKeySet().iterator();
                while (done.hasNext())
                {
                    done.next();
                }
                assertEquals(base + 1, all.openCursors(), "an iterator at its end gave its cursor back");
                all.close();
                assertEquals(0, all.openCursors());
                throwsExactly(IllegalStateException.class, map::size, "closed");
                throwsExactly(IllegalStateException.class, it::next, "closed");
                throwsExactly(IllegalStateException.class, all::asNavigableMap, "closed");
                throwsExactly(IllegalStateException.class, all::asBytesMap, "closed");
                all.close();
            }
        }
        finally
        {
            h.close();
        }
    }

    /**
     * A write the store took and the cache refused as STALE_EPOCH: the cached region is evicted, so reads keep
     * agreeing with the store ("never in one and not the other").
     */
    @Test
    void aStaleEpochWriteLeavesNoCachedRegionBehindTheStore()
    {
        final HybridTestSupport h = harness(OPEN, OPEN);
        try (HybridReader reader = h.engine.newReader())
        {
            h.ok(h.engine.split(1, 1, new byte[][] {b(k(5))}, new long[] {2}, 2));
            final CommandResult r = h.run(h.engine.write(new WriteBatch(1, 1, 3).put(b(k(6)), b("v3-6"))));
            h.cycle();
            assertEquals(ResultCode.STALE_EPOCH, r.code(), r::toString);
            assertEquals("v3-6", str(reader.get(1, 2, 3, b(k(6)))), "region 1 at its epoch 2: " + reader.lastStatus());
            for (final CrossCheck.Report report : CrossCheck.checkAll(h.engine))
            {
                assertTrue(report.ok(), report::toString);
            }
        }
        finally
        {
            h.close();
        }
    }

    // ------------------------------------------------------------------ close

    /**
     * A non-owning engine's close closes the cache only: readers then fall back to the still-open store (reason
     * CLOSED, counted), views too; an owning engine's store is closed ("cache, then RocksDB") and reads throw
     * StoreException.
     */
    @Test
    void closeOfAnEngineThatDoesNotOwnTheStoreLeavesReadsToTheStore()
    {
        try (WritableStore store = stores.open(dir.resolve("kept")))
        {
            final HybridEngine engine = HybridEngine.create(store,
                RegionCacheConfig.builder().segmentSize(64 * 1024).capacityBytes(64L << 20)
                    .threading(RegionCacheConfig.Threading.INVOKER));
            assertEquals(ResultCode.NOT_CACHED, engine.await(engine.write(new WriteBatch(1, 1, 1)
                .put(b(k(1)), b("one")))).code());
            final HybridReader reader = engine.newReader();
            engine.close();
            assertTrue(engine.cache().isClosed());
            final long closedBefore = engine.metrics().fallbacks(SnapshotStatus.CLOSED);
            assertEquals("one", str(reader.get(1, 1, 1, b(k(1)))));
            assertEquals(SnapshotStatus.CLOSED, reader.lastStatus());
            assertEquals(closedBefore + 1, engine.metrics().fallbacks(SnapshotStatus.CLOSED));
            try (HybridScan s = reader.scan(1, 1, 1, OPEN, OPEN))
            {
                assertFalse(s.servedByCache());
                assertTrue(s.next());
                assertEquals("one", str(s.valueBytes()));
            }
            try (HybridView v = reader.view(new Region(1, OPEN, OPEN, 1), 1))
            {
                assertFalse(v.servedByCache());
                assertEquals("one", str(v.asNavigableMap().get(b(k(1)))));
            }
            final var w = engine.write(new WriteBatch(1, 1, 2).put(b(k(2)), b("late")));
            assertTrue(w.isDone());
            assertEquals(ResultCode.CLOSED, w.join().code());
            assertNull(reader.get(1, 1, 2, b(k(2))), "a write answered CLOSED is not in the store");
            reader.close();
            // The store is still the caller's and open.
            final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(8);
            assertEquals(3, store.get(new UnsafeBuffer(b(k(1))), 0, 3, 1, dst, 0));
        }
    }
}
