package io.regioncache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Snapshot#multiGet}: a model test (random key sets with absent, deleted, shadowed, duplicated and
 * out-of-range keys, at many read versions, before and after a split, every answer compared with single gets on the
 * same snapshot and with a reference model) and a concurrent test against the apply thread writing the same keys.
 * The model test's seed is random and named in every failure; {@code -Dmultiget.seed=N} replays it.
 */
class MultiGetTest
{
    private static final int KEYS = 200;

    private static byte[] key(final int i)
    {
        return String.format("k%03d", i).getBytes(StandardCharsets.US_ASCII);
    }

    private static CommandResult run(final RegionCache cache, final CompletableFuture<CommandResult> f)
    {
        while (!f.isDone())
        {
            cache.applyCycle();
        }
        return f.join();
    }

    /** The keys of one request laid out back to back in one buffer. */
    private static final class Request
    {
        final UnsafeBuffer keys = new UnsafeBuffer(new byte[64 * 16]);
        final int[] offsets = new int[64];
        final int[] lengths = new int[64];
        final List<byte[]> list = new ArrayList<>();
        int count;

        void clear()
        {
            count = 0;
            list.clear();
        }

        void add(final byte[] k)
        {
            final int at = count == 0 ? 0 : offsets[count - 1] + lengths[count - 1];
            keys.putBytes(at, k);
            offsets[count] = at;
            lengths[count] = k.length;
            list.add(k);
            count++;
        }
    }

    @Test
    void matchesSingleGetsAndTheModel()
    {
        final long seed = Long.getLong("multiget.seed", System.nanoTime());
        try
        {
            matchesSingleGetsAndTheModel(seed);
        }
        catch (final Throwable t)
        {
            // The seed is random unless given: every failure names it, however it surfaced.
            throw new AssertionError(
                "multiGet model run failed: seed " + seed + "; replay with -Dmultiget.seed=" + seed, t);
        }
    }

