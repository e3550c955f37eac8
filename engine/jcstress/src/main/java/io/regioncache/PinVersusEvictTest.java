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
 * A reader's pin ({@link RegionRecord#tryPin}: one CAS adding a pin, only from an ACTIVE word) against the apply
 * thread's eviction of an unpinned ACTIVE record (one CAS to EVICTING if the word it read has no pins, else to
 * PENDING_EVICT; see {@link JcstressFixtures#evict}). Both CAS the same word, so exactly one wins the race: either the pin
 * lands first and the evictor sees it (PENDING_EVICT, the reader keeps reading), or the evictor moves the word to
 * EVICTING first and the pin is refused. A pin that succeeds on a record that ends EVICTING would let a reader
 * use a table the apply thread is about to free.
 * <pre>
 *   r1 pin   r2 evictor chose   r3 final pins   r4 final state | verdict
 *   ------   ----------------   -------------   -------------- + -------
 *   OK (0)   PENDING_EVICT (1)        1         PENDING_EVICT  | pin won
 *   EVICT(3) EVICTING (2)             0         EVICTING       | evict won
 *   anything else                                              | FORBIDDEN
 * </pre>
 */
@JCStressTest
@Outcome(id = "0, 1, 1, 1", expect = ACCEPTABLE, desc = "pin first; evictor saw the pin: PENDING_EVICT")
@Outcome(id = "3, 2, 0, 2", expect = ACCEPTABLE, desc = "evict first; pin refused")
@Outcome(id = "3, 1, 0, 2", expect = ACCEPTABLE, desc = "pin announced in its cell, then saw CLOSING and withdrew; " +
    "the evictor had counted the announcement (PENDING_EVICT) and the withdrawal moved it to EVICTING")
@Outcome(expect = FORBIDDEN, desc = "a pin succeeded after EVICTING, or the word lost an update")
@State
public class PinVersusEvictTest
{
    private final RegionRecord record = JcstressFixtures.activeRecord(new Transitions(), 0);

    @Actor
    public void reader(final IIII_Result r)
    {
        r.r1 = record.tryPin(1, 1);
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
        r.r3 = (int)record.pinCount();
        final RegionState s = StateWord.state(word);
        r.r4 = s == RegionState.PENDING_EVICT ? 1 : s == RegionState.EVICTING ? 2 : 9;
    }
}
