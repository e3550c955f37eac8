package io.regioncache.hybrid.blackbox16;

import static io.regioncache.hybrid.blackbox16.Bb16.OPEN;
import static io.regioncache.hybrid.blackbox16.Bb16.b;
import static io.regioncache.hybrid.blackbox16.Bb16.s;
import static io.regioncache.hybrid.blackbox16.Bb16.storeGet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import io.regioncache.Region;
import io.regioncache.SnapshotStatus;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.rocksdb.RocksDbBackingStore;

/** README, "The hybrid engine": GC safe points of the stores, and RocksDB's info logs. */
class StoreGcAndLogsTest
{
    @TempDir
    Path dir;

    /**
     * README l.1237: "{@code gcBelow(safePoint)} sweeps the versions shadowed at the safe point (a negative one drops
     * nothing, on every store)."
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aNegativeSafePointDropsNothing(final Bb16.Kind kind)
    {
        try (WritableStore store = kind.open(dir.resolve("s")))
        {
            store.applyBatch(new WriteBatch(1, 1, 0).put(b("k"), b("v0")).put(b("d"), b("d0")));
            store.applyBatch(new WriteBatch(1, 1, 10).put(b("k"), b("v10")).delete(b("d")));
            final long before = store.gcSafePoint();
            assertEquals(0, store.gcBelow(-1));
            assertEquals(0, store.gcBelow(Long.MIN_VALUE));
            assertEquals(before, store.gcSafePoint());
            assertEquals("v0", s(storeGet(store, b("k"), 0)));
            assertEquals("d0", s(storeGet(store, b("d"), 5)));
            assertEquals("v10", s(storeGet(store, b("k"), 10)));
            assertNull(storeGet(store, b("d"), 10));
            // and the sweep at 10 does drop what it shadows
            assertTrue(store.gcBelow(10) > 0);
            assertEquals(10, store.gcSafePoint());
            assertEquals("v10", s(storeGet(store, b("k"), 10)));
        }
    }

    /**
     * README l.1237: "Each store records the highest safe point it swept in a file of its directory
     * ({@code regioncache-gc-safe-point} ...), reads it back when it is opened again, and reports it as
     * {@code gcSafePoint()}. So a reopened store refuses a read below its last sweep as the process that swept did
     * (the hybrid reader throws {@code StoreException}), and a {@code HybridEngine} started over it starts the cache
     * at that safe point, so the cache does not answer such a read from what the sweep left either: it answers
     * {@code TOO_OLD_READ} and the reader goes to the store, which refuses it".
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aReopenedStoreKeepsItsSafePointAndTheCacheStartsThere(final Bb16.Kind kind)
    {
        final Path d = dir.resolve("s");
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(d)))
        {
            final HybridEngine e = rig.engine;
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("k"), b("v10"))));
            rig.await(e.write(new WriteBatch(1, 1, 20).put(b("k"), b("v20"))));
            e.gc(20);
            assertEquals(20, e.store().gcSafePoint());
        }
        assertTrue(Files.exists(d.resolve("regioncache-gc-safe-point")), "no regioncache-gc-safe-point in " + d);
        assertEquals("regioncache-gc-safe-point", io.regioncache.store.SafePointFile.NAME);
        assertEquals(20, io.regioncache.store.SafePointFile.read(d));
        assertTrue(!Files.exists(d.resolve("regioncache-gc-safe-point.tmp")), "the temporary file was left behind");
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(d)))
        {
            final HybridEngine e = rig.engine;
            assertEquals(20, e.store().gcSafePoint());
            rig.load(new Region(1, OPEN, OPEN, 1));
            try (HybridReader r = e.newReader())
            {
                assertEquals("v20", s(r.get(1, 1, 25, b("k"))));
                assertEquals(SnapshotStatus.OK, r.lastStatus());
                assertThrows(StoreException.class, () -> r.get(1, 1, 15, b("k")));
                assertEquals(SnapshotStatus.TOO_OLD_READ, r.lastStatus());
                final org.agrona.concurrent.UnsafeBuffer keys = new org.agrona.concurrent.UnsafeBuffer(b("k"));
                assertThrows(StoreException.class, () -> r.multiGet(1, 1, 15, keys, new int[] {0}, new int[] {1}, 1,
                    new org.agrona.ExpandableArrayBuffer(16), 0, new int[1], new int[1]));
                assertEquals(SnapshotStatus.TOO_OLD_READ, r.lastStatus());
                assertThrows(StoreException.class, () -> r.scan(1, 1, 15, OPEN, OPEN));
                assertEquals(SnapshotStatus.TOO_OLD_READ, r.lastStatus());
                // not cached at all: the store path refuses the same read
                assertThrows(StoreException.class, () -> r.get(9, 1, 15, b("k")));
                assertEquals(SnapshotStatus.NOT_CACHED, r.lastStatus());
            }
        }
    }

    /** README l.1246: "A wrapped RocksDB ({@code RocksDbBackingStore.wrap}) has no directory of its own and starts at -1." */
    @Test
    void aWrappedRocksDbStartsAtMinusOne() throws Exception
    {
        final Path d = dir.resolve("w");
        try (RocksDbBackingStore owned = RocksDbBackingStore.open(d))
        {
            owned.put(b("k"), 10, b("v10"));
            owned.put(b("k"), 20, b("v20"));
            owned.gcBelow(20);
            assertEquals(20, owned.gcSafePoint());
        }
        try (Options o = new Options(); RocksDB db = RocksDB.open(o, d.toString()))
        {
            final RocksDbBackingStore wrapped = RocksDbBackingStore.wrap(db);
            try
            {
                assertEquals(-1, wrapped.gcSafePoint());
                assertEquals("v20", s(wrapped.get(b("k"), 25)));
            }
            finally
            {
                wrapped.close(); // the store before the database (README l.1244)
            }
        }
    }

