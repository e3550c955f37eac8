package io.regioncache.catalog;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import net.openhft.chronicle.map.ChronicleMap;

/**
 * A {@link RegionCatalog} in a Chronicle Map persisted to a file: several processes map the same file, so an ops
 * tool in another JVM sees the regions a running engine publishes. Chronicle Map is an optional dependency: only
 * hosts that use the catalog need it (and its JVM flags, see the README; always with
 * {@code -Dchronicle.analytics.disable=true}).
 */
public final class ChronicleRegionCatalog implements RegionCatalog
{
    private final ChronicleMap<Long, byte[]> map;

    private ChronicleRegionCatalog(final ChronicleMap<Long, byte[]> map)
    {
        this.map = map;
    }

    /**
     * Open (or create) the catalog file.
     *
     * @param file       the file, shared by the writer and readers.
     * @param maxRegions how many regions it can hold.
     * @return the catalog.
     */
    public static ChronicleRegionCatalog open(final File file, final long maxRegions)
    {
        System.setProperty("chronicle.analytics.disable", "true");
        try
        {
            final ChronicleMap<Long, byte[]> map = ChronicleMap.of(Long.class, byte[].class)
                .name("regioncache-catalog")
                .entries(maxRegions)
                .averageValueSize(160)
                .createPersistedTo(file); // maps the existing file if another process created it
            return new ChronicleRegionCatalog(map);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open region catalog " + file, ex);
        }
    }

    @Override
    public void publish(final List<CatalogEntry> entries)
    {
        final Set<Long> live = new HashSet<>();
        for (final CatalogEntry e : entries)
        {
            live.add(e.region().id());
            map.put(e.region().id(), e.encode());
        }
        map.keySet().removeIf(id -> !live.contains(id));
    }

    @Override
    public List<CatalogEntry> read()
    {
        final List<CatalogEntry> out = new ArrayList<>();
        for (final byte[] bytes : map.values())
        {
            out.add(CatalogEntry.decode(bytes));
        }
        out.sort((a, b) -> Arrays.compareUnsigned(a.region().start(), b.region().start()));
        return out;
    }

    @Override
    public void close()
    {
        map.close();
    }
}
