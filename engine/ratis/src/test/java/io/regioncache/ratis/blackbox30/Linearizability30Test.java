package io.regioncache.ratis.blackbox30;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.regioncache.ratis.KeyHistory;
import io.regioncache.ratis.blackbox30.Linearizability30.Budget;
import io.regioncache.ratis.blackbox30.Linearizability30.Kind;
import io.regioncache.ratis.blackbox30.Linearizability30.Op;
import io.regioncache.ratis.blackbox30.Linearizability30.Outcome;
import io.regioncache.ratis.blackbox30.Linearizability30.Result;

import org.junit.jupiter.api.Test;

/**
 * The checker {@link Linearizability30} on hand-made register histories, so that the cluster test built on it is a
 * test that can fail: each known shape of a non-linearizable history (a stale read after an acknowledged write, a
 * read-read inversion, a value never written, an indeterminate write undone, a delete ignored) is flagged, and each
 * legal one (concurrent writes in either order, an indeterminate write seen or never seen, deletes) is accepted.
 * The read-read inversion is also fed to the project's {@link KeyHistory}, which accepts it: that is what this
 * checker adds; so is the shape {@link ResentPut30Test} found on the cluster (a put applied twice around another
 * client's acknowledged write). Indeterminate writes are reduced exactly, so many of them keep the search small, a
 * search over its budget fails rather than passes, and a violation is shrunk to the few reads that prove it. Randomized histories generated from a sequential execution (each op given a linearization point
 * inside its interval) must pass, and the same histories with one read's value replaced by a provably stale one must
 * fail. Times are small integers standing for nanoseconds.
 */
class Linearizability30Test
{
    private static final Budget BUDGET = new Budget(20_000, 10_000_000_000L);

    private static Op put(final int c, final String v, final long invoke, final long complete)
    {
        return new Op(c, Kind.PUT, v, invoke, complete, 0, 0);
    }

    private static Op putUnknown(final int c, final String v, final long invoke)
    {
        return new Op(c, Kind.PUT, v, invoke, Linearizability30.NEVER, 0, 0);
    }

    private static Op del(final int c, final long invoke, final long complete)
    {
        return new Op(c, Kind.DELETE, null, invoke, complete, 0, 0);
    }

    private static Op delUnknown(final int c, final long invoke)
    {
        return new Op(c, Kind.DELETE, null, invoke, Linearizability30.NEVER, 0, 0);
    }

    private static Op get(final int c, final String v, final long invoke, final long complete)
    {
        return new Op(c, Kind.GET, v, invoke, complete, 0, 0);
    }

    private static Outcome verdict(final Op... ops)
    {
        return Linearizability30.check("k", List.of(ops), BUDGET).outcome();
    }

    @Test
    void sequentialHistoryIsLinearizable()
    {
        assertEquals(Outcome.LINEARIZABLE, verdict(get(0, null, 0, 1), put(0, "a", 2, 3), get(1, "a", 4, 5),
            put(1, "b", 6, 7), get(0, "b", 8, 9), del(0, 10, 11), get(1, null, 12, 13)));
    }

    @Test
    void concurrentWritesMayTakeEffectInEitherOrder()
    {
        // a [0, 10] and b [2, 12] overlap: either may be last
        assertEquals(Outcome.LINEARIZABLE, verdict(put(0, "a", 0, 10), put(1, "b", 2, 12), get(2, "a", 15, 16)));
        assertEquals(Outcome.LINEARIZABLE, verdict(put(0, "a", 0, 10), put(1, "b", 2, 12), get(2, "b", 15, 16)));
        // reads during the writes may see a then b, or b then a
        assertEquals(Outcome.LINEARIZABLE, verdict(put(0, "a", 0, 10), put(1, "b", 2, 12), get(2, "b", 3, 4),
            get(2, "a", 5, 6), get(2, "a", 15, 16)));
        // but once both completed, the order is fixed: b then a afterwards is a flip
        assertEquals(Outcome.VIOLATION, verdict(put(0, "a", 0, 10), put(1, "b", 2, 12), get(2, "b", 13, 14),
            get(2, "a", 15, 16)));
    }

    @Test
    void staleReadAfterAnAcknowledgedWriteIsAViolation()
    {
        assertEquals(Outcome.VIOLATION, verdict(put(0, "a", 0, 1), put(0, "b", 2, 3), get(1, "a", 4, 5)));
        // a read that began before b was acknowledged may still see a
        assertEquals(Outcome.LINEARIZABLE, verdict(put(0, "a", 0, 1), put(0, "b", 2, 5), get(1, "a", 4, 6)));
    }

