package io.regioncache.internal.table;

/**
 * Decides, for each new hash-index generation of a table (the first one, a bulk build after a load or a compaction,
 * each growth), whether it gets the 128-byte entry column beside its 8-byte slots.
 * <p>
 * The entries make a point get one memory miss instead of two, but cost about 17 times the index's memory. When the
 * budget is what limits the hit ratio, that memory holds more data as nodes and slots (about 2.4 times the keys
 * with 100-byte values), so the engine's gate refuses entries under memory pressure and the generation is built
 * slots-only: reads stay exact (they go from the slot to the node), only slower. A later generation asks again.
 * <p>
 * Called by the table's writer (the apply thread, a loader or a compaction thread): implementations must be
 * thread-safe and must not block.
 */
public interface EntryGate
{
    /** Entries whenever the pool grants them (a table outside an engine, tests). */
    EntryGate ALWAYS = new EntryGate()
    {
        @Override
        public boolean allowEntries(final long entryBytes)
        {
            return true;
        }
    };

    /**
     * @param entryBytes bytes the entry column of the new generation would take from the pool.
     * @return true to try to allocate it; false to build the generation slots-only.
     */
    boolean allowEntries(long entryBytes);

    /**
     * The gate allowed entries but the pool refused them (the hard cap): the generation is slots-only anyway.
     *
     * @param entryBytes bytes asked for.
     */
    default void onPoolRefused(final long entryBytes)
    {
    }
}
