package io.regioncache.hybrid.blackbox24;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.lmdb.LmdbBackingStore;
import io.regioncache.rocksdb.RocksDbBackingStore;
import io.regioncache.store.InMemoryBackingStore;

/** Shared helpers of audit 24 (README "Embedding" and "The hybrid reader's view"): public API only. */
final class Bb24
{
    /** The three stores the README names (RocksDB, LMDB, the in-memory one). */
    enum Kind
    {
        ROCKSDB
        {
            @Override
            WritableStore open(final Path dir)
            {
                return RocksDbBackingStore.open(dir);
            }
        },
        LMDB
        {
            @Override
            WritableStore open(final Path dir)
            {
                return LmdbBackingStore.open(dir, 1L << 28, false);
            }
        },
        IN_MEMORY
        {
            @Override
            WritableStore open(final Path dir)
            {
                return new InMemoryBackingStore();
            }
        };

        abstract WritableStore open(Path dir);
    }

    private Bb24()
    {
    }

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String s(final byte[] b)
    {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** A small INVOKER-mode engine config (the test thread drives the apply loop). */
    static RegionCacheConfig.Builder config()
    {
        return RegionCacheConfig.builder().segmentSize(64 * 1024).capacityBytes(256L << 20)
            .threading(RegionCacheConfig.Threading.INVOKER);
    }

    static void put(final WritableStore store, final long version, final String... keyValues)
    {
        final WriteBatch batch = new WriteBatch(0, 0, version);
        for (int i = 0; i < keyValues.length; i += 2)
        {
            batch.put(b(keyValues[i]), b(keyValues[i + 1]));
        }
        store.applyBatch(batch);
    }

    static void delete(final WritableStore store, final long version, final String... keys)
    {
        final WriteBatch batch = new WriteBatch(0, 0, version);
        for (final String k : keys)
        {
            batch.delete(b(k));
        }
        store.applyBatch(batch);
    }

    static CommandResult ok(final HybridEngine engine, final CompletableFuture<CommandResult> f)
    {
        final CommandResult r = engine.await(f);
        assertEquals(ResultCode.OK, r.code(), () -> "command answered " + r);
        return r;
    }

    /** Load {@code region} from the store and drive the apply loop until it is ACTIVE (20 s deadline). */
    static void loadActive(final HybridEngine engine, final Region region)
    {
        ok(engine, engine.loadRegion(region));
        awaitState(engine, region.id(), RegionState.ACTIVE);
    }

    static void awaitState(final HybridEngine engine, final long id, final RegionState state)
    {
        final long deadline = System.nanoTime() + 20_000_000_000L;
        while (engine.cache().stateOf(id) != state)
        {
            if (System.nanoTime() > deadline)
            {
                fail("region " + id + " did not reach " + state + ": " + engine.cache().stateOf(id));
            }
            engine.applyCycle();
            Thread.yield();
        }
    }
}
