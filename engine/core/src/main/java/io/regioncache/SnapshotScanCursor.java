package io.regioncache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;


/**
 * The fallback {@link StoreCursor} of {@link BackingStore#newCursor}: scans a snapshot of the range once, keeps for
 * each key its newest version at or below the read version (dropping tombstones), then steps through that list.
 * It allocates per key, so stores with a native cursor (RocksDB, LMDB) override {@code newCursor}.
 */
final class SnapshotScanCursor extends ViewStoreCursor
{
    private final List<byte[][]> entries;
    private final long[] versions;
    private int position = -1;

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
        if (position + 1 >= entries.size())
        {
            position = entries.size();
            return false;
        }
        position++;
        final byte[][] e = entries.get(position);
        expose(e[0], e[1], 0, e[1].length, versions[position]);
        return true;
    }

    @Override
    public void close()
    {
        position = entries.size();
    }
}
