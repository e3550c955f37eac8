package io.regioncache;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import io.regioncache.internal.table.MvccTable;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The seqlock of a hash-index entry: the key's newest version and its value live inline in the entry, and the writer
 * ({@link MvccTable#put} of a newer version) rewrites them in place while a get ({@link MvccTable#get}) may be
 * copying them. The writer marks the version word (bit 63) before it stores the new bytes and stores the new version
 * last with release; the reader loads the version with acquire, copies, fences and loads it again, and answers from
 * the entry only if it did not change (else it reads through the node). So a get returns one version's value,
 * whole, or nothing torn. The key's value changes length as well as bytes (100 bytes of 0x11, then 100 of 0x22,
 * then 60 of 0x33), so a length of one version with bytes of another is caught too. A second get, at version 1,
 * must always see version 1 (the entry is newer than that after the first rewrite: it reads through the node).
 * The newest version is read twice, through both of the entry's read paths: first into an {@link UnsafeBuffer}
 * (the one-pass {@code HashIndex.getInline}), last into an {@link ExpandableArrayBuffer} (not an
 * {@code UnsafeBuffer}, so the general path: find, then {@code HashIndex.readInline}). Both follow the same seqlock
 * argument with their loads in a different order; the last read never goes back to an older version than the first.
 * <pre>
 *   outcome  | meaning
 *   ---------+----------------------------------------------------------------
 *   a, 1, b  | newest read (one pass) saw version a, old read saw 1, newest read (general path) saw b &gt;= a,
 *            | each whole
 *   other    | FORBIDDEN: a torn or wrong value (0), not found (-1), a throw (9), or b &lt; a
 * </pre>
 */
@JCStressTest
@Outcome(id = {"1, 1, 1", "1, 1, 2", "1, 1, 3", "2, 1, 2", "2, 1, 3", "3, 1, 3"}, expect = ACCEPTABLE,
    desc = "one version's value, whole, on both paths")
@Outcome(expect = FORBIDDEN, desc = "torn, missing or wrong value, or a throw")
@State
public class InlineEntryRewriteTest
{
    static final byte[] KEY = JcstressFixtures.filled(16, 0x4B);
    static final byte[] V1 = JcstressFixtures.filled(100, 0x11);
    static final byte[] V2 = JcstressFixtures.filled(100, 0x22);
    static final byte[] V3 = JcstressFixtures.filled(60, 0x33);

    private final MvccTable table = JcstressFixtures.table();
    private final UnsafeBuffer key = new UnsafeBuffer(KEY);
    private final UnsafeBuffer dst = new UnsafeBuffer(new byte[256]);
    private final ExpandableArrayBuffer otherDst = new ExpandableArrayBuffer(256);

    public InlineEntryRewriteTest()
    {
        table.put(KEY, 1, V1);
    }

    @Actor
    public void writer()
    {
        table.put(KEY, 2, V2);
        table.put(KEY, 3, V3);
    }

    @Actor
    public void reader(final III_Result r)
    {
        try
        {
            r.r1 = whichVersion(dst, table.get(key, 0, KEY.length, Long.MAX_VALUE, dst, 0));
            r.r2 = whichVersion(dst, table.get(key, 0, KEY.length, 1, dst, 0));
            r.r3 = whichVersion(otherDst, table.get(key, 0, KEY.length, Long.MAX_VALUE, otherDst, 0));
        }
        catch (final RuntimeException ex)
        {
            r.r1 = 9;
        }
    }

    private static int whichVersion(final DirectBuffer dst, final int length)
    {
        if (length == MvccTable.NOT_FOUND)
        {
            return -1;
        }
        if (JcstressFixtures.equals(dst, length, V1))
        {
            return 1;
        }
        if (JcstressFixtures.equals(dst, length, V2))
        {
            return 2;
        }
        return JcstressFixtures.equals(dst, length, V3) ? 3 : 0;
    }
}
