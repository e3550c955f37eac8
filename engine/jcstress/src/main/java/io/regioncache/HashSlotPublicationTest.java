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
 * Publication of a hash-index slot: after linking a new key's node, the writer ({@link MvccTable#put}) stores the
 * node's address into a slot of the off-heap hash index with a release store, then publishes the slot's entry; a
 * point get whose value is too long for the entry (this one: 256 bytes) finds the entry, loads the slot with an
 * acquire load and goes straight to the node, never through the skiplist links. So the slot's release/acquire pair
 * (and the entry's, which follows it) must make the node's header, key and value visible. A value that fits the
 * entry is read from the entry alone: {@link InlineEntryPublicationTest}.
 * <pre>
 *   outcome | meaning
 *   --------+-------------------------------------------------------------
 *     -1    | the reader's slot load ran before the slot was written: not found
 *      1    | found, with the whole value
 *      2    | FORBIDDEN: found, with wrong or unwritten value bytes
 *      3    | FORBIDDEN: the get threw
 * </pre>
 */
@JCStressTest
@Outcome(id = "-1", expect = ACCEPTABLE, desc = "slot not written yet")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "found, whole")
@Outcome(id = "2", expect = FORBIDDEN, desc = "found through the slot with unwritten bytes")
@Outcome(id = "3", expect = FORBIDDEN, desc = "the get threw")
@State
public class HashSlotPublicationTest
{
    static final byte[] EARLIER = {0x01};
    static final byte[] KEY = JcstressFixtures.filled(12, 0x4B);
    /** Long enough that a value still being copied is seen; checked last byte first, then whole. */
    static final byte[] VALUE = JcstressFixtures.filled(256, 0x5A);

    private final MvccTable table = JcstressFixtures.table();
    private final UnsafeBuffer key = new UnsafeBuffer(KEY);
    private final UnsafeBuffer dst = new UnsafeBuffer(new byte[512]);

    public HashSlotPublicationTest()
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
