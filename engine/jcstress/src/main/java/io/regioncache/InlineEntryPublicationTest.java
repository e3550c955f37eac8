package io.regioncache;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

import io.regioncache.internal.table.MvccTable;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Publication of a new hash-index entry: for a new key whose value fits the entry, a get at the newest version is
 * answered from the entry alone, never from the node. The writer fills the entry (key, version, value) with plain
 * stores and publishes it with a release store of its meta word; the reader's probe loads meta with acquire. So that
 * pair alone must make the entry's key, version and value visible ({@link HashSlotPublicationTest} covers a value
 * too long for the entry, read through the slot's node).
 * <pre>
 *   outcome | meaning
 *   --------+-------------------------------------------------------------
 *     -1    | the reader's probe ran before the entry was published: not found
 *      1    | found, with the whole value
 *      2    | FORBIDDEN: found, with wrong or unwritten value bytes
 *      3    | FORBIDDEN: the get threw
 * </pre>
 */
@JCStressTest
@Outcome(id = "-1", expect = ACCEPTABLE, desc = "entry not published yet")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "found, whole")
@Outcome(id = "2", expect = FORBIDDEN, desc = "found through the entry with unwritten bytes")
@Outcome(id = "3", expect = FORBIDDEN, desc = "the get threw")
@State
public class InlineEntryPublicationTest
{
    static final byte[] EARLIER = {0x01};
    static final byte[] KEY = JcstressFixtures.filled(12, 0x4B);
    /** As long as the entry holds after this key; checked last byte first, then whole. */
    static final byte[] VALUE = JcstressFixtures.filled(104, 0x5A);

    private final MvccTable table = JcstressFixtures.table();
    private final UnsafeBuffer key = new UnsafeBuffer(KEY);
    private final UnsafeBuffer dst = new UnsafeBuffer(new byte[256]);

    public InlineEntryPublicationTest()
    {
        table.put(EARLIER, 1, EARLIER);
    }

    @Actor
    public void writer()
    {
        table.put(KEY, 2, VALUE);
    }

    @Actor
    public void reader(final I_Result r)
    {
        try
        {
            final int n = table.get(key, 0, KEY.length, Long.MAX_VALUE, dst, 0);
            if (n == MvccTable.NOT_FOUND)
            {
                r.r1 = -1;
                return;
            }
            r.r1 = JcstressFixtures.equals(dst, n, VALUE) ? 1 : 2;
        }
        catch (final RuntimeException ex)
        {
            r.r1 = 3;
        }
    }
}
