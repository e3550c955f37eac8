package io.regioncache.catalog;

import java.util.List;

/**
 * A persisted list of the cached regions, written by the engine's publisher off the read path and readable by
 * other processes (the {@code regions} command of the ops tool).
 */
public interface RegionCatalog extends AutoCloseable
{
    /**
     * Replace the catalog's content with these entries (entries for regions no longer listed are removed).
     *
     * @param entries the cached regions now.
     */
    void publish(List<CatalogEntry> entries);

    /** @return the entries of one whole publish (never part of one beside part of another), by region start key. */
    List<CatalogEntry> read();

    @Override
    void close();
}
