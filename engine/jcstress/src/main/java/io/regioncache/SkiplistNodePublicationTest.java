package io.regioncache;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

import io.regioncache.internal.table.MvccTable;
import io.regioncache.internal.table.TableCursor;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Publication of a skiplist node: the writer ({@link MvccTable#put}) fills the node's header, key and value with
 * plain stores and then links it with a release store into its predecessor's next pointer; a reader's cursor
 * follows next pointers with acquire loads. The release/acquire pair is the only thing that orders the plain
 * stores before the link for the reader, so a reader that reaches the node must see every byte of it.
 * <p>
 * The table already holds a smaller key, so the race is on linking the new node, not on creating the head. The
 * reader seeks the new key through the real {@link TableCursor} and checks the key length, key bytes, value length
 * and value bytes it reaches.
 * <pre>
 *   outcome | meaning
 *   --------+-------------------------------------------------------------
 *      0    | the reader ran before the link: the key is not there yet
 *      1    | the reader reached the node and it was whole
 *      2    | FORBIDDEN: the reader reached a node with unwritten key or value bytes
 *      3    | FORBIDDEN: reading the reached node threw (e.g. a garbage length)
 * </pre>
 */
@JCStressTest
@Outcome(id = "0", expect = ACCEPTABLE, desc = "not linked yet")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "linked and whole")
@Outcome(id = "2", expect = FORBIDDEN, desc = "linked with unwritten key or value bytes")
@Outcome(id = "3", expect = FORBIDDEN, desc = "reading the linked node threw")
@State
public class SkiplistNodePublicationTest
{
    static final byte[] EARLIER = {0x01};
    static final byte[] KEY = JcstressFixtures.filled(12, 0x4B);
    /** Long enough that a value still being copied is seen; checked last byte first, then whole. */
    static final byte[] VALUE = JcstressFixtures.filled(256, 0x5A);

    private final MvccTable table = JcstressFixtures.table();
    private final TableCursor cursor;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

    public SkiplistNodePublicationTest()
    {
        table.put(EARLIER, 1, EARLIER);
        cursor = table.newCursor();
        cursor.reset(Long.MAX_VALUE, null, null);
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
            if (!cursor.seek(KEY))
            {
                r.r1 = 0;
                return;
            }
            cursor.keyView(view);
            final boolean key = JcstressFixtures.equals(view, view.capacity(), KEY);
            cursor.valueView(view);
            final boolean value = JcstressFixtures.equals(view, view.capacity(), VALUE);
            r.r1 = key && value ? 1 : 2;
        }
        catch (final RuntimeException ex)
        {
            r.r1 = 3;
        }
    }
}
