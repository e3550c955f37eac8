package io.regioncache.ycsb;

import java.io.File;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.Vector;

import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

import site.ycsb.ByteIterator;
import site.ycsb.Status;

/**
 * YCSB binding for LMDB (lmdbjava): one environment per data directory, one database, records as one value
 * ({@link RecordCodec}). Writes are one write transaction each (LMDB serialises writers), with
 * {@code MDB_NOSYNC | MDB_NOMETASYNC} like RocksDB's default of WAL without fsync; reads and scans use a short read
 * transaction. Properties: {@code regioncache.dir} (required; see {@link SharedStoreDB}), {@code lmdb.mapSize}
 * (default 16 GiB).
 */
public final class LmdbDB extends SharedStoreDB<LmdbDB.Store>
{
    /** The environment and its database. */
    static final class Store implements AutoCloseable
    {
        final Env<ByteBuffer> env;
        final Dbi<ByteBuffer> dbi;

        Store(final File dir, final long mapSize)
        {
            dir.mkdirs();
            env = Env.create().setMapSize(mapSize).setMaxDbs(1).setMaxReaders(256)
                .open(dir, EnvFlags.MDB_NOSYNC, EnvFlags.MDB_NOMETASYNC, EnvFlags.MDB_NOTLS);
            dbi = env.openDbi("usertable", DbiFlags.MDB_CREATE);
        }

        @Override
        public void close()
        {
            dbi.close();
            env.close();
        }
    }

    /** The environment of a directory, shared by the client threads. */
    static final Kind<Store> KIND = new Kind<>("lmdb",
        (dir, p) -> new Store(new File(dir), Long.parseLong(p.getProperty("lmdb.mapSize", "" + (16L << 30)))));

    private final ByteBuffer keyBuffer = ByteBuffer.allocateDirect(511);

    /** For YCSB (by class name). */
    public LmdbDB()
    {
        super(KIND);
    }

    private ByteBuffer key(final String key)
    {
        final byte[] k = RecordCodec.key(key);
        keyBuffer.clear();
        keyBuffer.put(k).flip();
        return keyBuffer;
    }

    private static byte[] bytes(final ByteBuffer b)
    {
        final byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Override
    public Status read(final String table, final String key, final Set<String> fields,
        final Map<String, ByteIterator> result)
    {
        final Store store = store();
        try (Txn<ByteBuffer> txn = store.env.txnRead())
        {
            final ByteBuffer v = store.dbi.get(txn, key(key));
            return found(v == null ? null : bytes(v), fields, result);
        }
    }

    @Override
    public Status scan(final String table, final String startkey, final int recordcount, final Set<String> fields,
        final Vector<HashMap<String, ByteIterator>> result)
    {
        final Store store = store();
        try (Txn<ByteBuffer> txn = store.env.txnRead(); Cursor<ByteBuffer> c = store.dbi.openCursor(txn))
        {
            for (boolean ok = c.get(key(startkey), GetOp.MDB_SET_RANGE); ok && result.size() < recordcount;
                ok = c.next())
            {
                result.add(RecordCodec.decodeAll(bytes(c.val()), fields));
            }
        }
        return Status.OK;
    }

    @Override
    Status write(final String key, final Map<String, ByteIterator> values, final boolean insert)
    {
        final Store store = store();
        try (Txn<ByteBuffer> txn = store.env.txnWrite())
        {
            final ByteBuffer k = key(key);
            final ByteBuffer old = insert ? null : store.dbi.get(txn, k);
            final byte[] record = RecordCodec.merge(old == null ? null : bytes(old), values);
            final ByteBuffer v = ByteBuffer.allocateDirect(record.length);
            v.put(record).flip();
            store.dbi.put(txn, k, v);
            txn.commit();
        }
        return Status.OK;
    }
}
