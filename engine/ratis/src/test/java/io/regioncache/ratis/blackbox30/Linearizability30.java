package io.regioncache.ratis.blackbox30;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A linearizability checker for per-key register histories (put a value, delete, get a value or absent), the search
 * Knossos and Porcupine use: Wing &amp; Gong's depth-first search over linearization points with Lowe's memoization.
 * <p>
 * Each operation has an invoke and a complete timestamp ({@link System#nanoTime()}). The search walks the history's
 * call and return events in time order; at a call it tries to linearize that operation next (its invoke precedes the
 * completion of every operation still pending, since the return events before it were all lifted), applies it to the
 * register model, and, if the model accepts it and the pair (set of linearized operations as a {@link BitSet}, model
 * state) was not visited before, lifts it out of the event list and starts again from the first event. Reaching the
 * return event of an operation not yet linearized means the current prefix cannot be extended: the last choice is
 * undone (backtracking). The history is linearizable once every operation that completed is linearized.
 * <p>
 * Writes whose outcome is unknown (a timeout, an exception, a lost connection) are <em>indeterminate</em>: their
 * complete is {@link #NEVER} (+infinity), so they may take effect at any point after their invoke, and the search
 * may leave them unlinearized (never applied). Reductions keep the search small and are exact (see {@link #check}):
 * an indeterminate put whose value no read returned is dropped, one whose value a read returned must be linearized
 * before the last such read completed; an indeterminate delete is dropped when no read after its invoke returned
 * absent and is otherwise optional up to the last absent read's completion. Without them each indeterminate write
 * stays pending to the end and the memo table doubles with each one. Reads
 * that failed are not recorded at all.
 * <p>
 * Keys are checked independently (P-compositionality: a history of independent registers is linearizable iff each
 * key's is). The search is bounded per key by {@link Budget#maxOps} and {@link Budget#nanos}; a check that runs out
 * of budget answers {@link Outcome#UNKNOWN}, which {@link #assertAllLinearizable} fails, never passes. A violation
 * carries a window of the key's history around the point where the deepest partial linearization got stuck.
 */
final class Linearizability30
{
    /** The complete time of an indeterminate write. */
    static final long NEVER = Long.MAX_VALUE;

    /** Operation kinds of the register. */
    enum Kind
    {
        PUT, DELETE, GET
    }

    /**
     * One operation of a key's history.
     *
     * @param client   who issued it (a thread), for the report.
     * @param kind     put, delete or get.
     * @param value    the put's value, the get's result (null: absent); null for a delete.
     * @param invoke   {@link System#nanoTime()} before it was sent.
     * @param complete {@link System#nanoTime()} when it returned; {@link #NEVER} for an indeterminate write.
     * @param version  the version the reply carried (a write's applied version, a read's read version), 0 if none.
     * @param regionId the region that served a read, 0 if unknown.
     */
    record Op(int client, Kind kind, String value, long invoke, long complete, long version, long regionId)
    {
        Op
        {
            if (kind == Kind.GET && complete == NEVER)
            {
                throw new IllegalArgumentException("a failed read is dropped, not recorded");
            }
            if (complete < invoke)
            {
                throw new IllegalArgumentException("complete before invoke");
            }
        }

        boolean indeterminate()
        {
            return complete == NEVER;
        }

        boolean write()
        {
            return kind != Kind.GET;
        }

        String describe(final long t0)
        {
            final String what = switch (kind)
            {
                case PUT -> "put(" + value + ")";
                case DELETE -> "delete()";
                case GET -> "get() -> " + (value == null ? "absent" : value);
            };
            return String.format("c%-2d %-28s [%9.3f ms, %s]%s", client, what, (invoke - t0) / 1e6,
                complete == NEVER ? "indeterminate" : String.format("%9.3f ms", (complete - t0) / 1e6),
                version == 0 ? "" : " v=" + version + (regionId == 0 ? "" : " r=" + regionId));
        }
    }

    /** How a key's check ended. */
    enum Outcome
    {
        LINEARIZABLE, VIOLATION, UNKNOWN
    }

    /**
     * Bounds of one key's search.
     *
     * @param maxOps most operations of a key (after the exact reductions); more answers UNKNOWN at once.
     * @param nanos  most time spent on one key.
     */
    record Budget(int maxOps, long nanos)
    {
        static Budget standard()
        {
            return new Budget(20_000, 20_000_000_000L);
        }
    }

    /**
     * One key's verdict.
     *
     * @param key     key.
     * @param outcome linearizable, violation, or unknown (budget ran out).
     * @param ops     operations checked (after the reductions).
     * @param dropped indeterminate writes dropped by the exact reductions.
     * @param steps   search steps taken.
     * @param detail  for a violation the window of the history; for unknown, why.
     */
    record Result(String key, Outcome outcome, int ops, int dropped, long steps, String detail)
    {
    }

    /** A thread-safe recorder of per-key histories. */
    static final class Recorder
    {
        private final Map<String, List<Op>> ops = new ConcurrentHashMap<>();

        void add(final String key, final Op op)
        {
            final List<Op> l = ops.computeIfAbsent(key, k -> new ArrayList<>());
            synchronized (l)
            {
                l.add(op);
            }
        }

        /** @return a copy of every key's operations, keys in order. */
        Map<String, List<Op>> snapshot()
        {
            final Map<String, List<Op>> out = new TreeMap<>();
            ops.forEach((k, l) ->
            {
                synchronized (l)
                {
                    out.put(k, new ArrayList<>(l));
                }
            });
            return out;
        }

        long size()
        {
            long n = 0;
            for (final List<Op> l : ops.values())
            {
                synchronized (l)
                {
                    n += l.size();
                }
            }
            return n;
        }
    }

    private Linearizability30()
    {
    }

    /** Check every key of a history independently. */
    static List<Result> checkAll(final Map<String, List<Op>> history, final Budget budget)
    {
        final List<Result> out = new ArrayList<>();
        history.forEach((k, ops) -> out.add(check(k, ops, budget)));
        return out;
    }

    /**
     * Fail (an {@link AssertionError}) unless every key is linearizable: a violation shows its window, a search that
     * ran out of budget says so (it is not a pass).
     */
    static void assertAllLinearizable(final List<Result> results, final String context)
    {
        final StringBuilder bad = new StringBuilder();
        int failures = 0;
        for (final Result r : results)
        {
            if (r.outcome() != Outcome.LINEARIZABLE)
            {
                failures++;
                bad.append("\n--- key ").append(r.key()).append(": ").append(r.outcome()).append(" (").append(r.ops())
                    .append(" ops, ").append(r.steps()).append(" search steps)\n").append(r.detail());
            }
        }
        if (failures > 0)
        {
            throw new AssertionError(context + ": " + failures + " of " + results.size()
                + " keys not shown linearizable" + bad);
        }
    }

    /**
     * Check one key's history.
     * <p>
     * Before the search, indeterminate writes are reduced exactly (the history is linearizable iff the reduced one
     * is): a put whose value no read returned is dropped; a put whose value a read returned must be linearized before
     * the last such read completed (values are unique, so it is the only write that can explain them), so it becomes a
     * determinate op completing then; a delete after whose invoke no read returned absent is dropped; any other
     * indeterminate delete is optional and is linearized, if at all, immediately before an absent read (see
     * {@link Search}).
     *
     * @param key    the key, for the report.
     * @param input  its operations, any order; the register starts absent; put values unique within the key.
     * @param budget bounds of the search.
     * @return the verdict.
     */
    static Result check(final String key, final List<Op> input, final Budget budget)
    {
        final Map<String, Long> lastReadOf = new java.util.HashMap<>();
        long lastAbsentComplete = Long.MIN_VALUE;
        for (final Op o : input)
        {
            if (o.kind() == Kind.GET)
            {
                if (o.value() != null)
                {
                    lastReadOf.merge(o.value(), o.complete(), Math::max);
                }
                else
                {
                    lastAbsentComplete = Math.max(lastAbsentComplete, o.complete());
                }
            }
        }
        final List<Op> ops = new ArrayList<>();
        final List<Long> deadlines = new ArrayList<>();
        int dropped = 0;
        final List<Op> sorted = new ArrayList<>(input);
        sorted.sort(Comparator.comparingLong(Op::invoke));
        for (final Op o : sorted)
        {
            long deadline = o.complete();
            if (o.indeterminate() && o.kind() == Kind.PUT)
            {
                final Long seenBy = lastReadOf.get(o.value());
                if (seenBy == null)
                {
                    dropped++;
                    continue;
                }
                deadline = Math.max(o.invoke(), seenBy);
            }
            else if (o.indeterminate())
            {
                if (lastAbsentComplete <= o.invoke())
                {
                    dropped++;
                    continue;
                }
                deadline = NEVER; // optional: used only right before an absent read, see Search
            }
            ops.add(o);
            deadlines.add(deadline);
        }
        if (ops.size() > budget.maxOps())
        {
            return new Result(key, Outcome.UNKNOWN, ops.size(), dropped, 0, "budget: " + ops.size()
                + " operations, more than the " + budget.maxOps() + " a key may have");
        }
        final Search first = new Search(key, ops, deadlines, dropped, budget);
        final Result r = first.run();
        return r.outcome() == Outcome.VIOLATION ? shrink(key, ops, deadlines, dropped, budget, r, first) : r;
    }

    /**
     * Shrink a violation to a witness by removing reads while the rest stays a violation: first every read outside
     * the window where the search got stuck, then each remaining read, latest first (within 10 s and the budget).
     * Only reads are removed: a history with fewer reads is linearizable whenever the full one is, so the witness is
     * a violation on its own and every op in it is one of the real history's; removing a write would change what the
     * rest means. @return the violation, its detail the witness's window.
     */
    private static Result shrink(final String key, final List<Op> ops, final List<Long> deadlines, final int dropped,
        final Budget budget, final Result found, final Search first)
    {
        final long until = System.nanoTime() + Math.min(budget.nanos(), 10_000_000_000L);
        final int n = ops.size();
        boolean[] keep = new boolean[n];
        java.util.Arrays.fill(keep, true);
        final boolean[] inWindow = new boolean[n];
        for (int i = 0; i < n; i++)
        {
            inWindow[i] = first.inWindow(i);
        }
        final boolean[] outside = keep.clone();
        for (int i = 0; i < n; i++)
        {
            outside[i] = ops.get(i).kind() != Kind.GET || inWindow[i];
        }
        if (violates(key, ops, deadlines, outside, budget) != null)
        {
            keep = outside;
        }
        boolean complete = true;
        for (int i = n - 1; i >= 0; i--)
        {
            if (!keep[i] || ops.get(i).kind() != Kind.GET)
            {
                continue;
            }
            if (System.nanoTime() > until)
            {
                complete = false;
                break;
            }
            keep[i] = false;
            if (violates(key, ops, deadlines, keep, budget) == null)
            {
                keep[i] = true;
            }
        }
        final Search last = violates(key, ops, deadlines, keep, budget);
        int reads = 0;
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            if (ops.get(i).kind() == Kind.GET)
            {
                reads++;
                kept += keep[i] ? 1 : 0;
            }
        }
        final StringBuilder kept0 = new StringBuilder();
        final long t0 = last.windowFrom();
        for (int i = 0; i < n; i++)
        {
            if (keep[i] && ops.get(i).kind() == Kind.GET && kept <= 10)
            {
                kept0.append("  read kept: ").append(ops.get(i).describe(t0)).append('\n');
            }
        }
        return new Result(key, Outcome.VIOLATION, n, dropped, found.steps(), "witness: every write and " + kept
            + " of the " + reads + " reads" + (complete ? " (without any one of these reads the search finds no "
                + "violation)" : " (shrinking stopped at its time limit)") + "\n" + kept0 + last.window());
    }

    /** @return the search that found the sub-history of the kept ops a violation, or null if it did not. */
    private static Search violates(final String key, final List<Op> ops, final List<Long> deadlines,
        final boolean[] keep, final Budget budget)
    {
        final List<Op> sub = new ArrayList<>();
        final List<Long> subDeadlines = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++)
        {
            if (keep[i])
            {
                sub.add(ops.get(i));
                subDeadlines.add(deadlines.get(i));
            }
        }
        final Search s = new Search(key, sub, subDeadlines, 0, new Budget(budget.maxOps(), 1_000_000_000L));
        return s.run().outcome() == Outcome.VIOLATION ? s : null;
    }

    /**
     * Wing &amp; Gong / Lowe over one key, on a doubly linked list of call and return events of the determinate ops.
     * The optional ops (indeterminate deletes whose absence a read may have seen) are not in the list: any
     * linearization that applies one can move it later, up to the op after it, and drop it if that op is a write (no
     * read saw it) or if another delete follows; so without loss each applied one sits immediately before an absent
     * read. An absent read tried while the register holds a value is therefore linearized together with an unused
     * optional delete invoked before the first pending return (so before the point), if there is one; all such
     * deletes are alike from then on (each stays usable), so the earliest invoked is taken, without branching. The
     * memo key is the set of ops used with the state, which is all the rest of the search depends on.
     */
    private static final class Search
    {
        private final String key;
        private final List<Op> ops;
        private final long[] deadline;
        private final boolean[] optional;
        private final int dropped;
        private final Budget budget;
        // Events: 2i = call of op i, 2i + 1 = its return. Node n = event index + 1; node 0 is the head.
        private final int[] next;
        private final int[] prev;
        private int deepest = -1;
        private BitSet deepestSet = new BitSet();
        private String deepestState;
        private int deepestStuck = -1;

        /** A linearized op, the optional delete used just before it (-1: none), the register's state before. */
        private record Frame(int op, int delete, String before)
        {
        }

        private record Visited(BitSet decided, String state)
        {
        }

        Search(final String key, final List<Op> ops, final List<Long> deadlines, final int dropped,
            final Budget budget)
        {
            this.key = key;
            this.ops = ops;
            this.dropped = dropped;
            this.budget = budget;
            final int n = ops.size();
            deadline = new long[n];
            optional = new boolean[n];
            final List<Integer> events = new ArrayList<>();
            for (int i = 0; i < n; i++)
            {
                deadline[i] = deadlines.get(i);
                optional[i] = deadline[i] == NEVER;
                if (!optional[i])
                {
                    events.add(2 * i);
                    events.add(2 * i + 1);
                }
            }
            // Time order; at equal times calls first (touching operations count as concurrent).
            events.sort(Comparator.<Integer>comparingLong(this::time).thenComparingInt(e -> e & 1)
                .thenComparingInt(e -> e));
            next = new int[2 * n + 1];
            prev = new int[2 * n + 1];
            int last = 0;
            for (final int e : events)
            {
                next[last] = e + 1;
                prev[e + 1] = last;
                last = e + 1;
            }
            next[last] = -1;
        }

        private long time(final int event)
        {
            return (event & 1) == 0 ? ops.get(event >> 1).invoke() : deadline[event >> 1];
        }

        private void lift(final int op)
        {
            for (final int node : new int[] {2 * op + 1, 2 * op + 2})
            {
                next[prev[node]] = next[node];
                if (next[node] != -1)
                {
                    prev[next[node]] = prev[node];
                }
            }
        }

        private void unlift(final int op)
        {
            for (final int node : new int[] {2 * op + 2, 2 * op + 1})
            {
                next[prev[node]] = node;
                if (next[node] != -1)
                {
                    prev[next[node]] = node;
                }
            }
        }

        /**
         * @return the earliest-invoked unused optional delete invoked no later than the first return event after
         *         {@code node} (a call event), or -1.
         */
        private int optionalDeleteBefore(final int node, final BitSet decided)
        {
            long bound = NEVER;
            for (int m = next[node]; m != -1; m = next[m])
            {
                if (((m - 1) & 1) == 1)
                {
                    bound = time(m - 1);
                    break;
                }
            }
            // ops are in invoke order
            for (int i = 0; i < ops.size() && ops.get(i).invoke() <= bound; i++)
            {
                if (optional[i] && !decided.get(i))
                {
                    return i;
                }
            }
            return -1;
        }

        Result run()
        {
            final int n = ops.size();
            final long deadlineNanos = System.nanoTime() + budget.nanos();
            final Set<Visited> cache = new HashSet<>();
            final Deque<Frame> stack = new ArrayDeque<>();
            final BitSet decided = new BitSet(n);
            String state = null; // absent
            long steps = 0;
            int node = next[0];
            while (true)
            {
                if (node == -1)
                {
                    // every determinate op linearized; unused optional deletes never applied
                    return new Result(key, Outcome.LINEARIZABLE, n, dropped, steps, "");
                }
                if ((++steps & 1023) == 0 && System.nanoTime() > deadlineNanos)
                {
                    return new Result(key, Outcome.UNKNOWN, n, dropped, steps, "budget: the search ran out of its "
                        + budget.nanos() / 1_000_000 + " ms after " + steps + " steps (" + cache.size()
                        + " configurations visited, deepest " + deepest + " of " + n + " ops decided)");
                }
                final int event = node - 1;
                final int op = event >> 1;
                if ((event & 1) == 0)
                {
                    final Op o = ops.get(op);
                    final String after;
                    boolean ok = true;
                    int delete = -1;
                    switch (o.kind())
                    {
                        case PUT -> after = o.value();
                        case DELETE -> after = null;
                        default ->
                        {
                            after = o.value();
                            ok = Objects.equals(state, o.value());
                            if (!ok && o.value() == null)
                            {
                                delete = optionalDeleteBefore(node, decided);
                                ok = delete != -1;
                            }
                        }
                    }
                    if (ok)
                    {
                        final BitSet with = (BitSet) decided.clone();
                        with.set(op);
                        if (delete != -1)
                        {
                            with.set(delete);
                        }
                        if (cache.add(new Visited(with, after)))
                        {
                            stack.push(new Frame(op, delete, state));
                            decided.set(op);
                            if (delete != -1)
                            {
                                decided.set(delete);
                            }
                            state = after;
                            lift(op);
                            node = next[0];
                            continue;
                        }
                    }
                    node = next[node];
                    continue;
                }
                // The return of an op not linearized: this prefix cannot be extended.
                if (decided.cardinality() > deepest)
                {
                    deepest = decided.cardinality();
                    deepestSet = (BitSet) decided.clone();
                    deepestState = state;
                    deepestStuck = op;
                }
                if (stack.isEmpty())
                {
                    return new Result(key, Outcome.VIOLATION, n, dropped, steps, window());
                }
                final Frame f = stack.pop();
                state = f.before();
                decided.clear(f.op());
                if (f.delete() != -1)
                {
                    decided.clear(f.delete());
                }
                unlift(f.op());
                node = next[2 * f.op() + 1];
            }
        }

        /**
         * The ops around the point where the deepest partial linearization got stuck: the op whose return came before
         * it could be linearized, every op overlapping it in real time, and the last few writes completed before it
         * (what the register could hold), in invoke order, marked {@code *} if the deepest prefix decided them.
         */
        /** @return whether op i is in the window {@link #window()} shows (after a violation). */
        boolean inWindow(final int i)
        {
            final long from = windowFrom();
            final Op o = ops.get(i);
            return i == deepestStuck
                || o.invoke() <= deadline[deepestStuck] && deadline[i] >= from && (!optional[i] || o.invoke() >= from);
        }

        private long windowFrom()
        {
            final Op stuck = ops.get(deepestStuck);
            long from = stuck.invoke();
            int writesBefore = 0;
            for (int i = ops.size() - 1; i >= 0 && writesBefore < 3; i--)
            {
                final Op o = ops.get(i);
                if (o.write() && deadline[i] < stuck.invoke())
                {
                    from = Math.min(from, o.invoke());
                    writesBefore++;
                }
            }
            return from;
        }

        private String window()
        {
            final Op stuck = ops.get(deepestStuck);
            final long from = windowFrom();
            final long t0 = from;
            final StringBuilder b = new StringBuilder();
            b.append("stuck at op ").append(stuck.describe(t0)).append(": its ")
                .append(stuck.indeterminate() ? "deadline (the last read of its value)" : "return")
                .append(" came before it could be linearized; the deepest prefix decided ").append(deepest)
                .append(" of ").append(ops.size()).append(" ops, register then ")
                .append(deepestState == null ? "absent" : deepestState).append(" (times relative to the window)\n");
            int shown = 0;
            for (int i = 0; i < ops.size(); i++)
            {
                final Op o = ops.get(i);
                if (inWindow(i))
                {
                    if (shown++ == 60)
                    {
                        b.append("  ... (window cut at 60 ops)\n");
                        break;
                    }
                    b.append(i == deepestStuck ? "  > " : deepestSet.get(i) ? "  * " : "    ")
                        .append(o.describe(t0)).append('\n');
                }
            }
            return b.toString();
        }
    }
}
