package io.regioncache.bench;

import java.nio.ByteOrder;
import java.util.SplittableRandom;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.regioncache.RegionCache;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.bench.support.KeySpace;

/**
 * The pieces of {@link ScanBenchmark#scan100} on RegionCache alone, to see where a scan's time goes: the seek by
 * itself through the hash index (an existing key) or through the skiplist levels (a key just below an existing one,
 * which the index does not know), the 100 steps without touching the entries' bytes, and the full scan as
 * {@code ScanBenchmark} runs it. Same data set and key choice (uniform) as {@code ScanBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
public class ScanPartsBenchmark extends ForkedBenchmark
{
    private static final int NEXTS = ScanState.NEXTS;
    private static final int STARTS = 1 << 12;

    /** Keys in the region. */
    @Param({"1000000"})
    public int keys;

    /** The index keeps each key's newest version inline (the default), or slots only. */
    @Param({"true", "false"})
    public boolean inline;

    private RegionCache cache;
    private Snapshot snapshot;
    private SnapshotIterator iterator;
    private KeySpace keySpace;
    private int[] starts;
    private int next;
    private final UnsafeBuffer keyScratch = new UnsafeBuffer(new byte[KeySpace.KEY_LENGTH]);
    private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);

    /** Load the region and open one snapshot at the latest version. */
    @Setup(Level.Trial)
    public void setUp()
    {
        keySpace = KeySpace.of(keys);
        cache = RegionCaches.create(RegionCaches.READ_CAPACITY, inline);
        RegionCaches.createAndLoad(cache, 1, 1, keySpace);
        snapshot = cache.newSnapshot();
        final SnapshotStatus s = snapshot.open(1, 1, RegionCaches.LATEST);
        if (s != SnapshotStatus.OK)
        {
            throw new IllegalStateException("snapshot open failed: " + s);
        }
        iterator = snapshot.iterator();
        final SplittableRandom random = new SplittableRandom(42);
        starts = new int[STARTS];
        for (int i = 0; i < STARTS; i++)
        {
            starts[i] = random.nextInt(Math.max(1, keys - NEXTS - 1));
        }
    }

    /** Close the snapshot and the engine. */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        snapshot.dispose();
        cache.close();
    }

    private int nextStart()
    {
        return starts[next++ & (STARTS - 1)];
    }

    /** Key {@code i}, or (with {@code below}) a key that sorts just before it and is not in the region. */
    private void writeKey(final int i, final boolean below)
    {
        keyScratch.putLong(0, keySpace.keyHi(i), ByteOrder.BIG_ENDIAN);
        keyScratch.putLong(8, below ? 0 : keySpace.keyLo(i), ByteOrder.BIG_ENDIAN);
    }

    /** @return the version of the key reached: a seek through the hash index (the key exists). */
    @Benchmark
    public long seekIndex()
    {
        writeKey(nextStart(), false);
        return iterator.seek(keyScratch, 0, KeySpace.KEY_LENGTH) ? iterator.version() : -1;
    }

    /** @return the version of the key reached: a seek down the skiplist levels (the key does not exist). */
    @Benchmark
    public long seekLevels()
    {
        writeKey(nextStart(), true);
        return iterator.seek(keyScratch, 0, KeySpace.KEY_LENGTH) ? iterator.version() : -1;
    }

    /** @return the version of the last key reached: seek through the index, then 100 steps reading nothing. */
    @Benchmark
    public long walk100()
    {
        writeKey(nextStart(), false);
        boolean valid = iterator.seek(keyScratch, 0, KeySpace.KEY_LENGTH);
        for (int step = 0; valid && step < NEXTS; step++)
        {
            valid = iterator.next();
        }
        return valid ? iterator.version() : -1;
    }

    /** @return the checksum of {@link ScanBenchmark#scan100}: seek through the index, 100 steps, key and value read. */
    @Benchmark
    public long scan100()
    {
        return scan(false);
    }

    /** @return as {@link #scan100}, with the seek going down the skiplist levels. */
    @Benchmark
    public long scan100Levels()
    {
        return scan(true);
    }

    private long scan(final boolean below)
    {
        writeKey(nextStart(), below);
        long acc = 0;
        boolean valid = iterator.seek(keyScratch, 0, KeySpace.KEY_LENGTH);
        for (int step = 0; valid; step++)
        {
            iterator.keyView(keyView);
            iterator.valueView(valueView);
            acc = KeySpace.fold(acc, keyView.getLong(8, ByteOrder.BIG_ENDIAN), valueView.getLong(0, ByteOrder.BIG_ENDIAN));
            if (step == NEXTS)
            {
                break;
            }
            valid = iterator.next();
        }
        return acc;
    }
}