    @Test
    void readReadInversionIsAViolationThatKeyHistoryAccepts()
    {
        // write 4 acknowledged; write 5 in flight throughout; read 1 returns 5; read 2, begun after read 1 ended,
        // returns 4 again
        assertEquals(Outcome.VIOLATION, verdict(put(0, "w4", 0, 1), put(0, "w5", 2, 100), get(1, "w5", 10, 20),
            get(1, "w4", 30, 40)));
        // the same history through the project's one-writer checker: each read alone is allowed
        final KeyHistory<String> h = new KeyHistory<>();
        h.write("k", 0, false, 0, 1, true);   // w4 = write number 0
        h.write("k", 1, false, 2, 100, true); // w5 = write number 1
        h.read("k", 1, 10, 20);
        h.read("k", 0, 30, 40);
        assertTrue(h.violations().isEmpty(), "KeyHistory checks each read alone: " + h.violations());
        // reads that overlap each other may see the two in either order
        assertEquals(Outcome.LINEARIZABLE, verdict(put(0, "w4", 0, 1), put(0, "w5", 2, 100), get(1, "w5", 10, 35),
            get(2, "w4", 30, 40)));
    }

    @Test
    void aPutAppliedTwiceAroundAnotherClientsWriteIsAViolation()
    {
        // ResentPut30Test's witness (ms): w1-10's first application seen by a read; w2-11 invoked after that read
        // ended and acknowledged; a read begun after that returns w1-10 again (its re-sent copy). Each read alone
        // returns a put still in flight, which a check of reads one by one accepts.
        assertEquals(Outcome.VIOLATION, verdict(put(1, "w1-10", 29, 3382), get(3, "w1-10", 22, 3129),
            put(2, "w2-11", 3276, 3318), get(4, "w1-10", 3350, 3426)));
        // without the first read nothing pins w1-10 before w2-11: linearizable
        assertEquals(Outcome.LINEARIZABLE, verdict(put(1, "w1-10", 29, 3382), put(2, "w2-11", 3276, 3318),
            get(4, "w1-10", 3350, 3426)));
    }

    @Test
    void anIndeterminateWriteMayTakeEffectLateOrNever()
    {
        // never seen: the key keeps its old value
        assertEquals(Outcome.LINEARIZABLE, verdict(put(0, "a", 0, 1), putUnknown(0, "x", 2), get(1, "a", 5, 6),
            get(1, "a", 500, 600)));
        // seen late, long after it failed at the client
        assertEquals(Outcome.LINEARIZABLE, verdict(put(0, "a", 0, 1), putUnknown(0, "x", 2), get(1, "a", 5, 6),
            get(1, "x", 500, 600)));
        // seen, then overwritten by an acknowledged write, then the newer value: fine
        assertEquals(Outcome.LINEARIZABLE, verdict(put(0, "a", 0, 1), putUnknown(0, "x", 2), get(1, "x", 5, 6),
            put(0, "b", 7, 8), get(1, "b", 9, 10)));
        // seen, then absent again after a delete: fine
        assertEquals(Outcome.LINEARIZABLE, verdict(put(0, "a", 0, 1), putUnknown(0, "x", 2), get(1, "x", 5, 6),
            del(0, 7, 8), get(1, null, 9, 10)));
        // seen, then absent again with no delete: the indeterminate write cannot be undone
        assertEquals(Outcome.VIOLATION, verdict(put(0, "a", 0, 1), putUnknown(0, "x", 2), get(1, "x", 5, 6),
            put(0, "b", 7, 8), get(1, null, 9, 10)));
        // seen, then the value it overwrote again: a violation too
        assertEquals(Outcome.VIOLATION, verdict(put(0, "a", 0, 1), putUnknown(0, "x", 2), get(1, "x", 5, 6),
            get(1, "a", 9, 10)));
        // seen by a read that ended before the write was invoked
        assertEquals(Outcome.VIOLATION, verdict(put(0, "a", 0, 1), get(1, "x", 2, 3), putUnknown(0, "x", 4)));
        // an indeterminate delete may explain an absent read, and need not
        assertEquals(Outcome.LINEARIZABLE, verdict(put(0, "a", 0, 1), delUnknown(0, 2), get(1, null, 5, 6)));
        assertEquals(Outcome.LINEARIZABLE, verdict(put(0, "a", 0, 1), delUnknown(0, 2), get(1, "a", 5, 6)));
        assertEquals(Outcome.VIOLATION, verdict(put(0, "a", 0, 1), delUnknown(0, 2), get(1, null, 5, 6),
            get(1, "a", 7, 8)));
    }

    @Test
    void aValueNeverWrittenIsAViolation()
    {
        assertEquals(Outcome.VIOLATION, verdict(put(0, "a", 0, 1), get(1, "zz", 2, 3)));
        assertEquals(Outcome.VIOLATION, verdict(get(1, "zz", 0, 1)));
    }

