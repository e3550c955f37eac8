package io.regioncache;

/**
 * Pack and unpack helpers for the one {@code long} that holds a region record's mutable state.
 * <pre>
 *  63                 40 39                                  8 7      4 3      0
 *  +--------------------+-------------------------------------+--------+--------+
 *  |     pins (24)      |         epoch version (32)          | flags  | state  |
 *  +--------------------+-------------------------------------+--------+--------+
 * </pre>
 * <ul>
 *   <li><b>state</b>: {@link RegionState#ordinal()}.</li>
 *   <li><b>flags</b>: {@link #FLAG_KEEP_CACHED} (the host keeps the region cached: policy eviction skips it; not a snapshot pin),
 *   {@link #FLAG_HISTORICAL} (a retired record still pinned by snapshots; GC must not drop what it covers).</li>
 *   <li><b>epoch version</b>: the region epoch version this record was created for, as an unsigned 32-bit value.
 *   Carrying it in the word lets a reader check "ACTIVE at my epoch" and pin in the same CAS.</li>
 *   <li><b>pins</b>: reserved, always 0: reader pins moved off this word into the record's striped cells
 *   ({@link RegionRecord#pinCount()}), so that readers of one region do not all write this word's cache line.</li>
 * </ul>
 * Every change of the word is one compare-and-set from an exact expected word (see {@link RegionRecord}); these
 * helpers are pure functions of a word value and never touch memory.
 */
final class StateWord
{
    /** Bits of the state field. */
    public static final int STATE_BITS = 4;
    /** Bits of the flags field. */
    public static final int FLAGS_BITS = 4;
    /** Bits of the epoch-version field. */
    public static final int EPOCH_BITS = 32;
    /** Bits of the pin count. */
    public static final int PINS_BITS = 24;

    static final int FLAGS_SHIFT = STATE_BITS;
    static final int EPOCH_SHIFT = FLAGS_SHIFT + FLAGS_BITS;
    static final int PINS_SHIFT = EPOCH_SHIFT + EPOCH_BITS;

    static final long STATE_MASK = (1L << STATE_BITS) - 1;
    static final long FLAGS_MASK = (1L << FLAGS_BITS) - 1;
    static final long EPOCH_MASK = (1L << EPOCH_BITS) - 1;

    /** Largest pin count a word can hold; a pin that would exceed it is refused (never wraps). */
    public static final int MAX_PINS = (1 << PINS_BITS) - 1;
    /** Largest epoch version a record can carry. */
    public static final long MAX_EPOCH_VERSION = EPOCH_MASK;

    /** The host pinned this region in the cache: the eviction policy skips it. */
    public static final int FLAG_KEEP_CACHED = 0x1;
    /** A retired record that snapshots still pin: it caps GC of what it covers. */
    public static final int FLAG_HISTORICAL = 0x2;
    /**
     * Set by the apply thread (one CAS, state still ACTIVE) to close a record to new pins before it counts them;
     * cleared by the CAS that then moves the record out of ACTIVE (see {@link RegionRecord#closeAndEvict}).
     */
    public static final int FLAG_CLOSING = 0x4;

    /** One pin, in word units. */
    public static final long ONE_PIN = 1L << PINS_SHIFT;

    private StateWord()
    {
    }

    /**
     * Pack the fields into a word.
     *
     * @param state        region state.
     * @param flags        flag bits (low 4 bits used).
     * @param epochVersion epoch version, 0..{@link #MAX_EPOCH_VERSION}.
     * @param pins         pin count, 0..{@link #MAX_PINS}.
     * @return the packed word.
     */
    public static long pack(final RegionState state, final int flags, final long epochVersion, final int pins)
    {
        return ((long)pins << PINS_SHIFT) |
            ((epochVersion & EPOCH_MASK) << EPOCH_SHIFT) |
            ((flags & FLAGS_MASK) << FLAGS_SHIFT) |
            state.ordinal();
    }

    /**
     * @param word a state word.
     * @return its state.
     */
    public static RegionState state(final long word)
    {
        return RegionState.fromCode((int)(word & STATE_MASK));
    }

    /**
     * @param word a state word.
     * @return its raw 4-bit state code (the state's ordinal).
     */
    public static int stateCode(final long word)
    {
        return (int)(word & STATE_MASK);
    }

    /**
     * @param word a state word.
     * @return its flag bits.
     */
    public static int flags(final long word)
    {
        return (int)((word >>> FLAGS_SHIFT) & FLAGS_MASK);
    }

    /**
     * @param word a state word.
     * @return its epoch version (unsigned 32-bit).
     */
    public static long epochVersion(final long word)
    {
        return (word >>> EPOCH_SHIFT) & EPOCH_MASK;
    }

    /**
     * @param word a state word.
     * @return its pin count.
     */
    public static int pins(final long word)
    {
        return (int)(word >>> PINS_SHIFT);
    }

    /**
     * The same word with another state; flags, epoch and pins unchanged.
     *
     * @param word  a state word.
     * @param state the new state.
     * @return the new word.
     */
    public static long withState(final long word, final RegionState state)
    {
        return (word & ~STATE_MASK) | state.ordinal();
    }

    /**
     * The same word with flag bits set.
     *
     * @param word  a state word.
     * @param flags bits to set.
     * @return the new word.
     */
    public static long withFlags(final long word, final int flags)
    {
        return word | ((flags & FLAGS_MASK) << FLAGS_SHIFT);
    }

    /**
     * The same word with flag bits cleared.
     *
     * @param word  a state word.
     * @param flags bits to clear.
     * @return the new word.
     */
    public static long withoutFlags(final long word, final int flags)
    {
        return word & ~((flags & FLAGS_MASK) << FLAGS_SHIFT);
    }

    /**
     * Render a word for logs: {@code ACTIVE(epoch=7,pins=2,flags=0x1)}.
     *
     * @param word a state word.
     * @return a readable form.
     */
    public static String toString(final long word)
    {
        return state(word) + "(epoch=" + epochVersion(word) + ",pins=" + pins(word) +
            ",flags=0x" + Integer.toHexString(flags(word)) + ")";
    }
}
