package io.regioncache.rocksdb;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.regioncache.rocksdb.RocksDbGc.Tracked;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tracked key's version list ({@link Tracked}: ascending, one tombstone flag per version, dropped when a version
 * is rewritten with the other flag or when it would pass {@link RocksDbGc#MAX_EXACT}) against a {@link TreeMap}
 * model, over random marks in and out of version order, merges of whole lists (before, after and interleaved with
 * the list they join, as a round's carried keys meet the marks made meanwhile) and rounds trimming what they swept.
 */
class TrackedListTest
{
    private static final byte[] KEY = {1, 2, 3};

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void theListIsWhatWasMarked(final long seed)
    {
        final Random rnd = new Random(seed);
        for (int run = 0; run < 300; run++)
        {
            final String where = "seed " + seed + " run " + run;
            Tracked t = new Tracked(KEY, 1000, false);
            final TreeMap<Long, Boolean> model = new TreeMap<>();
            model.put(1000L, false);
            boolean sure = true; // false once the model says the list must have been dropped
            long lo = 1000;
            long hi = 1000;
            long next = 1001;
            long trimmedTo = Long.MIN_VALUE;
            for (int op = 0; op < 200 && sure; op++)
            {
                final int p = rnd.nextInt(100);
                if (p < 60)
                {
                    // One mark, like markWritten's: mostly the next version, sometimes a rewrite or a late one.
                    final long v = p < 45 ? next++ : p < 52 ? hi : lo - 1 - rnd.nextInt(5) + rnd.nextInt(3 + (int)(hi - lo));
                    final boolean tombstone = rnd.nextInt(6) == 0;
                    if (v <= trimmedTo)
                    {
                        continue; // a round trimmed below it: a write there is a late write the test does not mix in
                    }
                    final Boolean was = model.get(v);
                    t = Tracked.widen(t, new Tracked(KEY, v, tombstone));
                    if (was != null && was != tombstone)
                    {
                        sure = false;
                    }
                    model.put(v, tombstone);
                }
                else if (p < 85)
                {
                    // A whole list joins: one older than everything (a round's carried key), newer, or interleaved.
                    final int kind = rnd.nextInt(3);
                    final TreeMap<Long, Boolean> other = new TreeMap<>();
                    final int n = 1 + rnd.nextInt(6);
                    for (int i = 0; i < n; i++)
                    {
                        final long v = kind == 0 ? lo - 1 - i : kind == 1 ? next++ : lo + rnd.nextInt((int)(hi - lo + 3));
                        if (v > trimmedTo)
                        {
                            other.put(v, model.getOrDefault(v, rnd.nextInt(5) == 0));
                        }
                    }
                    if (other.isEmpty())
                    {
                        continue;
                    }
                    Tracked o = null;
                    for (final Map.Entry<Long, Boolean> e : other.entrySet())
                    {
                        final Tracked one = new Tracked(KEY, e.getKey(), e.getValue());
                        o = o == null ? one : Tracked.widen(o, one);
                    }
                    t = Tracked.widen(t, o);
                    model.putAll(other);
                }
                else if (!model.isEmpty() && model.lastKey() > model.firstKey())
                {
                    // A forward round at p below the newest version: it keeps what is above p.
                    final long sp = model.firstKey() + rnd.nextInt((int)(model.lastKey() - model.firstKey()));
                    t.keepAbove(sp);
                    model.headMap(sp, true).clear();
                    trimmedTo = Math.max(trimmedTo, sp);
                }
                if (model.size() > RocksDbGc.MAX_EXACT)
                {
                    sure = false;
                }
                lo = model.isEmpty() ? lo : Math.min(lo, model.firstKey());
                hi = model.isEmpty() ? hi : Math.max(hi, model.lastKey());
                if (sure)
                {
                    assertList(model, t, where + " op " + op);
                }
            }
            if (!sure)
            {
                assertNull(t.versions, where + ": a version rewritten with the other flag drops the list");
            }
        }
    }

    /** A mark made past the lists' budget caps its key's list at {@link RocksDbGc#SMALL_LIST}: a longer one goes. */
    @Test
    void aMarkPastTheBudgetDropsALongList()
    {
        Tracked t = new Tracked(KEY, 1, false);
        for (long v = 2; v <= RocksDbGc.SMALL_LIST + 10; v++)
        {
            t = Tracked.widen(t, new Tracked(KEY, v, false));
        }
        assertEquals(RocksDbGc.SMALL_LIST + 10, t.count, "within the budget a list grows past SMALL_LIST");
        final Tracked capped = new Tracked(KEY, 1000, false);
        capped.cap = RocksDbGc.SMALL_LIST;
        t = Tracked.widen(t, capped);
        assertNull(t.versions, "a mark past the budget drops the long list");
        assertTrue(t.crowded);
        assertEquals(1, t.lo);
        assertEquals(1000, t.hi, "the range still covers every version");

        Tracked shortList = new Tracked(KEY, 1, true);
        final Tracked capped2 = new Tracked(KEY, 2, false);
        capped2.cap = RocksDbGc.SMALL_LIST;
        shortList = Tracked.widen(shortList, capped2);
        for (long v = 3; v <= RocksDbGc.SMALL_LIST; v++)
        {
            shortList = Tracked.widen(shortList, new Tracked(KEY, v, false));
        }
        assertEquals(RocksDbGc.SMALL_LIST, shortList.count, "a short list keeps growing up to the cap");
        shortList = Tracked.widen(shortList, new Tracked(KEY, RocksDbGc.SMALL_LIST + 1, false));
        assertNull(shortList.versions, "and no further");
    }

    private static void assertList(final TreeMap<Long, Boolean> model, final Tracked t, final String where)
    {
        assertTrue(t.versions != null, where + ": the list was dropped");
        assertEquals(model.size(), t.count, where + ": count " + model + " vs " + t);
        int i = 0;
        for (final Map.Entry<Long, Boolean> e : model.entrySet())
        {
            assertEquals(e.getKey().longValue(), t.versions[i], where + ": version " + i);
            assertEquals(e.getValue(), t.tombstone(i), where + ": flag " + i);
            i++;
        }
        assertEquals(model.firstKey().longValue(), t.lo, where + ": lo");
        assertTrue(t.hi >= model.lastKey(), where + ": hi");
        for (final long probe : new long[] {model.firstKey() - 1, model.firstKey(), model.lastKey(), model.lastKey() + 1,
            (model.firstKey() + model.lastKey()) / 2})
        {
            final Long floor = model.floorKey(probe);
            final int at = t.newestAtOrBelow(probe);
            assertEquals(floor == null ? -1 : model.headMap(floor, true).size() - 1, at, where + ": newest <= " + probe);
            assertEquals(model.containsKey(probe), t.listed(probe), where + ": listed " + probe);
        }
    }
}
