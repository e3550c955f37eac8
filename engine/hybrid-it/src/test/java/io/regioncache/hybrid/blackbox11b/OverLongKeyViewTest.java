package io.regioncache.hybrid.blackbox11b;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.NavigableMap;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.Bytes;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.StoreView;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridView;
import io.regioncache.hybrid.Stores;

/**
 * Audit 11b: a map view's point lookup of a key longer than any stored key (a 439-byte key ++ 0x00, ++ 0xFF: 440
 * bytes, one past LMDB's limit). README: the hybrid view's maps "have the same semantics whichever source serves";
 * the cache-served view answers such a {@code get} with null (no entry can have that key) and navigates around it,
 * and so must the store-served one. On LMDB the store view's {@code get}/{@code containsKey} threw
 * {@code StoreException} ("key of 440 bytes is over LMDB's limit of 439") while {@code floorKey}/{@code ceilingKey}
 * of the same key answered: the view's point lookup went through the store's point read, which refuses keys over its
 * limit, and its navigation through a cursor, which seeks past them.
 */
class OverLongKeyViewTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Stores.class)
    void overLongKeyReadsAbsentOnBothSourcesOfTheView(final Stores stores)
    {
        final int max = 439;
        try (HybridEngine engine = HybridEngine.owning(stores.open(dir), RegionCacheConfig.builder()
            .capacityBytes(64L << 20).segmentSize(1 << 16).maxKeyLength(max)
            .threading(RegionCacheConfig.Threading.INVOKER).loaderExecutor(Runnable::run)))
        {
            final byte[] k = new byte[max];
            Arrays.fill(k, (byte)0xFF);
            final byte[] below = k.clone();
            below[max - 1] = (byte)0x80;
            final Region region = new Region(1, new byte[0], new byte[0], 1);
            assertEquals(ResultCode.OK, engine.await(engine.createRegion(region)).code());
            assertEquals(ResultCode.OK, engine.await(engine.write(new WriteBatch(1, 1, 1)
                .put(k, new byte[] {1}).put(below, new byte[] {2}))).code());
            final byte[] past0 = Arrays.copyOf(k, max + 1);          // k ++ 0x00: just above k
            final byte[] pastFF = Arrays.copyOf(below, max + 1);     // below ++ 0xFF: between below and k
            pastFF[max] = (byte)0xFF;
            final Region other = new Region(1, new byte[0], new byte[0], 7); // another epoch: the store serves
            try (HybridReader reader = engine.newReader();
                HybridView cached = reader.view(region, 1);
                HybridView stored = reader.view(other, 1);
                StoreView sv = StoreView.open(engine.store(), new byte[0], new byte[0], 1))
            {
                assertEquals(RegionState.ACTIVE, engine.cache().stateOf(1));
                assertTrue(cached.servedByCache());
                assertFalse(stored.servedByCache());
                for (final NavigableMap<byte[], byte[]> m : java.util.List.of(
                    cached.asNavigableMap(), stored.asNavigableMap(), sv.asNavigableMap()))
                {
                    for (final byte[] q : new byte[][] {past0, pastFF})
                    {
                        assertNull(m.get(q), "get of an over-long key: no entry has it");
                        assertFalse(m.containsKey(q));
                    }
                    assertArrayEquals(k, m.floorKey(past0));
                    assertNull(m.ceilingKey(past0));
                    assertArrayEquals(below, m.floorKey(pastFF));
                    assertArrayEquals(k, m.ceilingKey(pastFF));
                    assertArrayEquals(new byte[] {1}, m.get(k));
                }
                for (final NavigableMap<Bytes, Bytes> m : java.util.List.of(
                    cached.asBytesMap(), stored.asBytesMap(), sv.asBytesMap()))
                {
                    assertNull(m.get(Bytes.of(past0)));
                    assertFalse(m.containsKey(Bytes.of(pastFF)));
                    assertEquals(Bytes.of(k), m.higherKey(Bytes.of(pastFF)));
                }
            }
        }
    }
}
