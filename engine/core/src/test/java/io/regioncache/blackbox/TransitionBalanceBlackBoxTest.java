package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.await;
import static io.regioncache.blackbox.BB.b;
import static io.regioncache.blackbox.BB.cycles;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/**
 * README "Observability"/"How it works": "Every move made or refused is counted per from→to", "NEW for a record's first
 * state", regions per state. So for each state, moves in minus moves out equals the records in it.
 */
class TransitionBalanceBlackBoxTest
{
    static long balance(final Map<String, Number> m, final RegionState s)
    {
        long in = 0;
        long out = 0;
        for (final Map.Entry<String, Number> e : m.entrySet())
        {
            if (!e.getKey().startsWith("transitions.made."))
            {
                continue;
            }
            final String move = e.getKey().substring("transitions.made.".length());
            final String from = move.substring(0, move.indexOf("->"));
            final String to = move.substring(move.indexOf("->") + 2);
            if (to.equals(s.name()))
            {
                in += e.getValue().longValue();
            }
            if (from.equals(s.name()))
            {
                out += e.getValue().longValue();
            }
        }
        return in - out;
    }

    static void check(final RegionCache c, final String when)
    {
        final Map<String, Number> m = c.metrics().values();
        for (final RegionState s : new RegionState[] {RegionState.PENDING, RegionState.LOADING, RegionState.ACTIVE})
        {
            assertEquals(m.get("regions." + s).longValue(), balance(m, s), () -> when + ": balance of " + s + " " + m);
        }
        assertEquals(0L, m.get("transitions.refused").longValue(), () -> when + ": refused " + m);
    }

    @Test
    void movesInMinusMovesOutIsTheRecordsInEachState() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 50; i++)
        {
            store.put(b("a" + i), 1, b("v"));
            store.put(b("m" + i), 1, b("v"));
        }
        final BB.HeldExecutor loader = new BB.HeldExecutor();
        final BB.HeldExecutor gc = new BB.HeldExecutor();
        try (RegionCache c = RegionCache.create(BB.invokerDefaultLimits().backingStore(store)
            .loaderExecutor(loader).gcExecutor(gc).build()))
        {
            await(c, c.createRegion(new Region(1, b("a"), b("f"), 1)));
            await(c, c.write(new WriteBatch(1, 1, 5).put(b("a1"), b("x")).put(b("c"), b("y"))));
            await(c, c.write(new WriteBatch(1, 1, 6).put(b("a1"), b("z"))));
            check(c, "created");
            // a load held PENDING/LOADING
            await(c, c.loadRegion(new Region(2, b("m"), b("p"), 1)));
            cycles(c, 3);
            check(c, "loading");
            // split the loading region and the active one
            await(c, c.split(2, 1, new byte[][] {b("n")}, new long[] {3}, 2));
            check(c, "split while loading");
            await(c, c.split(1, 1, new byte[][] {b("c")}, new long[] {4}, 2));
            check(c, "split active");
            loader.runAll();
            cycles(c, 20);
            check(c, "loaded");
            // compaction with a pinned snapshot
            final Snapshot s = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 2, 10));
            await(c, c.advanceSafePoint(6));
            await(c, c.compact(1));
            gc.runAll();
            cycles(c, 20);
            check(c, "compacted");
            await(c, c.evict(1, EvictReason.MANUAL));
            cycles(c, 5);
            check(c, "evicted pinned");
            s.close();
            cycles(c, 10);
            check(c, "unpinned");
            // merge
            await(c, c.prepareMerge(4));
            await(c, c.commitMerge(3, 4));
            cycles(c, 5);
            check(c, "merged");
            // a load then disable while pending
            await(c, c.loadRegion(new Region(7, b("q"), b("s"), 1)));
            await(c, c.setEnabled(false));
            loader.runAll();
            cycles(c, 20);
            check(c, "disabled");
            await(c, c.setEnabled(true));
            await(c, c.createRegion(new Region(8, b("t"), b("u"), 1)));
            await(c, c.write(new WriteBatch(8, 2, 9).put(b("t1"), b("x"))));
            cycles(c, 5);
            check(c, "epoch drift");
        }
    }
}