    private void matchesSingleGetsAndTheModel(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER).segmentSize(64 * 1024).build());
        try
        {
            // Region [k020, k180): keys below and above it are out of range.
            assertEquals(ResultCode.OK, run(cache, cache.createRegion(new Region(1, key(20), key(180), 1))).code());
            // model: key -> (version -> value or null for a delete)
            final Map<Integer, TreeMap<Long, byte[]>> model = new HashMap<>();
            long version = 0;
            for (int b = 0; b < 400; b++)
            {
                version += 1 + random.nextInt(3);
                final WriteBatch wb = new WriteBatch(1, 1, version);
                final int ops = 1 + random.nextInt(6);
                final java.util.Set<Integer> seen = new java.util.HashSet<>();
                for (int o = 0; o < ops; o++)
                {
                    // Keys k020..k159 are written; k160..k179 stay absent though in range.
                    final int k = 20 + random.nextInt(140);
                    if (!seen.add(k))
                    {
                        continue;
                    }
                    if (random.nextInt(5) == 0)
                    {
                        wb.delete(key(k));
                        model.computeIfAbsent(k, x -> new TreeMap<>()).put(version, null);
                    }
                    else
                    {
                        // One value in eight too long for the key's index entry: its gets read the node, so
                        // batches mix keys the entry answers with keys that take multiGet's node round.
                        final byte[] v = new byte[random.nextInt(8) == 0 ? 117 + random.nextInt(100) :
                            random.nextInt(40)];
                        random.nextBytes(v);
                        wb.put(key(k), v);
                        model.computeIfAbsent(k, x -> new TreeMap<>()).put(version, v);
                    }
                }
                assertEquals(ResultCode.OK, run(cache, cache.write(wb)).code());
            }
            check(cache, 1, 1, key(20), key(180), model, version, random, seed);

            // A split narrows the bounds over the same table: keys of the sibling become out of range.
            final CommandResult split = run(cache, cache.split(1, 1, new byte[][] {key(100)}, new long[] {2}, 2));
            assertEquals(ResultCode.OK, split.code(), split.toString());
            check(cache, 2, 2, key(20), key(100), model, version, random, seed);
            check(cache, 1, 2, key(100), key(180), model, version, random, seed);
        }
        finally
        {
            cache.close();
        }
        assertEquals(0, cache.pool().bytesInUse());
    }

    private static void check(
        final RegionCache cache, final long id, final long epoch, final byte[] start, final byte[] end,
        final Map<Integer, TreeMap<Long, byte[]>> model, final long maxVersion, final SplittableRandom random,
        final long seed)
    {
        final Snapshot s = cache.newSnapshot();
        final Request r = new Request();
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64 * 40]);
        final UnsafeBuffer single = new UnsafeBuffer(new byte[256]);
        final int[] valueOffsets = new int[64];
        final int[] valueLengths = new int[64];
        final int lo = Integer.parseInt(new String(start, StandardCharsets.US_ASCII).substring(1));
        final int hi = Integer.parseInt(new String(end, StandardCharsets.US_ASCII).substring(1));
        for (int round = 0; round < 300; round++)
        {
            final long readVersion = 1 + random.nextLong(maxVersion + 2);
            assertEquals(SnapshotStatus.OK, s.open(id, epoch, readVersion), "seed " + seed);
            r.clear();
            final int count = random.nextInt(50); // 0..49: several groups, partial last group, empty
            final boolean outOfRange = random.nextInt(10) == 0 && count > 0;
            for (int i = 0; i < count; i++)
            {
                final int pick = random.nextInt(10);
                if (pick == 0)
                {
                    r.add((new String(key(lo + random.nextInt(hi - lo)), StandardCharsets.US_ASCII) + "x")
                        .getBytes(StandardCharsets.US_ASCII)); // absent: never written, in range
                }
                else if (pick == 1 && i > 0)
                {
                    r.add(r.list.get(random.nextInt(i))); // duplicate
                }
                else
                {
                    r.add(key(lo + random.nextInt(hi - lo)));
                }
            }
            if (outOfRange)
            {
                final int bad = random.nextBoolean() ? random.nextInt(Math.max(1, lo)) : hi + random.nextInt(KEYS - hi);
                final int at = random.nextInt(count);
                final List<byte[]> keep = new ArrayList<>(r.list);
                keep.set(at, key(bad));
                r.clear();
                keep.forEach(r::add);
                dst.setMemory(0, dst.capacity(), (byte)0x5A);
                assertThrows(IllegalArgumentException.class, () -> s.multiGet(
                    r.keys, r.offsets, r.lengths, r.count, dst, 0, valueOffsets, valueLengths));
                for (int i = 0; i < dst.capacity(); i++)
                {
                    assertEquals(0x5A, dst.getByte(i), "an out-of-range request must copy nothing");
                }
                s.close();
                continue;
            }
            // Sometimes a destination too small for everything: values that do not fit report -2 - length.
            final int room = random.nextInt(4) == 0 ? random.nextInt(120) : dst.capacity();
            final UnsafeBuffer target = new UnsafeBuffer(dst, 0, room);
            final int dstOffset = room > 8 ? random.nextInt(8) : 0;
            final int endOffset = s.multiGet(
                r.keys, r.offsets, r.lengths, r.count, target, dstOffset, valueOffsets, valueLengths);
            int at = dstOffset;
            for (int i = 0; i < r.count; i++)
            {
                final byte[] k = r.list.get(i);
                final byte[] expected = expected(model, k, s.readVersion());
                final byte[] viaGet = s.get(k);
                assertArrayEquals(expected, viaGet, "single get vs model, seed " + seed);
                final String what = "key " + new String(k, StandardCharsets.US_ASCII) + " at " + s.readVersion() +
                    ", seed " + seed;
                if (expected == null)
                {
                    assertEquals(-1, valueLengths[i], what);
                    continue;
                }
                if (room - at < expected.length)
                {
                    assertEquals(-2 - expected.length, valueLengths[i], what);
                    continue;
                }
                assertEquals(expected.length, valueLengths[i], what);
                assertEquals(at, valueOffsets[i], what);
                final byte[] got = new byte[expected.length];
                target.getBytes(at, got);
                assertArrayEquals(expected, got, what);
                // The single get into a buffer agrees too.
                assertEquals(expected.length, s.get(r.keys, r.offsets[i], r.lengths[i], single, 0), what);
                at += expected.length;
            }
            assertEquals(at, endOffset, "seed " + seed);
            s.close();
        }
        s.dispose();
    }

    private static byte[] expected(final Map<Integer, TreeMap<Long, byte[]>> model, final byte[] k, final long rv)
    {
        final String name = new String(k, StandardCharsets.US_ASCII);
        if (name.length() != 4)
        {
            return null;
        }
        final TreeMap<Long, byte[]> versions = model.get(Integer.parseInt(name.substring(1)));
        if (versions == null)
        {
            return null;
        }
        final Map.Entry<Long, byte[]> e = versions.floorEntry(rv);
        return e == null ? null : e.getValue();
    }

    /**
     * Two readers multiGet the keys the apply thread keeps rewriting: every batch writes all {@code KEYS_WRITTEN}
     * keys at its version (a value naming the key and the version), every fifth batch deletes the odd ones. A
     * snapshot sees whole batches only, so all the values one multiGet returns carry the same version, odd keys are
     * absent exactly when that version deleted them, and single gets on the same snapshot agree.
     */
    @Test
    void concurrentWithTheApplyThread() throws Exception
    {
        final int written = 64;
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.DEDICATED_THREAD).segmentSize(1 << 20).build());
        final long millis = Long.getLong("multiget.millis", 1500);
        try
        {
            assertEquals(ResultCode.OK, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)).get().code());
            assertEquals(ResultCode.OK, cache.write(batch(1, written)).get().code());
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final AtomicLong reads = new AtomicLong();
            final CountDownLatch failed = new CountDownLatch(1);
            final CountDownLatch enough = new CountDownLatch(200);
            final Consumer<Throwable> fail = t ->
            {
                failure.compareAndSet(null, t);
                stop.set(true);
                failed.countDown();
                while (enough.getCount() > 0)
                {
                    enough.countDown();
                }
            };
            final Thread writer = new Thread(() ->
            {
                try
                {
                    for (long v = 2; !stop.get(); v++)
                    {
                        final CommandResult r = cache.write(batch(v, written)).get();
                        if (r.code() != ResultCode.OK)
                        {
                            throw new AssertionError("write " + v + ": " + r);
                        }
                    }
                }
                catch (final Throwable t)
                {
                    fail.accept(t);
                }
            }, "multiget-writer");
            final List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++)
            {
                final long seed = 42 + t;
                readers.add(new Thread(() ->
                {
                    try
                    {
                        readLoop(cache, written, seed, stop, reads, enough);
                    }
                    catch (final Throwable e)
                    {
                        fail.accept(e);
                    }
                }, "multiget-reader-" + t));
            }
            writer.start();
            readers.forEach(Thread::start);
            // At least `millis`, and at least 200 multiGets (a loaded 2-core machine starves the readers), at most
            // 20 s; a failure ends both waits (it counts both latches down).
            final long start = System.nanoTime();
            failed.await(millis, TimeUnit.MILLISECONDS);
            enough.await(Math.max(0, 20_000 - (System.nanoTime() - start) / 1_000_000), TimeUnit.MILLISECONDS);
            stop.set(true);
            writer.join();
            for (final Thread t : readers)
            {
                t.join();
            }
            if (failure.get() != null)
            {
                throw new AssertionError("failed after " + reads.get() + " multiGets", failure.get());
            }
            assertTrue(reads.get() > 0, "readers made progress: " + reads.get());
        }
        finally
        {
            cache.close();
        }
        assertNull(cache.region(1));
    }

    private static WriteBatch batch(final long version, final int keys)
    {
        final WriteBatch wb = new WriteBatch(1, 1, version);
        for (int i = 0; i < keys; i++)
        {
            if (version % 5 == 0 && (i & 1) == 1)
            {
                wb.delete(key(i));
            }
            else
            {
                final byte[] v = new byte[16 + (i % 7)];
                final UnsafeBuffer b = new UnsafeBuffer(v);
                b.putLong(0, version);
                b.putLong(8, i);
                wb.put(key(i), v);
            }
        }
        return wb;
    }

    private static void readLoop(
        final RegionCache cache, final int written, final long seed, final AtomicBoolean stop, final AtomicLong reads,
        final CountDownLatch enough)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final Snapshot s = cache.newSnapshot();
        final Request r = new Request();
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64 * 32]);
        final UnsafeBuffer single = new UnsafeBuffer(new byte[256]);
        final int[] valueOffsets = new int[64];
        final int[] valueLengths = new int[64];
        while (!stop.get())
        {
            if (s.open(1, 1, Long.MAX_VALUE) != SnapshotStatus.OK)
            {
                continue;
            }
            r.clear();
            final int count = 1 + random.nextInt(48);
            for (int i = 0; i < count; i++)
            {
                r.add(key(random.nextInt(written)));
            }
            s.multiGet(r.keys, r.offsets, r.lengths, r.count, dst, 0, valueOffsets, valueLengths);
            long version = -1;
            boolean oddAbsent = false;
            for (int i = 0; i < count; i++)
            {
                final int k = Integer.parseInt(new String(r.list.get(i), StandardCharsets.US_ASCII).substring(1));
                final int n = valueLengths[i];
                if (n < 0)
                {
                    if ((k & 1) == 0 || n != -1)
                    {
                        throw new AssertionError("key " + k + " missing (" + n + ")");
                    }
                    oddAbsent = true;
                    continue;
                }
                final long v = dst.getLong(valueOffsets[i]);
                if (n != 16 + (k % 7) || dst.getLong(valueOffsets[i] + 8) != k)
                {
                    throw new AssertionError("key " + k + " has a value of another key or length " + n);
                }
                if (version != -1 && v != version)
                {
                    throw new AssertionError("one multiGet saw versions " + version + " and " + v + " (torn batch)");
                }
                if ((k & 1) == 1 && v % 5 == 0)
                {
                    throw new AssertionError("odd key " + k + " found at version " + v + ", which deleted it");
                }
                version = v;
                // The same snapshot's single get agrees.
                if (s.get(r.keys, r.offsets[i], r.lengths[i], single, 0) != n || single.getLong(0) != v)
                {
                    throw new AssertionError("single get of key " + k + " disagrees with multiGet at " + v);
                }
            }
            if (oddAbsent && version != -1 && version % 5 != 0)
            {
                throw new AssertionError("odd keys absent at version " + version + ", which wrote them (torn batch)");
            }
            s.close();
            reads.incrementAndGet();
            enough.countDown();
        }
        s.dispose();
    }
}
