package io.regioncache.internal.table;

import java.nio.charset.StandardCharsets;

import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.internal.memory.SegmentPool;

/**
 * The jcstress tests of {@link SeekFences}' publication: one table shared by every state (its nodes are only read
 * by the tests, never written or freed), and fences over two of its nodes that each state builds afresh, since the
 * append of a third changes them.
 * <p>
 * Keys {@code k-00 .. k-39}, in key order. The fences hold {@code k-10} and {@code k-20} (common prefix empty, so
 * every key qualifies); the writer appends {@code k-30} as if it were the next tall node linked after them, as
 * {@code MvccTable.noteTallNode} does (the fences' search reads only their arrays, not the nodes' heights). A reader
 * asks for the last entry before {@link #ABOVE} ({@code k-35}: after the append, the new entry) and before
 * {@link #BETWEEN} ({@code k-25}: {@code k-20} whatever it sees, as the new entry's key is after it).
 * <p>
 * A reader that sees the new count with the entry's prefix not yet written reads 0, which is below every key, and
 * starts a search from the new entry's node (or from NULL, if the node is not written either) for a key before it: a
 * search that starts after the key it seeks lands past it. The outcomes:
 * <pre>
 *   r1: the entry before k-35 | r2: the entry before k-25 | meaning
 *   --------------------------+---------------------------+----------------------------------------------------
 *          1 (k-20)           |        1 (k-20)           | before the append
 *          2 (k-30)           |        1 (k-20)           | after the append
 *   anything else (0: NULL or another node, 3: threw, or k-30 before k-25) | FORBIDDEN: an entry half written
 * </pre>
 * <p>
 * The two tests repeat the same two actors: jcstress's processor reads a test's {@code @Actor} methods from the
 * class itself only (a shared abstract base fails with "defines no @Result"), so what they share lives here.
 */
final class FenceFixture
{
    /** Outcome: the search starts at {@code k-20}, the last entry before the append. */
    static final int OLD_LAST = 1;
    /** Outcome: the search starts at {@code k-30}, the appended entry. */
    static final int APPENDED = 2;
    /** Outcome: any other node, or none (NULL: the search would start from the head). */
    static final int OTHER = 0;
    /** Outcome: the lookup threw. */
    static final int THREW = 3;

    static final UnsafeBuffer ABOVE = key(35);
    static final UnsafeBuffer BETWEEN = key(25);

    private static final MvccTable TABLE = new MvccTable(new SegmentPool(4096, 1 << 20), 32);
    static final long K10;
    static final long K20;
    static final long K30;

    static
    {
        for (int i = 0; i < 40; i++)
        {
            final byte[] k = name(i);
            TABLE.put(k, 1, k);
        }
        K10 = node(10);
        K20 = node(20);
        K30 = node(30);
    }

    private FenceFixture()
    {
    }

    /**
     * Fences holding {@code k-10} and {@code k-20}, with arrays of {@code capacity} entries: 2 makes the append copy
     * them into larger arrays (published by the table's volatile field), more makes it write in place.
     */
    static SeekFences fences(final int capacity)
    {
        final long[] prefixes = new long[capacity];
        final long[] nodes = new long[capacity];
        nodes[0] = K10;
        nodes[1] = K20;
        prefixes[0] = TABLE.keyPrefixForFences(K10, 0);
        prefixes[1] = TABLE.keyPrefixForFences(K20, 0);
        return new SeekFences(new byte[0], prefixes, nodes, 2);
    }

    /** The writer's side, as {@code MvccTable.noteTallNode}: the fences to publish after appending {@code k-30}. */
    static SeekFences appendK30(final SeekFences fences)
    {
        final SeekFences appended = fences.append(TABLE, K30);
        if (null == appended)
        {
            throw new IllegalStateException("k-30 left the common prefix");
        }
        return appended;
    }

    /** @return the outcome of a lookup of the entry to search {@code key} from. */
    static int floorBefore(final SeekFences fences, final UnsafeBuffer key)
    {
        try
        {
            final long node = fences.floorBefore(key, 0, key.capacity());
            return K20 == node ? OLD_LAST : K30 == node ? APPENDED : OTHER;
        }
        catch (final RuntimeException ex)
        {
            return THREW;
        }
    }

    private static long node(final int i)
    {
        final UnsafeBuffer k = key(i);
        final long node = TABLE.findGreaterOrEqual(k, 0, k.capacity(), Long.MAX_VALUE);
        if (NodeLayout.NULL == node)
        {
            throw new IllegalStateException("no node for k-" + i);
        }
        return node;
    }

    private static UnsafeBuffer key(final int i)
    {
        return new UnsafeBuffer(name(i));
    }

    private static byte[] name(final int i)
    {
        return String.format("k-%02d", i).getBytes(StandardCharsets.US_ASCII);
    }
}
