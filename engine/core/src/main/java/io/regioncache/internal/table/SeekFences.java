package io.regioncache.internal.table;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

import org.agrona.DirectBuffer;

/**
 * A sorted array of some of a table's nodes, for a search of a key the hash index cannot find (a seek to an absent
 * key, a scan's lower bound): the search starts from the last node of the array that is before the key, at level
 * {@link #LEVEL}, instead of from the head at the top level.
 * <p>
 * <b>Why.</b> A skiplist search of 1M keys descends about ten levels, and each level's one or two steps load a node
 * that is far from the last one in memory: measured ({@code ScanBenchmark -p seek=absent}, 1M keys, 2 cores), a scan
 * whose seek missed the hash index cost about 4 µs more than one whose seek found its key there, nearly all of it
 * the search's dependent misses. Here the upper levels are a binary search over two arrays of longs (8-byte key
 * prefixes and node addresses), which stay in the cache of a host that seeks often, and the skiplist search only
 * walks the last {@code LEVEL + 1} levels, inside the ~16 nodes between two entries of the array.
 * <p>
 * <b>Why it stays right.</b> The array holds the nodes of height above {@link #LEVEL} that the writer found on that
 * level's list when it built the array, in list order, so in key order, and then each such node linked as the new
 * last node of that list (a table filled in key order, a load, appends one in 16 of its nodes). Every entry is before
 * the next in key order, which is all a search needs; the array need not hold every tall node. A node is never
 * unlinked while its table lives (the list is append-only, see {@link NodeLayout}), so an entry stays in every list up
 * to its height for as long as a reader can use the array, and a search from any such node whose key is before the
 * sought key, at a level below its height, finds what a search from the head finds. Nodes linked elsewhere after the
 * build are found by that search like any other; they only lengthen it, and the writer builds the array again when
 * the table's keys have doubled since the last build if any such tall node was linked ({@link MvccTable}). Where many
 * were linked into one gap, a search that takes more than {@link #MAX_STEPS} steps from its entry starts again from
 * the head, so a search costs at most a bounded walk more than without the array. An entry is used only when its key
 * is certainly before the sought key: its prefix (8 bytes after the prefix all entries share, zero-padded) compares
 * strictly below the sought key's; a key outside the shared prefix is searched from the head.
 * <p>
 * Entries are only appended, by the writer, and never changed: each is written with plain stores and then published
 * by a release store of the count, which readers load with acquire before they read below it; a full array is copied
 * into a larger one, which the table publishes through a volatile field after its new entry is in. Heap: 16 bytes per
 * entry, with the arrays at most twice as long as their entries: 1-2 bytes per key (one node in 16 is an entry).
 */
final class SeekFences
{
    /** Entries are the nodes of this level's list taller than it; a search from one starts at this level. */
    static final int LEVEL = 2;
    /** Tables with fewer keys get no array: their search is short anyway. */
    static final long MIN_KEYS = 1 << 10;
    /**
     * Steps along level {@link #LEVEL} a search from an entry takes before it starts again from the head. With the
     * array complete the next node of that level is the next entry, so a search takes at most one step there; a
     * rebuild waits until the keys double, so a gap holds about twice its nodes before it. More steps mean many keys
     * linked into one gap since the build (a host writing one narrow range), or entries whose 8-byte prefixes tie over
     * a long run of keys, and a walk of them would cost a miss each: such a search pays at most these steps more than
     * one from the head.
     */
    static final int MAX_STEPS = 8;

    private static final VarHandle COUNT;

