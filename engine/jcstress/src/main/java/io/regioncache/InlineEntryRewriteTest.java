package io.regioncache;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

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
 * <pre>
 *   outcome  | meaning
 *   ---------+----------------------------------------------------------------
 *   1, 1     | newest read saw version 1 (before the rewrites); old read saw 1
 *   2, 1     | newest read saw version 2, whole
 *   3, 1     | newest read saw version 3, whole
 *   other    | FORBIDDEN: a torn or wrong value (0), not found (-1), a throw (9)
 * </pre>
 */
@JCStressTest
@Outcome(id = {"1, 1", "2, 1", "3, 1"}, expect = ACCEPTABLE, desc = "one version's value, whole")
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
    public void reader(final II_Result r)
    {
        try
        {
            r.r1 = whichVersion(table.get(key, 0, KEY.length, Long.MAX_VALUE, dst, 0));
            r.r2 = whichVersion(table.get(key, 0, KEY.length, 1, dst, 0));
        }
        catch (final RuntimeException ex)
        {
            r.r1 = 9;
        }
    }

    private int whichVersion(final int length)
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
