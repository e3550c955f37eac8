package io.regioncache.hybrid.blackbox16;

import static io.regioncache.hybrid.blackbox16.Bb16.OPEN;
import static io.regioncache.hybrid.blackbox16.Bb16.b;
import static io.regioncache.hybrid.blackbox16.Bb16.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rocksdb.RocksIterator;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.rocksdb.RocksDbBackingStore;

/** README, "The hybrid engine": RocksDB's stored-key layout, and writes the store refuses. */
class RocksDbLayoutAndStoreErrorsTest
{
    @TempDir
    Path dir;

    /**
     * README l.1236: "The stored key is the user key in TiKV's memcomparable encoding, followed by the bitwise NOT of
     * the version, so newer versions sort first. Deletes are tombstones".
     */
    @Test
    void storedKeysAreMemcomparableThenNotVersionNewestFirst()
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir.resolve("r")))
        {
            store.put(b("k"), 10, b("v10"));
            store.put(b("k"), 20, b("v20"));
            store.delete(b("k"), 30);
            final List<byte[]> keys = new ArrayList<>();
            try (RocksIterator it = store.db().newIterator())
            {
                for (it.seekToFirst(); it.isValid(); it.next())
                {
                    keys.add(it.key());
                }
            }
            assertEquals(3, keys.size(), "the delete is a tombstone entry of its own");
            final long[] versions = {30, 20, 10};
            for (int i = 0; i < 3; i++)
            {
                final byte[] expected = ByteBuffer.allocate(17)
                    .put(new byte[] {'k', 0, 0, 0, 0, 0, 0, 0, (byte)(0xFF - 7)})
                    .putLong(~versions[i]).array();
                assertArrayEquals(expected, keys.get(i), "entry " + i);
            }
            assertEquals("v20", s(store.get(b("k"), 25)));
            assertEquals(null, store.get(b("k"), 30));
        }
    }

    /**
     * HybridEngine#write: "{@code STORE_ERROR} at once if RocksDB refused the write (then the cache never saw it)",
     * counted in {@code storeWriteErrors}; README l.1220: a store the caller keeps.
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aWriteTheStoreRefusesNeverReachesTheCache(final Bb16.Kind kind)
    {
        final WritableStore store = kind.open(dir.resolve("s"));
        try (Bb16.Rig rig = new Bb16.Rig(store, false, Bb16.config()))
        {
            final HybridEngine e = rig.engine;
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("k"), b("v10"))));
            rig.load(new Region(1, OPEN, OPEN, 1));
            store.close();
            final CommandResult r = rig.await(e.write(new WriteBatch(1, 1, 20).put(b("k"), b("v20"))));
            assertEquals(ResultCode.STORE_ERROR, r.code(), r::toString);
            assertEquals(1, e.metrics().storeWriteErrors());
            assertEquals(0, e.metrics().reconciliations());
            try (HybridReader reader = e.newReader())
            {
                assertEquals("v10", s(reader.get(1, 1, 30, b("k"))));
                assertEquals(SnapshotStatus.OK, reader.lastStatus());
            }
            assertTrue(Bb16.isClosed(store));
        }
        finally
        {
            store.close();
        }
    }
}
