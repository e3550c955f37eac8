package io.regioncache.hybrid.blackbox24;

import static io.regioncache.hybrid.blackbox24.Bb24.b;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;
import org.rocksdb.RocksIterator;

import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.lmdb.LmdbBackingStore;
import io.regioncache.rocksdb.RocksDbBackingStore;
import io.regioncache.store.MvccKeyCodec;

/**
 * README, Embedding: MvccKeyCodec is "the stored-key format", and LmdbBackingStore keeps the "same stored-key format,
 * MvccKeyCodec" as RocksDbBackingStore. Read back raw: RocksDB through the store's public {@code db()}, LMDB through
 * lmdbjava once the store is closed.
 */
class StoredKeyFormatTest
{
    @TempDir
    Path dir;

    private static final byte[][] KEYS = {b("a"), b("abcdefgh"), b("abcdefghi"), {0, (byte)0xFF}, b("zz")};

    private static void write(final WritableStore store)
    {
        final WriteBatch first = new WriteBatch(0, 0, 3);
        for (final byte[] k : KEYS)
        {
            first.put(k, Arrays.copyOf(k, k.length + 1));
        }
        store.applyBatch(first);
        store.applyBatch(new WriteBatch(0, 0, 9).delete(KEYS[1]).put(KEYS[4], b("new")));
    }

    /** The entries the format promises, in stored order: encode(key, version) to flag byte + value. */
    private static List<String> expected()
    {
        final List<byte[][]> entries = new ArrayList<>();
        for (final byte[] k : KEYS)
        {
            final byte[] v = Arrays.copyOf(k, k.length + 1);
            final byte[] stored = new byte[v.length + 1];
            stored[0] = MvccKeyCodec.FLAG_PUT;
            System.arraycopy(v, 0, stored, 1, v.length);
            entries.add(new byte[][] {MvccKeyCodec.encode(k, 3), stored});
        }
        entries.add(new byte[][] {MvccKeyCodec.encode(KEYS[1], 9), {MvccKeyCodec.FLAG_DELETE}});
        final byte[] nv = new byte[4];
        nv[0] = MvccKeyCodec.FLAG_PUT;
        System.arraycopy(b("new"), 0, nv, 1, 3);
        entries.add(new byte[][] {MvccKeyCodec.encode(KEYS[4], 9), nv});
        entries.sort((x, y) -> Arrays.compareUnsigned(x[0], y[0]));
        final List<String> out = new ArrayList<>();
        for (final byte[][] e : entries)
        {
            out.add(io.regioncache.Region.hex(e[0]) + "=" + io.regioncache.Region.hex(e[1]));
        }
        return out;
    }

    @Test
    void rocksDbKeepsMvccKeyCodecEntries()
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
        {
            write(store);
            final List<String> raw = new ArrayList<>();
            try (RocksIterator it = store.db().newIterator())
            {
                for (it.seekToFirst(); it.isValid(); it.next())
                {
                    raw.add(io.regioncache.Region.hex(it.key()) + "=" + io.regioncache.Region.hex(it.value()));
                }
            }
            assertEquals(expected(), raw);
        }
    }

    @Test
    void lmdbKeepsTheSameFormat()
    {
        try (LmdbBackingStore store = LmdbBackingStore.open(dir, 1L << 28, false))
        {
            write(store);
        }
        final List<String> raw = new ArrayList<>();
        try (Env<byte[]> env = Env.create(org.lmdbjava.ByteArrayProxy.PROXY_BA).setMapSize(1L << 28).setMaxDbs(4)
            .open(dir.toFile(), EnvFlags.MDB_RDONLY_ENV))
        {
            final List<byte[]> names = env.getDbiNames();
            assertEquals(1, names.size(), "one database");
            final Dbi<byte[]> dbi = env.openDbi(names.get(0));
            try (Txn<byte[]> txn = env.txnRead(); Cursor<byte[]> c = dbi.openCursor(txn))
            {
                for (boolean ok = c.first(); ok; ok = c.next())
                {
                    raw.add(io.regioncache.Region.hex(c.key()) + "=" + io.regioncache.Region.hex(c.val()));
                }
            }
        }
        assertEquals(expected(), raw);
    }
}