    /**
     * README l.1248: "A host that wraps its own {@code RocksDB} closes the store (or the engine that owns it) before
     * the database: the store keeps idle iterators for its gets between reads". The engine that owns a wrapped store
     * closes the store, not the database.
     */
    @Test
    void anEngineOwningAWrappedStoreClosesBeforeTheDatabase() throws Exception
    {
        final Path d = dir.resolve("w2");
        try (Options o = new Options().setCreateIfMissing(true); RocksDB db = RocksDB.open(o, d.toString()))
        {
            final RocksDbBackingStore wrapped = RocksDbBackingStore.wrap(db);
            try (Bb16.Rig rig = new Bb16.Rig(wrapped))
            {
                final HybridEngine e = rig.engine;
                for (int i = 0; i < 50; i++)
                {
                    rig.await(e.write(new WriteBatch(1, 1, 10 + i).put(b("k" + i), b("v" + i))));
                }
                try (HybridReader r = e.newReader())
                {
                    for (int i = 0; i < 50; i++)
                    {
                        assertEquals("v" + i, s(r.get(1, 1, 100, b("k" + i)))); // store path: pooled iterators
                    }
                }
            }
            assertTrue(wrapped.isClosed());
            assertTrue(db.isOwningHandle(), "the wrapped database stays the host's");
            try (org.rocksdb.RocksIterator it = db.newIterator())
            {
                it.seekToFirst();
                assertTrue(it.isValid(), "the database is still readable after the engine closed");
            }
        }
        try (RocksDbBackingStore again = RocksDbBackingStore.open(d))
        {
            assertEquals("v7", s(again.get(b("k7"), 100)));
        }
    }

    /**
     * README l.1232: "{@code RocksDbBackingStore.open} keeps RocksDB's info log as {@code LOG} and the newest few
     * {@code LOG.old.*} files (RocksDB's default kept 1,000, one file of about 35 KB per open, so a host reopening a
     * directory gained one per restart)."
     */
    @Test
    void reopeningADirectoryKeepsOnlyAFewOldInfoLogs() throws IOException
    {
        final Path d = dir.resolve("logs");
        for (int i = 0; i < 12; i++)
        {
            try (RocksDbBackingStore store = RocksDbBackingStore.open(d))
            {
                store.put(b("k" + i), i, b("v"));
            }
        }
        assertTrue(Files.exists(d.resolve("LOG")), "no LOG");
        final long old;
        try (Stream<Path> files = Files.list(d))
        {
            old = files.filter(p -> p.getFileName().toString().startsWith("LOG.old")).count();
        }
        assertTrue(old >= 1 && old <= 5, old + " LOG.old.* files after 12 opens");
    }
}