    static
    {
        try
        {
            COUNT = MethodHandles.lookup().findVarHandle(SeekFences.class, "count", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** The bytes every entry's key starts with (the longest common prefix of the first and last entries built). */
    private final byte[] common;
    /** Per entry: the 8 key bytes after {@link #common}, big-endian, zero-padded; ascending as unsigned longs. */
    private final long[] prefixes;
    /** Per entry: the node address. */
    private final long[] nodes;
    /**
     * Entries readers may use: the writer fills entry {@code count} with plain stores, then publishes it with a
     * release store of {@code count + 1}; a reader's acquire load of it sees every entry below. Entries are never
     * changed once published.
     */
    @SuppressWarnings("unused") // through COUNT
    private volatile int count;

    /**
     * Fences over {@code count} entries of the arrays given (which become theirs). Package-private for the jcstress
     * tests of {@link #append}'s publication ({@code SeekFence*AppendTest}), which build fences over chosen nodes;
     * the table builds them with {@link #build}.
     */
    SeekFences(final byte[] common, final long[] prefixes, final long[] nodes, final int count)
    {
        this.common = common;
        this.prefixes = prefixes;
        this.nodes = nodes;
        COUNT.setRelease(this, count);
    }

    /**
     * Writer: the array of {@code table}'s level-{@link #LEVEL} list as it is now, with room to append as many again.
     *
     * @return the array, or null if the list is empty.
     */
    static SeekFences build(final MvccTable table)
    {
        int count = 0;
        long[] found = new long[64];
        for (long n = table.nextPlain(MvccTable.HEAD, LEVEL); NodeLayout.NULL != n;
            n = table.nextPlain(n, LEVEL))
        {
            if (count == found.length)
            {
                found = Arrays.copyOf(found, count * 2);
            }
            found[count++] = n;
        }
        if (0 == count)
        {
            return null;
        }
        final byte[] first = table.keyOf(found[0]);
        final byte[] last = table.keyOf(found[count - 1]);
        int lcp = 0;
        while (lcp < first.length && lcp < last.length && first[lcp] == last[lcp])
        {
            lcp++;
        }
        final long[] nodes = Arrays.copyOf(found, count * 2);
        final long[] prefixes = new long[nodes.length];
        for (int i = 0; i < count; i++)
        {
            prefixes[i] = table.keyPrefixForFences(nodes[i], lcp);
        }
        return new SeekFences(Arrays.copyOf(first, lcp), prefixes, nodes, count);
    }

    /**
     * Writer: append {@code node}, the new last node of the level-{@link #LEVEL} list (so after every entry), if its
     * key starts with the entries' common prefix.
     *
     * @return this array, or a larger copy holding the node (to be published in its place) if this one is full;
     * null if the node's key leaves the common prefix (the array stays as it is, without it).
     */
    SeekFences append(final MvccTable table, final long node)
    {
        if (!table.keyStartsWith(node, common))
        {
            return null;
        }
        final int c = (int)COUNT.getAcquire(this);
        final SeekFences into = c < nodes.length ? this :
            new SeekFences(common, Arrays.copyOf(prefixes, c * 2), Arrays.copyOf(nodes, c * 2), c);
        into.prefixes[c] = table.keyPrefixForFences(node, common.length);
        into.nodes[c] = node;
        COUNT.setRelease(into, c + 1);
        return into;
    }

    /**
     * Any thread.
     *
     * @return the last entry whose key is certainly before {@code key}: a node of height above {@link #LEVEL} to
     * search from at that level; NULL if there is none (search from the head).
     */
    long floorBefore(final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        final byte[] common = this.common;
        final int shared = Math.min(common.length, keyLength);
        for (int i = 0; i < shared; i++)
        {
            if (key.getByte(keyOffset + i) != common[i])
            {
                // the key leaves the shared prefix: below every entry, or above every entry, where keys that left
                // the prefix were appended and are not entries: from the head either way
                return NodeLayout.NULL;
            }
        }
        if (keyLength < common.length)
        {
            return NodeLayout.NULL; // a proper prefix of every entry's key sorts before them all
        }
        final long sought = prefix(key, keyOffset + common.length, keyLength - common.length);
        // the last entry whose prefix is strictly below the key's: its key is then below the key
        final long[] prefixes = this.prefixes;
        int lo = 0;
        int hi = (int)COUNT.getAcquire(this) - 1;
        int found = -1;
        while (lo <= hi)
        {
            final int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(prefixes[mid], sought) < 0)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found < 0 ? NodeLayout.NULL : nodes[found];
    }

    /** @return entries (tests, statistics). */
    int size()
    {
        return (int)COUNT.getAcquire(this);
    }

    /**
     * @return up to 8 bytes of {@code key} from {@code offset} ({@code length} of them at most), big-endian and
     * zero-padded on the right, so that unsigned order of two such longs follows the keys' order where they differ.
     */
    static long prefix(final DirectBuffer key, final int offset, final int length)
    {
        long p = 0;
        final int n = Math.min(8, length);
        for (int i = 0; i < n; i++)
        {
            p |= (key.getByte(offset + i) & 0xFFL) << (56 - 8 * i);
        }
        return p;
    }
}
