package io.regioncache.ycsb;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import site.ycsb.ByteIterator;
import site.ycsb.Status;

import io.regioncache.WriteBatch;
import io.regioncache.rocksdb.RocksDbBackingStore;
import io.regioncache.rocksdb.RocksDbCursor;

/**
 * YCSB binding for the same RocksDB store the hybrid engine uses ({@link RocksDbBackingStore}: same options, same
 * MVCC key encoding, writes at increasing versions under one lock, reads at the newest written version), with no
 * cache in front: what the hybrid engine costs without its cache. Property {@code regioncache.dir} (required; see
 * {@link SharedStoreDB}).
 */
public final class RocksDbPlainDB extends SharedStoreDB<RocksDbPlainDB.Store>
{
    /** The store and the host's version sequence. */
    static final class Store implements AutoCloseable
    {
        final RocksDbBackingStore db;
        final ReentrantLock writeLock = new ReentrantLock();
        final AtomicLong version = new AtomicLong();

        Store(final Path dir)
        {
            db = RocksDbBackingStore.open(dir);
        }

        @Override
        public void close()
        {
            db.close();
        }
    }

    /** The store of a directory, shared by the client threads. */
    static final Kind<Store> KIND = new Kind<>("rocksdb", (dir, p) -> new Store(Path.of(dir)));

    /** For YCSB (by class name). */
    public RocksDbPlainDB()
    {
        super(KIND);
    }

    @Override
    public Status read(final String table, final String key, final Set<String> fields,
        final Map<String, ByteIterator> result)
    {
        final Store store = store();
        return found(store.db.get(RecordCodec.key(key), Math.max(1, store.version.get())), fields, result);
    }

    @Override
    public Status scan(final String table, final String startkey, final int recordcount, final Set<String> fields,
        final Vector<HashMap<String, ByteIterator>> result)
    {
        final Store store = store();
        try (RocksDbCursor c = store.db.newCursor(RecordCodec.key(startkey), new byte[0],
            Math.max(1, store.version.get())))
        {
            while (result.size() < recordcount && c.next())
            {
                result.add(RecordCodec.decodeAll(c.valueBytes(), fields));
            }
        }
        return Status.OK;
    }

    @Override
    Status write(final String key, final Map<String, ByteIterator> values, final boolean insert)
    {
        final Store store = store();
        final byte[] k = RecordCodec.key(key);
        store.writeLock.lock();
        try
        {
            final long current = store.version.get();
            final byte[] old = insert || current == 0 ? null : store.db.get(k, current);
            final long v = current + 1;
            store.db.applyBatch(new WriteBatch(0, 0, v).put(k, RecordCodec.merge(old, values)));
            store.version.set(v);
        }
        finally
        {
            store.writeLock.unlock();
        }
        return Status.OK;
    }
}
