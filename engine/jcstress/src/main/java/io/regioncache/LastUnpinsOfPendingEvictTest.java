package io.regioncache;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;


import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two readers drop the last two pins of a PENDING_EVICT record at the same time ({@link RegionRecord#unpin}). The
 * one whose CAS takes the count from 1 to 0 also moves the state to EVICTING, in that same CAS; the other only
 * drops its pin. Exactly one move PENDING_EVICT→EVICTING must happen, and the record must end EVICTING with no
 * pins.
 * <pre>
 *   r1, r2 unpins   r3 final state   r4 moves PENDING_EVICT→EVICTING | verdict
 *   1, 1            EVICTING (2)     1                               | the only acceptable result
 * </pre>
 */
@JCStressTest
@Outcome(id = "1, 1, 2, 1", expect = ACCEPTABLE, desc = "both unpinned; one of them moved it to EVICTING, once")
@Outcome(expect = FORBIDDEN, desc = "no move, two moves, or a lost pin update")
@State
public class LastUnpinsOfPendingEvictTest
{
    private final Transitions transitions = new Transitions();
    private final RegionRecord record = JcstressFixtures.activeRecord(transitions, 2);

    public LastUnpinsOfPendingEvictTest()
    {
        if (JcstressFixtures.evict(record) != RegionState.PENDING_EVICT)
        {
            throw new IllegalStateException("fixture: expected PENDING_EVICT");
        }
    }

    @Actor
    public void reader1(final IIII_Result r)
    {
        r.r1 = record.unpin() ? 1 : 0;
    }

    @Actor
    public void reader2(final IIII_Result r)
    {
        r.r2 = record.unpin() ? 1 : 0;
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        final long word = record.stateWordVolatile();
        final RegionState s = StateWord.state(word);
        r.r3 = record.pinCount() != 0 ? 9 : s == RegionState.EVICTING ? 2 : s == RegionState.PENDING_EVICT ? 1 : 8;
        r.r4 = (int)transitions.made(RegionState.PENDING_EVICT, RegionState.EVICTING);
    }
}
