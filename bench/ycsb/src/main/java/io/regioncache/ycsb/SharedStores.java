package io.regioncache.ycsb;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * YCSB creates one {@code DB} per client thread; they share one store per data directory. Reference counted: the
 * runner holds a reference across the load and every workload, so a phase's cleanup does not close the store.
 */
final class SharedStores
{
    private static final Map<String, Entry> STORES = new HashMap<>();

    private static final class Entry
    {
        final AutoCloseable store;
        int refs;

        Entry(final AutoCloseable store)
        {
            this.store = store;
        }
    }

    private SharedStores()
    {
    }

    static synchronized <T extends AutoCloseable> T acquire(final String key, final Supplier<T> open)
    {
        Entry e = STORES.get(key);
        if (e == null)
        {
            e = new Entry(open.get());
            STORES.put(key, e);
        }
        e.refs++;
        @SuppressWarnings("unchecked")
        final T store = (T)e.store;
        return store;
    }

    static synchronized void release(final String key) throws Exception
    {
        final Entry e = STORES.get(key);
        if (e != null && --e.refs == 0)
        {
            STORES.remove(key);
            e.store.close();
        }
    }
}
