package io.regioncache.hybrid.blackbox33;

import static io.regioncache.hybrid.blackbox33.Bb33.OPEN;
import static io.regioncache.hybrid.blackbox33.Bb33.b;
import static io.regioncache.hybrid.blackbox33.Bb33.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.rocksdb.RocksDbBackingStore;

/**
 * Audit 33 in the embedded default: RocksDB on a 4 MiB tmpfs under an engine with its own apply, loader and GC
 * threads (no manual executors). Proves that the write that finds the disk full answers {@code STORE_ERROR} at
 * once, a load the engine's loader thread runs on the full disk installs (waited for through
 * {@code onLoadInstalled}, not by sleeping), the cache then serves the last acknowledged values and
 * {@code CrossCheck} agrees, {@code gc} throws {@code StoreException}, and {@code close()} returns within its
 * deadline (throwing RocksDB's {@code StoreException}) with zero bytes of cache memory in use. Skipped where
 * {@code mount} is not allowed.
 */
class DedicatedFullDiskTest
{
    @TempDir
    Path tmp;

    @Test
    void theEmbeddedDefaultOnAFullDisk() throws Exception
    {
        try (Bb33.Tmpfs fs = Bb33.Tmpfs.mount(tmp, "4m"); Bb33.Host host = new Bb33.Host())
        {
            final LinkedBlockingQueue<Long> installed = new LinkedBlockingQueue<>();
            final HybridEngine engine = host.call("open", () -> HybridEngine.owning(
                RocksDbBackingStore.open(fs.dir.resolve("db")), RegionCacheConfig.builder().segmentSize(64 * 1024)
                    .capacityBytes(64L << 20).onLoadInstalled(installed::add)));
            final Map<String, String> last = new HashMap<>();
            try
            {
                Files.write(fs.dir.resolve("filler"), new byte[1 << 20]);
                CommandResult refused = null;
                long v = 0;
                for (int i = 0; i < 20_000 && refused == null; i++)
                {
                    final String k = "k" + (i % 7);
                    final long version = ++v;
                    final byte[] value = Bb33.value(k, version, 1000);
                    final CommandResult r = host.call("write", () ->
                        engine.await(engine.write(new WriteBatch(1, 1, version).put(b(k), value))));
                    if (r.code() == ResultCode.NOT_CACHED)
                    {
                        last.put(k, s(value));
                    }
                    else
                    {
                        refused = r;
                    }
                }
                assertNotNull(refused, "the disk filled");
                assertEquals(ResultCode.STORE_ERROR, refused.code(), refused.toString());
                assertTrue(refused.detail().contains("No space left on device"), refused.detail());

                final Region region = new Region(1, OPEN, OPEN, 1);
                assertEquals(ResultCode.OK, host.call("load", () -> engine.await(engine.loadRegion(region))).code());
                assertEquals(Long.valueOf(1), installed.poll(Bb33.CALL_SECONDS, TimeUnit.SECONDS),
                    "the loader thread installed region 1 on the full disk");
                assertEquals(RegionState.ACTIVE, engine.cache().stateOf(1));
                final long at = v + 10;
                host.run("reads", () ->
                {
                    try (HybridReader reader = engine.newReader())
                    {
                        for (final Map.Entry<String, String> e : last.entrySet())
                        {
                            assertEquals(e.getValue(), s(reader.get(1, 1, at, b(e.getKey()))), e.getKey());
                            assertEquals(io.regioncache.SnapshotStatus.OK, reader.lastStatus(), "served by the cache");
                        }
                    }
                });
                final CrossCheck.Report report = host.call("CrossCheck", () -> CrossCheck.check(engine, 1));
                assertTrue(report.ok(), report.toString());
                final CommandResult after = host.call("write", () ->
                    engine.await(engine.write(new WriteBatch(1, 1, at).put(b("k0"), b("late")))));
                assertEquals(ResultCode.STORE_ERROR, after.code(), after.toString());
                host.run("read after", () ->
                {
                    try (HybridReader reader = engine.newReader())
                    {
                        assertEquals(last.get("k0"), s(reader.get(1, 1, at + 1, b("k0"))), "refused write not cached");
                    }
                });
                assertThrows(StoreException.class, () -> host.call("gc", () -> engine.gc(3)));
            }
            finally
            {
                RuntimeException closed = null;
                try
                {
                    host.run("close", engine::close);
                }
                catch (final StoreException ex)
                {
                    closed = ex;
                }
                System.out.println("blackbox33 ROCKSDB dedicated: close on the full disk: " + closed);
                assertTrue(engine.isClosed());
                assertEquals(0, engine.cache().memoryInUse(), "zero bytes after close");
                assertNotNull(closed, "RocksDB's close reports the error it is in");
            }
        }
    }
}
