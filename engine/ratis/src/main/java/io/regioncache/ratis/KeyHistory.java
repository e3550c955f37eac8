package io.regioncache.ratis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client history checked per key: each read must return the latest acknowledged write of its key or one
 * concurrent with the read, never an older (stale) one, a lost one or one never written.
 * <p>
 * A key's writes are numbered {@code 0, 1, 2, ...} by its one writer, which issues write {@code i + 1} only after
 * write {@code i} returned (acknowledged or failed); a write is a put (whose value names its number) or a delete. A
 * failed write stays in flight for ever: it may or may not have been applied. A read observes a number (the value of
 * that put), {@link #ABSENT} (no value) or {@link #INITIAL} (a value the history did not write: what the key held
 * before it began). With {@code lo} = the highest number acknowledged before the read began ({@code -1}: none) and
 * {@code hi} = the highest number invoked before the read ended, the read is allowed iff the state it observed is
 * the state after some write in {@code [lo, hi]}, where the state "after write -1" is the key's state before the
 * history (absent or a value not written here).
 * <p>
 * Thread-safe; recording is cheap, {@link #violations()} costs {@code O((reads + writes) log writes)} per key.
 *
 * @param <K> key type (equals and hashCode by value).
 */
public final class KeyHistory<K>
{
    /** A read that found no value. */
    public static final int ABSENT = -2;
    /** A read that found a value this history did not write (the key's state before it began). */
    public static final int INITIAL = -1;

    private record Write(int index, boolean delete, long invoke, long complete, boolean acked)
    {
    }

    private record Read(int observed, long invoke, long complete)
    {
    }

    private static final class Ops
    {
        final List<Write> writes = new ArrayList<>();
        final List<Read> reads = new ArrayList<>();
    }

    private final Map<K, Ops> ops = new ConcurrentHashMap<>();

    private Ops of(final K key)
    {
        return ops.computeIfAbsent(key, k -> new Ops());
    }

    /**
     * Record a write's outcome.
     *
     * @param key      key.
     * @param index    its number for the key (0, 1, ... in the order its writer issued them).
     * @param delete   a delete (else a put whose value names {@code index}).
     * @param invoke   {@link System#nanoTime()} before it was sent.
     * @param complete {@link System#nanoTime()} when it was acknowledged; ignored if not acknowledged.
     * @param acked    acknowledged (false: it failed or timed out, so it may or may not have been applied).
     */
    public void write(final K key, final int index, final boolean delete, final long invoke, final long complete,
        final boolean acked)
    {
        final Ops o = of(key);
        synchronized (o)
        {
            o.writes.add(new Write(index, delete, invoke, acked ? complete : Long.MAX_VALUE, acked));
        }
    }

    /**
     * Record a read.
     *
     * @param key      key.
     * @param observed the write number whose value it returned, {@link #ABSENT} or {@link #INITIAL}.
     * @param invoke   {@link System#nanoTime()} before it was sent.
     * @param complete {@link System#nanoTime()} when it returned.
     */
    public void read(final K key, final int observed, final long invoke, final long complete)
    {
        final Ops o = of(key);
        synchronized (o)
        {
            o.reads.add(new Read(observed, invoke, complete));
        }
    }

    /** @return the keys recorded. */
    public Iterable<K> keys()
    {
        return ops.keySet();
    }

    /** @return reads recorded. */
    public long reads()
    {
        long n = 0;
        for (final Ops o : ops.values())
        {
            synchronized (o)
            {
                n += o.reads.size();
            }
        }
        return n;
    }

    /** @return every read that was stale, lost an acknowledged write, or returned a value never written. */
    public List<String> violations()
    {
        final List<String> out = new ArrayList<>();
        ops.forEach((key, o) ->
        {
            final Write[] writes;
            final Read[] reads;
            synchronized (o)
            {
                writes = o.writes.toArray(new Write[0]);
                reads = o.reads.toArray(new Read[0]);
            }
            check(key, writes, reads, out);
        });
        return out;
    }

    private static <K> void check(final K key, final Write[] writes, final Read[] reads, final List<String> out)
    {
        // lo: acknowledged writes by completion time, with the running maximum of their numbers.
        final Write[] byComplete = Arrays.stream(writes).filter(Write::acked)
            .sorted((a, b) -> Long.compare(a.complete(), b.complete())).toArray(Write[]::new);
        final long[] completes = new long[byComplete.length];
        final int[] loMax = new int[byComplete.length];
        for (int i = 0; i < byComplete.length; i++)
        {
            completes[i] = byComplete[i].complete();
            loMax[i] = Math.max(i == 0 ? -1 : loMax[i - 1], byComplete[i].index());
        }
        // hi: every write by invocation time, with the running maximum of their numbers.
        final Write[] byInvoke = writes.clone();
        Arrays.sort(byInvoke, (a, b) -> Long.compare(a.invoke(), b.invoke()));
        final long[] invokes = new long[byInvoke.length];
        final int[] hiMax = new int[byInvoke.length];
        for (int i = 0; i < byInvoke.length; i++)
        {
            invokes[i] = byInvoke[i].invoke();
            hiMax[i] = Math.max(i == 0 ? -1 : hiMax[i - 1], byInvoke[i].index());
        }
        // What each number wrote (a number written twice, e.g. re-sent after a refused batch, wrote the same).
        final Map<Integer, Boolean> deleteOf = new java.util.HashMap<>();
        for (final Write w : writes)
        {
            deleteOf.put(w.index(), w.delete());
        }
        final int[] deletes = deleteOf.entrySet().stream().filter(Map.Entry::getValue).mapToInt(Map.Entry::getKey)
            .sorted().toArray();
        for (final Read r : reads)
        {
            final int nLo = countBelow(completes, r.invoke());
            final int lo = nLo == 0 ? -1 : loMax[nLo - 1];
            final int nHi = countBelow(invokes, r.complete());
            final int hi = nHi == 0 ? -1 : hiMax[nHi - 1];
            final String bad = judge(r.observed(), lo, hi, deleteOf, deletes);
            if (bad != null)
            {
                out.add(key + ": read returned " + name(r.observed()) + " (" + bad + "), allowed writes [" + lo + ", "
                    + hi + "]");
            }
        }
    }

    /** @return why the observation is not allowed, or null if it is. */
    private static String judge(final int observed, final int lo, final int hi, final Map<Integer, Boolean> deleteOf,
        final int[] deletes)
    {
        if (observed == INITIAL)
        {
            return lo == -1 ? null : "a value from before the history after write " + lo + " was acknowledged";
        }
        if (observed == ABSENT)
        {
            // The state before the history may be absent; otherwise a delete in [lo, hi] must explain it.
            if (lo == -1)
            {
                return null;
            }
            final int at = Arrays.binarySearch(deletes, lo);
            final int next = at >= 0 ? at : -at - 1;
            return next < deletes.length && deletes[next] <= hi ? null : "no delete in range";
        }
        final Boolean delete = deleteOf.get(observed);
        if (delete == null)
        {
            return "never written";
        }
        if (delete)
        {
            return "write " + observed + " was a delete";
        }
        return observed < lo ? "stale" : observed > hi ? "not yet invoked" : null;
    }

    private static String name(final int observed)
    {
        return observed == ABSENT ? "absent" : observed == INITIAL ? "a value from before" : "#" + observed;
    }

    /** @return how many of the sorted values are below {@code t}. */
    private static int countBelow(final long[] sorted, final long t)
    {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi)
        {
            final int mid = (lo + hi) >>> 1;
            if (sorted[mid] < t)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }
}
