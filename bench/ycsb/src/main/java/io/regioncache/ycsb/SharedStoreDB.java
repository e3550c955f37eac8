package io.regioncache.ycsb;

import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BiFunction;

import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

/**
 * What every YCSB binding here shares: the store of the data directory ({@code regioncache.dir}, required) is opened
 * once and shared by the binding's client threads ({@link SharedStores}, released at cleanup); updates and inserts
 * are one write (an update merges into the stored record, see {@link RecordCodec#merge}); deletes are not
 * implemented (no core workload deletes).
 *
 * @param <S> the store type.
 */
abstract class SharedStoreDB<S extends AutoCloseable> extends DB
{
    /**
     * How a binding names and opens its store.
     *
     * @param prefix names the store in {@link SharedStores} (with the directory).
     * @param opener opens the store of a directory with the run's properties.
     * @param <S>    the store type.
     */
    record Kind<S extends AutoCloseable>(String prefix, BiFunction<String, Properties, S> opener)
    {
        /** @return the shared store of {@code dir}, opened on first use; release it with {@link #release}. */
        S acquire(final String dir, final Properties p)
        {
            return SharedStores.acquire(prefix + ":" + dir, () -> opener.apply(dir, p));
        }

        void release(final String dir) throws Exception
        {
            SharedStores.release(prefix + ":" + dir);
        }
    }

    private final Kind<S> kind;
    private String dir;
    private S store;

    SharedStoreDB(final Kind<S> kind)
    {
        this.kind = kind;
    }

    /** @return this client's (shared) store. */
    final S store()
    {
        return store;
    }

    @Override
    public final void init() throws DBException
    {
        dir = getProperties().getProperty("regioncache.dir");
        if (dir == null)
        {
            throw new DBException("regioncache.dir is required");
        }
        store = kind.acquire(dir, getProperties());
        opened();
    }

    /** After the store is acquired: per-client setup. */
    void opened()
    {
    }

    /** Before the store is released: per-client teardown. */
    void closing()
    {
    }

    /**
     * @param value  a stored record, or null if absent.
     * @param fields the fields asked for (null: all).
     * @param result receives them.
     * @return OK, or NOT_FOUND for a null record.
     */
    static Status found(final byte[] value, final Set<String> fields, final Map<String, ByteIterator> result)
    {
        if (value == null)
        {
            return Status.NOT_FOUND;
        }
        RecordCodec.decodeInto(value, fields, result);
        return Status.OK;
    }

    /**
     * @param key    the YCSB key.
     * @param values the fields written.
     * @param insert true for an insert (the record is new), false for an update (merge into the stored record).
     * @return the status.
     */
    abstract Status write(String key, Map<String, ByteIterator> values, boolean insert);

    @Override
    public final Status update(final String table, final String key, final Map<String, ByteIterator> values)
    {
        return write(key, values, false);
    }

    @Override
    public final Status insert(final String table, final String key, final Map<String, ByteIterator> values)
    {
        return write(key, values, true);
    }

    @Override
    public final Status delete(final String table, final String key)
    {
        return Status.NOT_IMPLEMENTED; // no YCSB core workload deletes
    }

    @Override
    public final void cleanup() throws DBException
    {
        closing();
        try
        {
            kind.release(dir);
        }
        catch (final Exception ex)
        {
            throw new DBException(ex);
        }
    }
}
