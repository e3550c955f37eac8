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
 * {@link UnpinVersusEvictTest} for {@link RegionRecord#release}, the unpin a {@link Snapshot} handle uses (one atomic
 * add on its cell, no load-and-CAS, since the handle knows it holds the pin): the last reader's release against the
 * apply thread's eviction of the ACTIVE record it pinned. The release subtracts and then looks at the state word;
 * the evictor publishes and then counts, so one of them sees both PENDING_EVICT and no pins. Either way the record
 * must end EVICTING with no pins, having entered EVICTING exactly once.
 * <pre>
 *   r1 rel.   r2 evictor chose   r3 final state  r4 moves into EVICTING | verdict
 *   1         PENDING_EVICT (1)  EVICTING (2)    1                      | evict first, release finished it
 *   1         EVICTING (2)       EVICTING (2)    1                      | release first, evict finished it
 *   anything else                                                       | FORBIDDEN
 * </pre>
 */
@JCStressTest
@Outcome(id = "1, 1, 2, 1", expect = ACCEPTABLE, desc = "evict first (PENDING_EVICT); the last release moved it on")
@Outcome(id = "1, 2, 2, 1", expect = ACCEPTABLE, desc = "release first; evict went straight to EVICTING")
@Outcome(expect = FORBIDDEN, desc = "stuck in PENDING_EVICT, EVICTING twice, or a lost pin update")
@State
public class ReleaseVersusEvictTest
{
    private final Transitions transitions = new Transitions();
    private final RegionRecord record = JcstressFixtures.activeRecord(transitions, 1);

    @Actor
    public void reader(final IIII_Result r)
    {
        record.release(0);
        r.r1 = 1;
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
