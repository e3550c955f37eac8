package io.regioncache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The write batches that give one region exactly a wanted visible content at {@code base + READ_VERSION}, with
 * MVCC history around it that a correct view must hide:
 * <ul>
 *   <li>every wanted key was first written with another value and then deleted (shadowed versions, a tombstone
 *   below the visible put);</li>
 *   <li>a key given twice is written at two versions, the later entry at the newer version (last one wins, as for
 *   a map built from the same entries);</li>
 *   <li>every "decoy" key (the keys a test will query but that must be absent) is written and then deleted, so the
 *   newest visible version is a tombstone;</li>
 *   <li>every wanted key gets a newer value, and every decoy a resurrection, at {@code base + READ_VERSION + 1}:
 *   written, but above the read version, so invisible.</li>
 * </ul>
 * Keys outside the region are left out. Used for the cache ({@link MvccRegionFixture}) and for stores (the hybrid
 * view's fixtures).
 */
public final class MvccHistory
{
    /** The read version, relative to the base, at which the region holds exactly the wanted entries. */
    public static final long READ_VERSION = 100;
    /** The highest version written, relative to the base. */
    public static final long LAST_VERSION = READ_VERSION + 1;
    private static final byte[] JUNK = {(byte)0xDE, (byte)0xAD};

    private MvccHistory()
    {
    }

    /**
     * @param region  the region (bounds, id and epoch of the batches).
     * @param base    versions are {@code base + 1 .. base + LAST_VERSION}.
     * @param entries wanted visible contents, in any order; later duplicates win.
     * @param decoys  keys that must read as absent (written, then deleted).
     * @return the batches, to write in order (empty ones left out).
     */
    public static List<WriteBatch> batches(
        final Region region, final long base, final List<Map.Entry<byte[], byte[]>> entries,
        final List<byte[]> decoys)
    {
        final long id = region.id();
        final long epoch = region.epochVersion();
        final TreeMap<byte[], Integer> occurrences = new TreeMap<>(Arrays::compareUnsigned);
        final List<byte[]> wanted = new ArrayList<>();
        final List<byte[]> hidden = new ArrayList<>();
        for (final Map.Entry<byte[], byte[]> e : entries)
        {
            if (region.contains(e.getKey()) && occurrences.put(e.getKey(), 0) == null)
            {
                wanted.add(e.getKey());
            }
        }
        for (final byte[] d : decoys)
        {
            if (region.contains(d) && !occurrences.containsKey(d))
            {
                hidden.add(d);
            }
        }
        // +1: junk for everyone; +2: delete the wanted keys; +3..: the entries, the i-th occurrence of a key at +(3+i)
        final List<WriteBatch> out = new ArrayList<>();
        final WriteBatch v1 = new WriteBatch(id, epoch, base + 1);
        final WriteBatch v2 = new WriteBatch(id, epoch, base + 2);
        for (final byte[] k : wanted)
        {
            v1.put(k, JUNK);
            v2.delete(k);
        }
        for (final byte[] k : hidden)
        {
            v1.put(k, JUNK);
        }
        out.add(v1);
        out.add(v2);
        final List<WriteBatch> layers = new ArrayList<>();
        for (final Map.Entry<byte[], byte[]> e : entries)
        {
            if (!region.contains(e.getKey()))
            {
                continue;
            }
            final int layer = occurrences.merge(e.getKey(), 1, Integer::sum) - 1;
            while (layers.size() <= layer)
            {
                layers.add(new WriteBatch(id, epoch, base + 3 + layers.size()));
            }
            layers.get(layer).put(e.getKey(), e.getValue());
        }
        out.addAll(layers);
        final WriteBatch tombstones = new WriteBatch(id, epoch, base + READ_VERSION);
        for (final byte[] k : hidden)
        {
            tombstones.delete(k);
        }
        out.add(tombstones);
        final WriteBatch future = new WriteBatch(id, epoch, base + LAST_VERSION);
        for (final byte[] k : wanted)
        {
            future.put(k, JUNK);
        }
        for (final byte[] k : hidden)
        {
            future.put(k, JUNK);
        }
        out.add(future);
        out.removeIf(wb -> wb.count() == 0);
        return out;
    }
}
