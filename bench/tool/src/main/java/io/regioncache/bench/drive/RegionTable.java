package io.regioncache.bench.drive;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.regioncache.Region;

/**
 * The driver's own region table (the host's view of its regions): an immutable, sorted array of regions, each
 * covering a range of key indexes. The writer thread is its only mutator and publishes a new table after every
 * split; readers route with whatever table they last read.
 */
final class RegionTable
{
    /**
     * One region.
     *
     * @param start  first key index.
     * @param end    one past the last key index.
     * @param region the engine's description (id, key range, epoch).
     */
    record Entry(int start, int end, Region region)
    {
        long id()
        {
            return region.id();
        }

        long epoch()
        {
            return region.epochVersion();
        }
    }

    private final Entry[] entries;
    private final int[] starts;
    private final long generation;

    private RegionTable(final Entry[] entries, final long generation)
    {
        this.entries = entries;
        this.generation = generation;
        this.starts = new int[entries.length];
        for (int i = 0; i < entries.length; i++)
        {
            starts[i] = entries[i].start;
        }
    }

    /**
     * Equal ranges over {@code [0, keys)}; the first region starts at -infinity and the last ends at +infinity, as a
     * store's first and last regions do. Ids 1..n, epoch 1.
     */
    static RegionTable initial(final DriveKeys keys, final int n)
    {
        final Entry[] e = new Entry[n];
        for (int i = 0; i < n; i++)
        {
            final int s = (int)((long)keys.size() * i / n);
            final int t = (int)((long)keys.size() * (i + 1) / n);
            e[i] = new Entry(s, t, new Region(i + 1, i == 0 ? new byte[0] : keys.key(s),
                i == n - 1 ? new byte[0] : keys.key(t), 1));
        }
        return new RegionTable(e, 0);
    }

    /** @return the region holding key index {@code index}. */
    Entry route(final int index)
    {
        int i = Arrays.binarySearch(starts, index);
        if (i < 0)
        {
            i = -i - 2;
        }
        return entries[i];
    }

    /** @return splits since the initial table. */
    long generation()
    {
        return generation;
    }

    int size()
    {
        return entries.length;
    }

    List<Entry> entries()
    {
        return List.of(entries);
    }

    /**
     * Split {@code e} at key index {@code at}: the left part {@code [start, at)} gets {@code newId}, the right part
     * keeps the id (TiKV's right-derive, as {@code Command.Split} does), both at epoch + 1.
     *
     * @return the new table.
     */
    RegionTable split(final Entry e, final int at, final byte[] atKey, final long newId)
    {
        final List<Entry> out = new ArrayList<>(entries.length + 1);
        final long epoch = e.epoch() + 1;
        for (final Entry x : entries)
        {
            if (x.id() != e.id())
            {
                out.add(x);
                continue;
            }
            out.add(new Entry(x.start, at, x.region.derive(newId, x.region.start(), atKey, epoch)));
            out.add(new Entry(at, x.end, x.region.derive(x.id(), atKey, x.region.end(), epoch)));
        }
        return new RegionTable(out.toArray(new Entry[0]), generation + 1);
    }
}
