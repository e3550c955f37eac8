package io.regioncache.store;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import io.regioncache.BackingSnapshot;
import io.regioncache.BackingStore;
import io.regioncache.StoreException;

/**
 * The one failure-injecting store of the test suites: delegates to a real store (in-memory, RocksDB, LMDB) and makes
 * its snapshots' scans fail on demand, at the start or after a number of entries, once or every time (and can run a
 * hook on each entry scanned).
 */
public final class FailingStore implements BackingStore
{
    private final BackingStore delegate;
    private final AtomicReference<RuntimeException> failNextScan = new AtomicReference<>();
    private final AtomicLong failOnceAfter = new AtomicLong(-1);
    private volatile long failEveryScanAfter = Long.MAX_VALUE;
    private final AtomicLong injected = new AtomicLong();
    private volatile Runnable entryHook;

    /** @param delegate the real store. */
    public FailingStore(final BackingStore delegate)
    {
        this.delegate = delegate;
    }

    /**
     * @param error thrown by the next scan as it starts (once).
     * @return this.
     */
    public FailingStore failNextScan(final RuntimeException error)
    {
        failNextScan.set(error);
        return this;
    }

    /**
     * @param entries the next scan throws a {@link StoreException} after this many entries (once).
     * @return this.
     */
    public FailingStore failOnceAfter(final long entries)
    {
        failOnceAfter.set(entries);
        return this;
    }

    /**
     * @param entries every scan throws a {@link StoreException} after this many entries ({@code Long.MAX_VALUE}:
     *                never).
     * @return this.
     */
    public FailingStore failEveryScanAfter(final long entries)
    {
        failEveryScanAfter = entries;
        return this;
    }

    /**
     * @param hook run on the scanning thread before each entry a scan visits (a test watching what the cache does
     *             meanwhile); null for none.
     * @return this.
     */
    public FailingStore onEachScannedEntry(final Runnable hook)
    {
        entryHook = hook;
        return this;
    }

    /** @return how many failures were injected. */
    public long injectedFailures()
    {
        return injected.get();
    }

    @Override
    public BackingSnapshot openSnapshot()
    {
        final BackingSnapshot s = delegate.openSnapshot();
        return new BackingSnapshot()
        {
            @Override
            public void scan(final byte[] start, final byte[] end, final EntryVisitor visitor)
            {
                final RuntimeException now = failNextScan.getAndSet(null);
                if (now != null)
                {
                    injected.incrementAndGet();
                    throw now;
                }
                final long once = failOnceAfter.getAndSet(-1);
                final long limit = once >= 0 ? once : failEveryScanAfter;
                final long[] n = {0};
                final Runnable hook = entryHook;
                s.scan(start, end, (k, ko, kl, v, val, vo, vl) ->
                {
                    if (null != hook)
                    {
                        hook.run();
                    }
                    if (n[0]++ >= limit)
                    {
                        injected.incrementAndGet();
                        throw new StoreException("injected failure after " + limit + " entries");
                    }
                    return visitor.onEntry(k, ko, kl, v, val, vo, vl);
                });
            }

            @Override
            public int get(
                final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
                final MutableDirectBuffer dst, final int dstOffset)
            {
                return s.get(key, keyOffset, keyLength, readVersion, dst, dstOffset);
            }

            @Override
            public void close()
            {
                s.close();
            }
        };
    }

    @Override
    public void close()
    {
        delegate.close();
    }
}
