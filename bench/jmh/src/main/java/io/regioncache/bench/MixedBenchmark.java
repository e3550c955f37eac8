package io.regioncache.bench;

import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.regioncache.RegionCache;
import io.regioncache.CommandResult;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.bench.support.AccessPattern;
import io.regioncache.bench.support.KeySpace;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;

/**
 * Read latency under writes: group {@code rw} runs reader threads ({@code get}) and one writer thread
 * ({@code write}) on the same region at once. SampleTime: look at the {@code rw:get} percentiles.
 * <p>
 * Readers behave like request handlers: a snapshot is re-opened at the latest version every
 * {@link #GETS_PER_SNAPSHOT} gets (so they see the writes; the open/close is inside the measurement, amortised),
 * and copy values into a reused buffer. The writer submits one batch of 64 puts (random existing keys, new
 * version) per call, paced at {@code writeBatchesPerSec} (sleeping/spinning until the next slot, so its own
 * {@code rw:write} score is the pacing period, not a cost). Writes are pipelined, checked when done.
 * <p>
 * Thread counts: {@code @GroupThreads} is 1 reader + 1 writer (a 2-core machine also runs the apply thread);
 * on bigger machines pass {@code -tg 4,1} (readers, writer; JMH orders the group's methods by name: get, write).
 * Memory: the engine has no MVCC version GC, so at the default pace (64 x 2000 puts/s, about 20 MB/s) a trial of
 * 30 s adds about 600 MB; the capacity is 8 GiB.
 */
@BenchmarkMode(Mode.SampleTime)
public class MixedBenchmark extends ForkedBenchmark
{
    /** Gets between snapshot re-opens. */
    static final int GETS_PER_SNAPSHOT = 64;
    private static final long REGION = 1;
    private static final long EPOCH = 1;
    private static final int WRITE_BATCH = 64;

    /** The shared engine. */
    @State(Scope.Group)
    public static class Engine
    {
        /** Keys loaded. */
        @Param({"100000", "1000000"})
        public int keys;

        /** Reader key distribution. */
        @Param({"zipf"})
        public String distribution;

        /** Writer pace, batches of 64 puts per second. */
        @Param({"2000"})
        public int writeBatchesPerSec;

        RegionCache cache;
        KeySpace keySpace;
        int[] indices;
        long version;

        /** Build and load (not measured). */
        @Setup(Level.Trial)
        public void setup()
        {
            cache = RegionCaches.create(8L << 30);
            keySpace = KeySpace.of(keys);
            indices = AccessPattern.indices(distribution, keys, keys, StoreState.SEED);
            version = RegionCaches.createAndLoad(cache, REGION, EPOCH, keySpace);
        }

        /** Close. */
        @TearDown(Level.Trial)
        public void close()
        {
            cache.close();
        }
    }

    /** One reader thread. */
    @State(Scope.Thread)
    public static class Reader
    {
        Snapshot snapshot;
        UnsafeBuffer keys;
        final UnsafeBuffer dst = new UnsafeBuffer(BufferUtil.allocateDirectAligned(128, 64));
        int[] indices;
        int cursor;
        int sinceOpen;

        /** @param e the engine. */
        @Setup(Level.Trial)
        public void setup(final Engine e)
        {
            snapshot = e.cache.newSnapshot();
            keys = e.keySpace.keyPool();
            indices = e.indices;
            cursor = new SplittableRandom(Thread.currentThread().getId()).nextInt(AccessPattern.LENGTH);
            reopen();
        }

        void reopen()
        {
            final SnapshotStatus s = snapshot.open(REGION, EPOCH, RegionCaches.LATEST);
            if (s != SnapshotStatus.OK)
            {
                throw new IllegalStateException("snapshot open failed: " + s);
            }
            sinceOpen = 0;
        }

        /** Release. */
        @TearDown(Level.Trial)
        public void close()
        {
            snapshot.dispose();
        }
    }

    /** The writer thread. */
    @State(Scope.Thread)
    public static class Writer
    {
        final SplittableRandom random = new SplittableRandom(42);
        final UnsafeBuffer values = new UnsafeBuffer(new byte[KeySpace.VALUE_LENGTH * 64]);
        long periodNanos;
        long next;
        long failures;
        CompletableFuture<CommandResult> last;

        /** @param e the engine. */
        @Setup(Level.Trial)
        public void setup(final Engine e)
        {
            for (int i = 0; i < 64; i++)
            {
                KeySpace.fillValue(i, values.byteArray(), i * KeySpace.VALUE_LENGTH);
            }
            periodNanos = TimeUnit.SECONDS.toNanos(1) / Math.max(1, e.writeBatchesPerSec);
            next = System.nanoTime();
        }

        /** Check the last write and report failures. */
        @TearDown(Level.Iteration)
        public void check(final Engine e)
        {
            if (last != null && failed(RegionCaches.await(e.cache, last)))
            {
                failures++;
            }
            if (failures > 0)
            {
                throw new IllegalStateException("MixedBenchmark: " + failures + " write(s) failed; last: " +
                    (last == null ? "-" : last.join()));
            }
        }
    }

    /** CLOSED is expected when JMH tears the group down while a write is in flight. */
    static boolean failed(final CommandResult r)
    {
        return !r.isOk() && r.code() != ResultCode.CLOSED;
    }

    /**
     * One get at the reader's latest snapshot.
     *
     * @param r this reader.
     * @return checksum, consumed by JMH.
     */
    @Benchmark
    @Group("rw")
    @GroupThreads(1)
    public long get(final Reader r)
    {
        if (++r.sinceOpen >= GETS_PER_SNAPSHOT)
        {
            r.reopen();
        }
        final int c = (r.cursor + 1) & (AccessPattern.LENGTH - 1);
        r.cursor = c;
        final int len = r.snapshot.get(r.keys, r.indices[c] << 4, KeySpace.KEY_LENGTH, r.dst, 0);
        return len + r.dst.getLong(0, ByteOrder.BIG_ENDIAN);
    }

    /**
     * One paced batch of 64 puts.
     *
     * @param e the engine.
     * @param w the writer.
     * @return the batch's future, consumed by JMH.
     */
    @Benchmark
    @Group("rw")
    @GroupThreads(1)
    public CompletableFuture<CommandResult> write(final Engine e, final Writer w)
    {
        long now = System.nanoTime();
        if (now - w.next > TimeUnit.SECONDS.toNanos(1))
        {
            w.next = now; // fell far behind (e.g. between iterations): do not burst to catch up
        }
        while ((now = System.nanoTime()) < w.next)
        {
            final long wait = w.next - now;
            if (wait > 100_000)
            {
                LockSupport.parkNanos(wait - 50_000);
            }
            else
            {
                Thread.onSpinWait();
            }
        }
        w.next += w.periodNanos;
        final WriteBatch wb = new WriteBatch(REGION, EPOCH, ++e.version,
            WRITE_BATCH * (9 + KeySpace.KEY_LENGTH + KeySpace.VALUE_LENGTH));
        for (int i = 0; i < WRITE_BATCH; i++)
        {
            final int k = w.random.nextInt(e.keys);
            wb.put(e.keySpace.keyPool(), k << 4, KeySpace.KEY_LENGTH, w.values, (k & 63) * KeySpace.VALUE_LENGTH,
                KeySpace.VALUE_LENGTH);
        }
        final CompletableFuture<CommandResult> prev = w.last;
        if (prev != null && prev.isDone() && failed(prev.join()))
        {
            w.failures++;
        }
        final CompletableFuture<CommandResult> f = RegionCaches.submitWithRetry(e.cache, wb);
        w.last = f;
        return f;
    }
}