    @Test
    void deletesAreWritesOfAbsence()
    {
        assertEquals(Outcome.LINEARIZABLE, verdict(put(0, "a", 0, 1), del(0, 2, 3), get(1, null, 4, 5)));
        assertEquals(Outcome.VIOLATION, verdict(put(0, "a", 0, 1), del(0, 2, 3), get(1, "a", 4, 5)));
        // a delete concurrent with the read: either state
        assertEquals(Outcome.LINEARIZABLE, verdict(put(0, "a", 0, 1), del(0, 2, 6), get(1, "a", 4, 5)));
        assertEquals(Outcome.LINEARIZABLE, verdict(put(0, "a", 0, 1), del(0, 2, 6), get(1, null, 4, 5)));
        // the register starts absent: an absent read before any write is fine, after an acknowledged put it is not
        assertEquals(Outcome.LINEARIZABLE, verdict(get(1, null, 0, 1), put(0, "a", 2, 3)));
        assertEquals(Outcome.VIOLATION, verdict(put(0, "a", 0, 1), get(1, null, 2, 3)));
    }

    @Test
    void aViolationShowsTheWindowWhereTheSearchGotStuck()
    {
        final Result r = Linearizability30.check("k", List.of(put(0, "w4", 0, 1), put(0, "w5", 2, 100),
            get(1, "w5", 10, 20), get(1, "w4", 30, 40)), BUDGET);
        assertEquals(Outcome.VIOLATION, r.outcome());
        assertTrue(r.detail().contains("get() -> w4"), r.detail());
        assertTrue(r.detail().contains("stuck at op"), r.detail());
        final AssertionError e = assertThrows(AssertionError.class,
            () -> Linearizability30.assertAllLinearizable(List.of(r), "hand-made"));
        assertTrue(e.getMessage().contains("key k: VIOLATION"), e.getMessage());
    }

    @Test
    void aViolationIsShrunkToTheReadsThatProveIt()
    {
        final List<Op> ops = new ArrayList<>(randomHistory(new Random(7), 4, 150));
        final List<Op> stale = makeOneReadStale(new Random(7), ops);
        final Result r = Linearizability30.check("k", stale, BUDGET);
        assertEquals(Outcome.VIOLATION, r.outcome());
        // a stale read needs at most itself and a read pinning the order; never the hundreds of others
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("every write and (\\d+) of the (\\d+) reads")
            .matcher(r.detail());
        assertTrue(m.find(), r.detail());
        assertTrue(Integer.parseInt(m.group(1)) <= 3 && Integer.parseInt(m.group(2)) > 100, r.detail());
    }

    @Test
    void manyIndeterminateWritesKeepTheSearchSmall()
    {
        // Every fifth op a put or a delete that failed at the client (one block in four it never took effect); half
        // the blocks then overwrite it with an acknowledged put before the reads, half let the reads see it. Without
        // the reductions each would stay pending to the end of the history.
        final List<Op> ops = new ArrayList<>();
        String state = null;
        long t = 0;
        for (int i = 0; i < 200; i++, t += 10)
        {
            final int block = i / 5;
            final int pos = i % 5;
            if (pos == 0)
            {
                final boolean delete = block % 3 == 0;
                ops.add(delete ? delUnknown(block % 4, t) : putUnknown(block % 4, "u" + i, t));
                if (block % 4 != 1)
                {
                    state = delete ? null : "u" + i;
                }
            }
            else if (pos == 1 && block % 2 == 0)
            {
                ops.add(put(4, "a" + i, t, t + 5));
                state = "a" + i;
            }
            else
            {
                ops.add(get(5 + pos, state, t + 6, t + 9));
            }
        }
        final Result ok = Linearizability30.check("k", ops, new Budget(20_000, 2_000_000_000L));
        assertEquals(Outcome.LINEARIZABLE, ok.outcome(), ok.detail());
        ops.add(get(9, "a1", t + 100, t + 101)); // long overwritten
        final Result bad = Linearizability30.check("k", ops, new Budget(20_000, 2_000_000_000L));
        assertEquals(Outcome.VIOLATION, bad.outcome(), bad.detail());
        assertTrue(bad.dropped() >= 10, "indeterminate writes no read needed are dropped: " + bad.dropped());
    }

    @Test
    void aSearchOverItsBudgetFailsInsteadOfPassing()
    {
        final List<Op> ops = randomHistory(new Random(1), 4, 200);
        final Result tooMany = Linearizability30.check("k", ops, new Budget(10, 10_000_000_000L));
        assertEquals(Outcome.UNKNOWN, tooMany.outcome());
        final Result noTime = Linearizability30.check("k", ops, new Budget(20_000, 0));
        assertEquals(Outcome.UNKNOWN, noTime.outcome());
        assertThrows(AssertionError.class, () -> Linearizability30.assertAllLinearizable(List.of(noTime), "budget"));
    }

