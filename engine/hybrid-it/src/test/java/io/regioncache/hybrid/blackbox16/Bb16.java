package io.regioncache.hybrid.blackbox16;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.WritableStore;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.lmdb.LmdbBackingStore;
import io.regioncache.rocksdb.RocksDbBackingStore;

/** Public-API-only helpers of the sixteenth black-box audit (README, "The hybrid engine"). */
final class Bb16
{
    private Bb16()
    {
    }

    enum Kind
    {
        ROCKSDB, LMDB;

        WritableStore open(final Path dir)
        {
            return this == ROCKSDB ? RocksDbBackingStore.open(dir) : LmdbBackingStore.open(dir, 1L << 30, false);
        }
    }

    static final byte[] OPEN = new byte[0];

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String s(final byte[] b)
    {
        return b == null ? null : new String(b, StandardCharsets.ISO_8859_1);
    }

    static byte[] filled(final int length, final char c)
    {
        final byte[] k = new byte[length];
        java.util.Arrays.fill(k, (byte)c);
        return k;
    }

    /** The store's own read of {@code key} at {@code version} (null if absent), through the public SPI. */
    static byte[] storeGet(final WritableStore store, final byte[] key, final long version)
    {
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(1 << 16);
        final int n = store.get(new UnsafeBuffer(key), 0, key.length, version, dst, 0);
        return n < 0 ? null : java.util.Arrays.copyOf(dst.byteArray(), n);
    }

    /** @return true once the store is closed (the two stores' own isClosed). */
    static boolean isClosed(final WritableStore store)
    {
        return store instanceof RocksDbBackingStore r ? r.isClosed() : ((LmdbBackingStore)store).isClosed();
    }

    static RegionCacheConfig.Builder config()
    {
        return RegionCacheConfig.builder().segmentSize(64 * 1024).capacityBytes(64L << 20);
    }

    /**
     * An INVOKER engine whose loads wait in a queue until {@link #runLoads()}: every step runs on the test thread,
     * so nothing depends on timing.
     */
    static final class Rig implements AutoCloseable
    {
        final ArrayDeque<Runnable> loads = new ArrayDeque<>();
        final HybridEngine engine;

        Rig(final WritableStore store, final boolean owning, final RegionCacheConfig.Builder b)
        {
            final RegionCacheConfig.Builder c = b.threading(RegionCacheConfig.Threading.INVOKER)
                .loaderExecutor(loads::add);
            engine = owning ? HybridEngine.owning(store, c) : HybridEngine.create(store, c);
        }

        Rig(final WritableStore store)
        {
            this(store, true, config());
        }

        CommandResult await(final CompletableFuture<CommandResult> f)
        {
            return engine.await(f);
        }

        void runLoads()
        {
            Runnable r;
            while ((r = loads.poll()) != null)
            {
                r.run();
            }
            for (int i = 0; i < 4; i++)
            {
                engine.applyCycle();
            }
        }

        /** Load {@code region} and run the load to the end: ACTIVE. */
        void load(final Region region)
        {
            final CommandResult r = await(engine.loadRegion(region));
            if (r.code() != ResultCode.OK)
            {
                throw new AssertionError("load of " + region + " answered " + r);
            }
            finishLoad(region);
        }

        /** Run the queued load of {@code region} until it is ACTIVE. */
        void finishLoad(final Region region)
        {
            for (int i = 0; i < 100 && engine.cache().stateOf(region.id()) != RegionState.ACTIVE; i++)
            {
                runLoads();
            }
            if (engine.cache().stateOf(region.id()) != RegionState.ACTIVE)
            {
                throw new AssertionError("region " + region.id() + " is " + engine.cache().stateOf(region.id()));
            }
        }

        @Override
        public void close()
        {
            engine.close();
        }
    }
}
