package io.regioncache;

import java.util.Arrays;

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
 * A scan's step leaves a node whose writer word has {@code HAS_OLDER} clear without comparing keys: the node after it
 * is trusted to be another key. The writer links an older version of a key right after the key's only node (as a
 * loader inserting below a newer write does): it sets {@code HAS_OLDER} on that node with a plain store, then links
 * the older version with a release store. A reader positioned on the key's node steps with {@code next()}: an acquire
 * load of the link, then the bit. If it reaches the older version it must see the bit, compare, and skip it.
 * <pre>
 *   outcome | meaning
 *   --------+-------------------------------------------------------------
 *      1    | the step reached the next key (before the link, or skipping the older version)
 *      2    | FORBIDDEN: the step stopped on the older version, returning the same key twice
 *      3    | FORBIDDEN: the step threw or found no key
 * </pre>
 */
@JCStressTest
@Outcome(id = "1", expect = ACCEPTABLE, desc = "the next key")
@Outcome(id = "2", expect = FORBIDDEN, desc = "the same key again: an older version taken for another key")
@Outcome(id = "3", expect = FORBIDDEN, desc = "the step threw or ended")
@State
public class HasOlderPublicationTest
{
    static final byte[] KEY = JcstressFixtures.filled(16, 0x4B);
    static final byte[] NEXT_KEY = JcstressFixtures.filled(16, 0x4C);

    private final MvccTable table = JcstressFixtures.table();
    private final TableCursor cursor;

    public HasOlderPublicationTest()
    {
        table.put(KEY, 5, KEY);
        table.put(NEXT_KEY, 1, NEXT_KEY);
        cursor = table.newCursor();
        cursor.reset(Long.MAX_VALUE, null, null);
        cursor.seek(KEY);
    }

    @Actor
    public void writer()
    {
        table.put(KEY, 3, NEXT_KEY);
    }

    @Actor
    public void reader(final I_Result r)
    {
        try
        {
            if (!cursor.next())
            {
                r.r1 = 3;
                return;
            }
            r.r1 = Arrays.equals(cursor.key(), NEXT_KEY) ? 1 : 2;
        }
        catch (final RuntimeException ex)
        {
            r.r1 = 3;
        }
    }
}
