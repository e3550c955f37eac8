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
 * The last reader's unpin ({@link RegionRecord#unpin}) against the apply thread's eviction of the ACTIVE record it
 * pinned. If the evictor wins it moves the record to PENDING_EVICT (a pin is held) and the unpin that drops the
 * last pin moves PENDING_EVICT to EVICTING in the same CAS; if the unpin wins, the evictor sees no pins and moves
 * straight to EVICTING. Either way the record must end EVICTING with no pins, having entered EVICTING exactly once
 * (counted by the record's real {@link Transitions}). A record stuck in PENDING_EVICT with no pins would never be
 * freed; two moves into EVICTING would free its table twice.
 * <pre>
 *   r1 unpin  r2 evictor chose   r3 final state  r4 moves into EVICTING | verdict
 *   1         PENDING_EVICT (1)  EVICTING (2)    1                      | evict first, unpin finished it
 *   1         EVICTING (2)       EVICTING (2)    1                      | unpin first, evict finished it
 *   anything else                                                       | FORBIDDEN
 * </pre>
 */
@JCStressTest
@Outcome(id = "1, 1, 2, 1", expect = ACCEPTABLE, desc = "evict first (PENDING_EVICT); the last unpin moved it on")
@Outcome(id = "1, 2, 2, 1", expect = ACCEPTABLE, desc = "unpin first; evict went straight to EVICTING")
@Outcome(expect = FORBIDDEN, desc = "stuck in PENDING_EVICT, EVICTING twice, or a lost pin update")
@State
public class UnpinVersusEvictTest
{
    private final Transitions transitions = new Transitions();
    private final RegionRecord record = JcstressFixtures.activeRecord(transitions, 1);

    @Actor
    public void reader(final IIII_Result r)
    {
        r.r1 = record.unpin() ? 1 : 0;
    }

    @Actor
    public void evictor(final IIII_Result r)
    {
        r.r2 = JcstressFixtures.evict(record) == RegionState.PENDING_EVICT ? 1 : 2;
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        final long word = record.stateWordVolatile();
        final RegionState s = StateWord.state(word);
        r.r3 = record.pinCount() != 0 ? 9 : s == RegionState.EVICTING ? 2 : s == RegionState.PENDING_EVICT ? 1 : 8;
        r.r4 = (int)(transitions.made(RegionState.ACTIVE, RegionState.EVICTING) +
            transitions.made(RegionState.PENDING_EVICT, RegionState.EVICTING));
    }
}