    @Test
    void keysAreCheckedIndependently()
    {
        final List<Result> rs = Linearizability30.checkAll(Map.of(
            "ok", List.of(put(0, "a", 0, 1), get(1, "a", 2, 3)),
            "bad", List.of(put(0, "a", 0, 1), put(0, "b", 2, 3), get(1, "a", 4, 5))), BUDGET);
        assertEquals(2, rs.size());
        for (final Result r : rs)
        {
            assertEquals(r.key().equals("ok") ? Outcome.LINEARIZABLE : Outcome.VIOLATION, r.outcome(), r.key());
        }
    }

    @Test
    void randomHistoriesFromASequentialExecutionPassAndFailOnceAReadIsMadeStale()
    {
        int mutated = 0;
        for (int seed = 0; seed < 60; seed++)
        {
            final Random rnd = new Random(3000 + seed);
            final List<Op> ops = randomHistory(rnd, 2 + seed % 5, 80 + 4 * seed);
            final Result ok = Linearizability30.check("k", ops, BUDGET);
            assertEquals(Outcome.LINEARIZABLE, ok.outcome(), "seed " + seed + ": " + ok.detail());
            final List<Op> stale = makeOneReadStale(rnd, ops);
            if (stale != null)
            {
                mutated++;
                final Result bad = Linearizability30.check("k", stale, BUDGET);
                assertEquals(Outcome.VIOLATION, bad.outcome(), "seed " + seed + " with a stale read");
            }
        }
        assertTrue(mutated >= 50, "stale reads planted in " + mutated + " of 60 histories");
    }

    /**
     * A history of {@code clients} sequential clients on one register, {@code perClient} ops each: every op gets a
     * linearization point inside its interval and the reads return what a register applied in that order holds.
     * About a tenth of the writes are indeterminate (they took effect at their point, or never).
     */
    static List<Op> randomHistory(final Random rnd, final int clients, final int perClient)
    {
        record Planned(int client, Kind kind, String value, long invoke, long point, long complete, boolean unknown,
            boolean applied)
        {
        }
        final List<Planned> plan = new ArrayList<>();
        for (int c = 0; c < clients; c++)
        {
            long t = rnd.nextInt(50);
            for (int i = 0; i < perClient; i++)
            {
                final long invoke = t + rnd.nextInt(20);
                final long point = invoke + rnd.nextInt(30);
                final long complete = point + rnd.nextInt(30);
                final int p = rnd.nextInt(100);
                final Kind kind = p < 40 ? Kind.PUT : p < 48 ? Kind.DELETE : Kind.GET;
                final boolean unknown = kind != Kind.GET && rnd.nextInt(10) == 0;
                plan.add(new Planned(c, kind, kind == Kind.PUT ? "c" + c + "-" + i : null, invoke, point, complete,
                    unknown, !unknown || rnd.nextBoolean()));
                t = complete + 1;
            }
        }
        plan.sort(Comparator.comparingLong(Planned::point));
        String state = null;
        final List<Op> out = new ArrayList<>();
        for (final Planned p : plan)
        {
            if (p.kind() == Kind.GET)
            {
                out.add(new Op(p.client(), Kind.GET, state, p.invoke(), p.complete(), 0, 0));
                continue;
            }
            if (p.applied())
            {
                state = p.kind() == Kind.PUT ? p.value() : null;
            }
            out.add(new Op(p.client(), p.kind(), p.value(), p.invoke(),
                p.unknown() ? Linearizability30.NEVER : p.complete(), 0, 0));
        }
        return out;
    }

    /**
     * Replace one read's value by a provably stale one: a put P of value A and a write X with P completed before X was
     * invoked and X completed before the read was invoked (X must follow P and precede the read, and A is written
     * once). @return the mutated history, or null if no read qualifies.
     */
    static List<Op> makeOneReadStale(final Random rnd, final List<Op> ops)
    {
        final List<Integer> reads = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++)
        {
            if (ops.get(i).kind() == Kind.GET)
            {
                reads.add(i);
            }
        }
        java.util.Collections.shuffle(reads, rnd);
        for (final int ri : reads)
        {
            final Op r = ops.get(ri);
            for (final Op x : ops)
            {
                if (!x.write() || x.indeterminate() || x.complete() >= r.invoke())
                {
                    continue;
                }
                for (final Op p : ops)
                {
                    if (p.kind() == Kind.PUT && !p.indeterminate() && p.complete() < x.invoke()
                        && !p.value().equals(r.value()))
                    {
                        final List<Op> out = new ArrayList<>(ops);
                        out.set(ri, new Op(r.client(), Kind.GET, p.value(), r.invoke(), r.complete(), 0, 0));
                        return out;
                    }
                }
            }
        }
        return null;
    }
}
