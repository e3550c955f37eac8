package io.regioncache;

import java.util.concurrent.atomic.AtomicLongArray;

import static io.regioncache.RegionState.ACTIVE;
import static io.regioncache.RegionState.EVICTING;
import static io.regioncache.RegionState.GONE;
import static io.regioncache.RegionState.LOADING;
import static io.regioncache.RegionState.LOADING_CANCELED;
import static io.regioncache.RegionState.PENDING;
import static io.regioncache.RegionState.PENDING_EVICT;
import static io.regioncache.RegionState.RETIRED;

/**
 * The legal moves between {@link RegionState}s, as data in one place (README, "How it works"), and the per
 * {@code from→to} counters of moves made and moves refused.
 * <pre>
 *  from              to                who     when
 *  (new)             PENDING           apply   load requested
 *  (new)             ACTIVE            apply   brand-new empty region created
 *  (new)             PENDING/LOADING/ACTIVE    apply   child of a split (inherits the source's state)
 *  PENDING           LOADING           apply   loader takes the backing-store snapshot
 *  PENDING           GONE              apply   evicted before loading started
 *  LOADING           ACTIVE            apply   loaded table installed, buffered writes replayed
 *  LOADING           LOADING_CANCELED  apply   evicted while loading
 *  LOADING           EVICTING          apply   load failed (memory, store error)
 *  LOADING_CANCELED  EVICTING          apply   loader finished or gave up
 *  ACTIVE            PENDING_EVICT     apply   evict requested, pins &gt; 0
 *  ACTIVE            EVICTING          apply   evict requested, pins == 0
 *  PENDING_EVICT     EVICTING          reader  the unpin that drops pins to 0, in the same CAS
 *  PENDING|LOADING|ACTIVE  RETIRED     apply   split applied, or a compaction swapped in a new record
 *  EVICTING|RETIRED  GONE              apply   pins == 0: table reference dropped, record unlinked
 * </pre>
 * Anything else is refused: the caller gets {@code false} from {@link RegionRecord#casState}, the refusal is
 * counted here and the caller turns it into a typed result. Counters are atomic because the reader-side unpin
 * also records a move; they sit off the read fast path (pin and unpin of an ACTIVE record count nothing).
 */
final class Transitions
{
    private static final int N = RegionState.count();
    /** Row index used for records that did not exist before ("(new)"). */
    public static final int NEW = N;
    private static final boolean[][] LEGAL = new boolean[N + 1][N];

    static
    {
        allow(NEW, PENDING);
        allow(NEW, LOADING);
        allow(NEW, ACTIVE);
        allow(PENDING.ordinal(), LOADING);
        allow(PENDING.ordinal(), GONE);
        allow(PENDING.ordinal(), RETIRED);
        allow(LOADING.ordinal(), ACTIVE);
        allow(LOADING.ordinal(), LOADING_CANCELED);
        allow(LOADING.ordinal(), EVICTING);
        allow(LOADING.ordinal(), RETIRED);
        allow(LOADING_CANCELED.ordinal(), EVICTING);
        allow(ACTIVE.ordinal(), PENDING_EVICT);
        allow(ACTIVE.ordinal(), EVICTING);
        allow(ACTIVE.ordinal(), RETIRED);
        allow(PENDING_EVICT.ordinal(), EVICTING);
        allow(EVICTING.ordinal(), GONE);
        allow(RETIRED.ordinal(), GONE);
    }

    private static void allow(final int from, final RegionState to)
    {
        LEGAL[from][to.ordinal()] = true;
    }

    private final AtomicLongArray made = new AtomicLongArray((N + 1) * N);
    private final AtomicLongArray refused = new AtomicLongArray((N + 1) * N);

    /**
     * Is {@code from → to} a legal move?
     *
     * @param from current state.
     * @param to   wanted state.
     * @return true if the table allows it.
     */
    public static boolean isLegal(final RegionState from, final RegionState to)
    {
        return LEGAL[from.ordinal()][to.ordinal()];
    }

    /**
     * Is creating a record directly in {@code to} legal?
     *
     * @param to the state of the new record.
     * @return true if allowed.
     */
    public static boolean isLegalCreation(final RegionState to)
    {
        return LEGAL[NEW][to.ordinal()];
    }

    void recordMade(final int from, final RegionState to)
    {
        made.getAndIncrement(from * N + to.ordinal());
    }

    void recordRefused(final int from, final RegionState to)
    {
        refused.getAndIncrement(from * N + to.ordinal());
    }

    /**
     * Count a move made.
     *
     * @param from the state left.
     * @param to   the state entered.
     */
    public void recordMade(final RegionState from, final RegionState to)
    {
        recordMade(from.ordinal(), to);
    }

    /**
     * Count a record created directly in a state.
     *
     * @param to its initial state.
     */
    public void recordCreated(final RegionState to)
    {
        recordMade(NEW, to);
    }

    /**
     * Count a move refused (illegal, or met an unexpected state).
     *
     * @param from the state met.
     * @param to   the state wanted.
     */
    public void recordRefused(final RegionState from, final RegionState to)
    {
        recordRefused(from.ordinal(), to);
    }

    /**
     * @param from the state left, or null for "(new)".
     * @param to   the state entered.
     * @return moves made from→to so far.
     */
    public long made(final RegionState from, final RegionState to)
    {
        return made.get((from == null ? NEW : from.ordinal()) * N + to.ordinal());
    }

    /**
     * @param from the state met, or null for "(new)".
     * @param to   the state wanted.
     * @return moves refused from→to so far.
     */
    public long refused(final RegionState from, final RegionState to)
    {
        return refused.get((from == null ? NEW : from.ordinal()) * N + to.ordinal());
    }

    /**
     * @return the sum of all refused moves.
     */
    public long totalRefused()
    {
        long sum = 0;
        for (int i = 0; i < refused.length(); i++)
        {
            sum += refused.get(i);
        }
        return sum;
    }

    /**
     * Visit every non-zero counter.
     *
     * @param visitor receives (from or null for new, to, made, refused).
     */
    public void forEach(final Visitor visitor)
    {
        final RegionState[] states = RegionState.values();
        for (int from = 0; from <= N; from++)
        {
            for (int to = 0; to < N; to++)
            {
                final long m = made.get(from * N + to);
                final long r = refused.get(from * N + to);
                if (m != 0 || r != 0)
                {
                    visitor.onCounter(from == NEW ? null : states[from], states[to], m, r);
                }
            }
        }
    }

    /**
     * Receives one from→to counter pair.
     */
    @FunctionalInterface
    public interface Visitor
    {
        /**
         * @param from    the state left, null for a new record.
         * @param to      the state entered.
         * @param made    moves made.
         * @param refused moves refused.
         */
        void onCounter(RegionState from, RegionState to, long made, long refused);
    }
}
