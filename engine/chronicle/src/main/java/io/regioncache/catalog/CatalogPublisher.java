package io.regioncache.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.regioncache.RegionCache;
import io.regioncache.RegionInfo;

/**
 * Copies the engine's region list into a {@link RegionCatalog} at a fixed interval, on its own daemon thread: the
 * catalog's writes (file-backed, locked) stay off both the read path and the apply thread.
 */
public final class CatalogPublisher implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(CatalogPublisher.class);

    private final RegionCache cache;
    private final RegionCatalog catalog;
    private final ScheduledExecutorService timer;

    /**
     * Start publishing.
     *
     * @param cache          the engine.
     * @param catalog        where to publish.
     * @param intervalMillis how often ({@code > 0}).
     * @throws NullPointerException if {@code cache} or {@code catalog} is null.
     * @throws IllegalArgumentException if {@code intervalMillis <= 0}.
     */
    public CatalogPublisher(final RegionCache cache, final RegionCatalog catalog, final long intervalMillis)
    {
        // Checked here, before the timer starts: a null would otherwise fail on the timer thread, logged every round.
        this.cache = java.util.Objects.requireNonNull(cache, "cache");
        this.catalog = java.util.Objects.requireNonNull(catalog, "catalog");
        if (intervalMillis <= 0)
        {
            throw new IllegalArgumentException("intervalMillis must be > 0, was " + intervalMillis);
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "regioncache-catalog");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::publishNow, 0, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Publish the current region list now (also called by the timer). Synchronized: a list read before a change
     * must never be written after a list read after it. A publish that fails (the engine or the catalog closed, or
     * the catalog throwing, an {@link Error} included) is logged, never thrown, and the timer keeps publishing.
     */
    public synchronized void publishNow()
    {
        try
        {
            final long now = System.currentTimeMillis();
            final List<CatalogEntry> entries = new ArrayList<>();
            for (final RegionInfo info : cache.regions())
            {
                entries.add(CatalogEntry.of(info, now));
            }
            catalog.publish(entries);
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("catalog publish failed: {}", ex.toString());
        }
        catch (final Error ex)
        {
            // A host's RegionCatalog that throws an Error (a StackOverflowError, an AssertionError): thrown out of the
            // timer's task, it made the scheduled executor drop the periodic publish for good, with nothing logged,
            // and the catalog went stale (audit 11c, blackbox11c/CatalogInterruptsAndHostileCatalogTest). Logged,
            // and the next round tries again.
            LOG.error("catalog publish failed", ex);
        }
    }

    /**
     * Stop the timer, publish a last time, leave the catalog open (the caller owns it). Idempotent. A publish that
     * fails (the engine or the catalog closed first) is logged at WARN, never thrown.
     */
    @Override
    public void close()
    {
        timer.shutdown();
        try
        {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        publishNow();
    }
}
