package io.regioncache.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.regioncache.BackingSnapshot;
import io.regioncache.BackingStore;
import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;

/**
 * README "Loading": "a store that breaks its order still gets a right table (an entry out of order is searched for, a
 * repeated (key, version) is left unlinked, as put refuses it)". A custom store emits its entries shuffled, with
 * repeats, past the 65,536 entries the loader copies itself.
 */
class DisorderedStoreBlackBoxTest
{
    static final int KEYS = 40_000;

    static byte[] key(final int i)
    {
        return String.format("k%07d", i).getBytes();
    }

    static byte[] value(final int i, final long v)
    {
        return ("v" + i + "@" + v).getBytes();
    }

    record E(byte[] key, long version, byte[] value) { }

    static final class ListStore implements BackingStore
    {
        final List<E> entries;

        ListStore(final List<E> entries)
        {
            this.entries = entries;
        }

        @Override
        public BackingSnapshot openSnapshot()
        {
            return new BackingSnapshot()
            {
                @Override
                public void scan(final byte[] start, final byte[] end, final EntryVisitor visitor)
                {
                    for (final E e : entries)
                    {
                        final UnsafeBuffer k = new UnsafeBuffer(e.key);
                        final UnsafeBuffer v = new UnsafeBuffer(e.value);
                        if (!visitor.onEntry(k, 0, e.key.length, e.version, v, 0, e.value.length))
                        {
                            return;
                        }
                    }
                }

                @Override
                public int get(final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
                    final MutableDirectBuffer dst, final int dstOffset)
                {
                    return NOT_FOUND;
                }

                @Override
                public void close()
                {
                }
            };
        }

        @Override
        public void close()
        {
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aStoreThatBreaksItsOrderStillGetsARightTable(final boolean pipelined) throws Exception
    {
        final List<E> entries = new ArrayList<>();
        for (int i = 0; i < KEYS; i++)
        {
            entries.add(new E(key(i), 20, value(i, 20)));
            entries.add(new E(key(i), 10, value(i, 10)));
        }
        final Random rnd = new Random(7);
        // repeats of the same (key, version, value)
        for (int r = 0; r < 2_000; r++)
        {
            entries.add(entries.get(rnd.nextInt(entries.size())));
        }
        // keep the first 70,000 in order-ish and shuffle the rest (past the loader's own copy), then shuffle some
        final List<E> head = new ArrayList<>(entries.subList(0, 66_000));
        final List<E> tail = new ArrayList<>(entries.subList(66_000, entries.size()));
        Collections.shuffle(tail, rnd);
        Collections.swap(head, 10, 500);
        head.addAll(tail);
        try (RegionCache c = RegionCache.create(RegionCacheConfig.builder().capacityBytes(256L << 20)
            .threading(RegionCacheConfig.Threading.INVOKER).pipelinedLoads(pipelined)
            .backingStore(new ListStore(head)).closeTimeoutMillis(2_000).build()))
        {
            final CompletableFuture<CommandResult> f = c.loadRegion(new Region(1, new byte[0], new byte[0], 1));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            while (c.stateOf(1) != RegionState.ACTIVE && System.nanoTime() < deadline)
            {
                c.applyCycle();
            }
            assertEquals(ResultCode.OK, f.get(10, TimeUnit.SECONDS).code(), () -> f.join().toString());
            assertEquals(RegionState.ACTIVE, c.stateOf(1), () -> c.metrics().toString());
            final Snapshot s = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 15));
            int wrong = 0;
            String first = null;
            for (int i = 0; i < KEYS; i++)
            {
                final byte[] got = s.get(key(i));
                if (got == null || !java.util.Arrays.equals(got, value(i, 10)))
                {
                    wrong++;
                    if (first == null)
                    {
                        first = i + " at 15: " + (got == null ? null : new String(got));
                    }
                }
            }
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
            for (int i = 0; i < KEYS; i++)
            {
                final byte[] got = s.get(key(i));
                if (got == null || !java.util.Arrays.equals(got, value(i, 20)))
                {
                    wrong++;
                    if (first == null)
                    {
                        first = i + " at 100: " + (got == null ? null : new String(got));
                    }
                }
            }
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 5));
            assertNull(s.get(key(3)));
            // a scan sees each key once, in order
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
            final var it = s.iterator();
            int n = 0;
            byte[] prev = null;
            for (boolean ok = it.seekToFirst(); ok; ok = it.next())
            {
                final byte[] k = it.key();
                if (prev != null)
                {
                    assertTrue(java.util.Arrays.compareUnsigned(prev, k) < 0, "scan order");
                }
                prev = k;
                n++;
            }
            s.close();
            final String fw = first;
            assertEquals(0, wrong, () -> "wrong reads, first: " + fw);
            assertEquals(KEYS, n, "keys scanned");
        }
    }
}
