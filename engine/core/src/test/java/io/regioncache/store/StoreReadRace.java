package io.regioncache.store;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.BackingSnapshot;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;

/**
 * Readers racing a writer on a store's point reads of the latest state (for stores that reuse what a read needs
 * between reads: RocksDB's pooled iterators, LMDB's pooled read transactions). A writer writes one key at versions 1,
 * 2, 3, ... (the version in the value); two readers on other threads read it at the latest version, one by
 * {@code get} and one by {@code multiGet} of the key twice, and each read must return at least the version
 * acknowledged before it began, and a batch one state. A reused resource that kept an older state fails it.
 */
public final class StoreReadRace
{
    /** Called by the writer after each acknowledged write (a flush every so many, say). */
    @FunctionalInterface
    public interface AfterWrite
    {
        /**
         * @param version the version just acknowledged.
         * @throws Exception to fail the race.
         */
        void accept(long version) throws Exception;
    }

    private StoreReadRace()
    {
    }

    /**
     * Run the race.
     *
     * @param store      the store, open.
     * @param writes     versions written.
     * @param afterWrite the writer's step after each write.
     * @throws Exception      if the writer's step fails, or interrupted.
     * @throws AssertionError if a reader read below an acknowledged version, or a batch two states.
     */
    public static void run(final WritableStore store, final int writes, final AfterWrite afterWrite) throws Exception
    {
        final byte[] key = "hot".getBytes(StandardCharsets.UTF_8);
        final AtomicLong acknowledged = new AtomicLong();
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch started = new CountDownLatch(2);
        final List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 2; t++)
        {
            final boolean batched = t == 1;
            final Thread reader = new Thread(() ->
            {
                final UnsafeBuffer keyBuffer = new UnsafeBuffer(key);
                final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
                final int[] offsets = {0, 0};
                final int[] lengths = {key.length, key.length};
                final int[] valueOffsets = new int[2];
                final int[] valueLengths = new int[2];
                started.countDown();
                try
                {
                    while (!done.get())
                    {
                        final long floor = acknowledged.get();
                        final long seen;
                        if (batched)
                        {
                            store.multiGet(keyBuffer, offsets, lengths, 0, 2, Long.MAX_VALUE, dst, 0,
                                valueOffsets, valueLengths);
                            if (valueLengths[0] != valueLengths[1])
                            {
                                throw new AssertionError("one batch reads one state: " + valueLengths[0] + " and " +
                                    valueLengths[1]);
                            }
                            seen = valueLengths[0] < 0 ? 0 : Math.min(
                                dst.getLong(valueOffsets[0], ByteOrder.BIG_ENDIAN),
                                dst.getLong(valueOffsets[1], ByteOrder.BIG_ENDIAN));
                        }
                        else
                        {
                            final int n = store.get(keyBuffer, 0, key.length, Long.MAX_VALUE, dst, 0);
                            seen = n == BackingSnapshot.NOT_FOUND ? 0 : dst.getLong(0, ByteOrder.BIG_ENDIAN);
                        }
                        if (seen < floor)
                        {
                            throw new AssertionError("read version " + seen + " after " + floor + " was acknowledged");
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                }
            }, "store-read-race-" + t);
            readers.add(reader);
            reader.start();
        }
        started.await();
        final byte[] value = new byte[8];
        final UnsafeBuffer valueBuffer = new UnsafeBuffer(value);
        try
        {
            for (long version = 1; version <= writes && null == failure.get(); version++)
            {
                valueBuffer.putLong(0, version, ByteOrder.BIG_ENDIAN);
                store.applyBatch(new WriteBatch(0, 0, version).put(key, value));
                acknowledged.set(version);
                afterWrite.accept(version);
            }
        }
        finally
        {
            done.set(true);
            for (final Thread reader : readers)
            {
                reader.join();
            }
        }
        if (null != failure.get())
        {
            throw new AssertionError(failure.get());
        }
    }
}
