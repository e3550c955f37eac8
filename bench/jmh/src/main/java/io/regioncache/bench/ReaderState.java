package io.regioncache.bench;

import java.util.SplittableRandom;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.regioncache.bench.store.ReadStore;
import io.regioncache.bench.support.AccessPattern;
import io.regioncache.bench.support.KeySpace;

/**
 * One benchmark thread's reader and its cursor into the shared index array (masked, never allocates).
 */
@State(Scope.Thread)
public abstract class ReaderState
{
    ReadStore.Reader reader;
    private int[] indices;
    private int cursor;
    private KeySpace keySpace;
    private boolean scans;

    void open(final StoreState s, final boolean scans) throws Exception
    {
        open(s, scans, false);
    }

    void open(final StoreState s, final boolean scans, final boolean absentSeeks) throws Exception
    {
        reader = s.db.newReader();
        reader.seekAbsentKeys(absentSeeks);
        keySpace = s.keySpace;
        this.scans = scans;
        reader.verify(s.keySpace, scans);
        indices = s.indices;
        cursor = new SplittableRandom(Thread.currentThread().getId()).nextInt(AccessPattern.LENGTH);
    }

    /** @return the next key index of this thread. */
    final int next()
    {
        final int c = (cursor + 1) & (AccessPattern.LENGTH - 1);
        cursor = c;
        return indices[c];
    }

    /**
     * @param n keys in the batch (a power of two, at most {@link AccessPattern#LENGTH}).
     * @return the start, in {@link #indices()}, of this thread's next {@code n} key indices.
     */
    final int nextBatch(final int n)
    {
        final int c = (cursor + n) & (AccessPattern.LENGTH - 1) & -n;
        cursor = c;
        return c;
    }

    /** @return the shared pre-generated key indices. */
    final int[] indices()
    {
        return indices;
    }

    /**
     * Check the reader's data again after each iteration, outside the measured time: the per-operation results go to
     * the {@code Blackhole} uncompared, so a reader that went wrong during the iteration (a snapshot no longer valid,
     * a store closed) would otherwise be timed on its fast failure path without anyone noticing. A few microseconds
     * per iteration, none per operation.
     *
     * @throws IllegalStateException if a get, the batch or a scan reads wrong data.
     */
    @TearDown(Level.Iteration)
    public void verifyAfterIteration()
    {
        if (reader != null)
        {
            reader.verify(keySpace, scans);
        }
    }

    /**
     * @throws Exception if the reader fails to close.
     */
    @TearDown(Level.Trial)
    public void closeReader() throws Exception
    {
        if (reader != null)
        {
            reader.close();
            reader = null;
        }
    }

    /** Reader of {@link GetState}. */
    @State(Scope.Thread)
    public static class Get extends ReaderState
    {
        /**
         * @param s the loaded store.
         * @throws Exception if the reader cannot be opened or reads wrong data.
         */
        @Setup(Level.Trial)
        public void open(final GetState s) throws Exception
        {
            open(s, false);
        }
    }

    /** Reader of {@link MultiGetState}. */
    @State(Scope.Thread)
    public static class Multi extends ReaderState
    {
        /**
         * @param s the loaded store.
         * @throws Exception if the reader cannot be opened or reads wrong data.
         */
        @Setup(Level.Trial)
        public void open(final MultiGetState s) throws Exception
        {
            open(s, false);
        }
    }

    /** Reader of {@link HybridReaderState}. */
    @State(Scope.Thread)
    public static class Hybrid extends ReaderState
    {
        /**
         * @param s the loaded store.
         * @throws Exception if the reader cannot be opened or reads wrong data.
         */
        @Setup(Level.Trial)
        public void open(final HybridReaderState s) throws Exception
        {
            open(s, false);
        }
    }

    /** Reader of {@link ScanState}. */
    @State(Scope.Thread)
    public static class Scan extends ReaderState
    {
        /**
         * @param s the loaded store.
         * @throws Exception if the reader cannot be opened or reads wrong data.
         */
        @Setup(Level.Trial)
        public void open(final ScanState s) throws Exception
        {
            if (!"present".equals(s.seek) && !"absent".equals(s.seek))
            {
                throw new IllegalArgumentException("seek must be present or absent, not " + s.seek);
            }
            open(s, true, "absent".equals(s.seek));
        }
    }
}
