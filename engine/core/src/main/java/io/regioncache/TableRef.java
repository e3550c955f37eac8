package io.regioncache;

import io.regioncache.internal.table.MvccTable;

/**
 * A table and the number of region records that use it (children of a split share their parent's table).
 * <p>
 * Apply thread only: records are created and unlinked on the apply thread, so the count needs no atomics. Readers
 * never touch it: they keep a table alive by pinning a record, and a record drops its reference only when its pins
 * have drained.
 */
final class TableRef
{
    private final MvccTable table;
    private int records;

    /**
     * @param table a table with no users yet.
     */
    public TableRef(final MvccTable table)
    {
        this.table = table;
    }

    /** @return the table. */
    public MvccTable table()
    {
        return table;
    }

    /** Apply thread: one more record uses the table. */
    public void retain()
    {
        records++;
    }

    /**
     * Apply thread: one record stopped using the table; frees it when it was the last.
     *
     * @return true if the table was freed.
     */
    public boolean release()
    {
        if (--records == 0)
        {
            table.free();
            return true;
        }
        return false;
    }

    /** @return records using the table. */
    public int records()
    {
        return records;
    }
}
