package io.regioncache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;


/**
 * The fallback {@link StoreCursor} of {@link BackingStore#newCursor}: scans a snapshot of the range once, keeps for
 * each key its newest version at or below the read version (dropping tombstones), then steps and binary-searches that list.
 * It allocates per key, so stores with a native cursor (RocksDB, LMDB) override {@code newCursor}.
 */
final class SnapshotScanCursor extends ViewStoreCursor
{
    private final List<byte[][]> entries;
    private final long[] versions;
    private static final int UNSTARTED = -1;
    /** Moved off either end (or closed): steps stay off until a seek. */
    private static final int OFF = -2;
    private int position = UNSTARTED;
    /** Set by {@link #close}: a move after it throws {@link StoreException}, as on the stores' own cursors. */
    private boolean closed;

    private SnapshotScanCursor(final List<byte[][]> entries, final long[] versions)
    {
        this.entries = entries;
        this.versions = versions;
    }

    static SnapshotScanCursor scan(
        final BackingStore store, final byte[] lower, final byte[] upper, final long readVersion)
    {
        final List<byte[][]> entries = new ArrayList<>();
        final long[][] versions = {new long[16]};
        final byte[][] lastKey = {null};
        try (BackingSnapshot snapshot = store.openSnapshot())
        {
            snapshot.scan(lower == null ? new byte[0] : lower, upper == null ? new byte[0] : upper,
                (key, keyOffset, keyLength, version, value, valueOffset, valueLength) ->
                {
                    if (version > readVersion)
                    {
                        return true;
                    }
                    final byte[] k = new byte[keyLength];
                    key.getBytes(keyOffset, k);
                    if (lastKey[0] != null && Arrays.equals(lastKey[0], k))
                    {
                        return true; // an older version of a key already decided
                    }
                    lastKey[0] = k;
                    if (value == null)
                    {
                        return true; // newest visible version is a tombstone
                    }
                    final byte[] v = new byte[valueLength];
                    value.getBytes(valueOffset, v);
                    if (entries.size() == versions[0].length)
                    {
                        versions[0] = Arrays.copyOf(versions[0], versions[0].length * 2);
                    }
                    versions[0][entries.size()] = version;
                    entries.add(new byte[][] {k, v});
                    return true;
                });
        }
        return new SnapshotScanCursor(entries, versions[0]);
    }

    @Override
    public boolean next()
    {
        return moveTo(position == UNSTARTED ? 0 : position == OFF ? OFF : position + 1);
    }

    @Override
    public boolean prev()
    {
        return moveTo(position == UNSTARTED ? entries.size() - 1 : position == OFF ? OFF : position - 1);
    }

    @Override
    public boolean seekToFirst()
    {
        return moveTo(0);
    }

    @Override
    public boolean seekToLast()
    {
        return moveTo(entries.size() - 1);
    }

    @Override
    public boolean seek(final byte[] key)
    {
        final int i = search(key);
        return moveTo(i >= 0 ? i : -i - 1);
    }

    @Override
    public boolean seekForPrev(final byte[] key)
    {
        final int i = search(key);
        return moveTo(i >= 0 ? i : -i - 2);
    }

    /** @return as {@link java.util.Collections#binarySearch}: the index of {@code key}, or -(insertion point) - 1. */
    private int search(final byte[] key)
    {
        int low = 0;
        int high = entries.size() - 1;
        while (low <= high)
        {
            final int mid = (low + high) >>> 1;
            final int c = Arrays.compareUnsigned(entries.get(mid)[0], key);
            if (c < 0)
            {
                low = mid + 1;
            }
            else if (c > 0)
            {
                high = mid - 1;
            }
            else
            {
                return mid;
            }
        }
        return -low - 1;
    }

    private boolean moveTo(final int index)
    {
        if (closed)
        {
            throw new StoreException("cursor is closed");
        }
        if (index < 0 || index >= entries.size())
        {
            position = OFF;
            return false;
        }
        position = index;
        final byte[][] e = entries.get(index);
        expose(e[0], e[1], 0, e[1].length, versions[index]);
        return true;
    }

    @Override
    public void close()
    {
        closed = true;
        position = OFF;
    }
}
