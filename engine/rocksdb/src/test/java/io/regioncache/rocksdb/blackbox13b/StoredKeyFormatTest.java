package io.regioncache.rocksdb.blackbox13b;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksIterator;

import io.regioncache.WriteBatch;
import io.regioncache.rocksdb.RocksDbBackingStore;

/**
 * Audit 13b, README 1104-1106: "The stored key is the user key in TiKV's memcomparable encoding, followed by the
 * bitwise NOT of the version, so newer versions sort first. Deletes are tombstones." Checked on the raw RocksDB keys
 * against an independent implementation of TiKV's encoding (groups of 8 bytes, zero padded, marker 0xFF - pad).
 */
class StoredKeyFormatTest
{
    static byte[] tikv(final byte[] key, final long version)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (true)
        {
            final int remain = key.length - i;
            if (remain >= 8)
            {
                out.write(key, i, 8);
                out.write(0xFF);
                i += 8;
                continue;
            }
            out.write(key, i, remain);
            for (int p = 0; p < 8 - remain; p++)
            {
                out.write(0);
            }
            out.write(0xFF - (8 - remain));
            break;
        }
        out.writeBytes(ByteBuffer.allocate(8).putLong(~version).array());
        return out.toByteArray();
    }

    @Test
    void rawKeysAreMemcomparablePlusNotVersionAndDeletesAreTombstones(@TempDir final Path dir)
    {
        final byte[][] keys = {{1}, "abc".getBytes(), "abcdefgh".getBytes(), "abcdefghi".getBytes(), new byte[16],
            {(byte)0xff, (byte)0xff}};
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
        {
            final List<byte[]> expected = new ArrayList<>();
            for (final byte[] k : keys)
            {
                store.applyBatch(new WriteBatch(1, 1, 5).put(k, "v5".getBytes()));
                store.applyBatch(new WriteBatch(1, 1, 9).put(k, "v9".getBytes()));
                store.applyBatch(new WriteBatch(1, 1, 12).delete(k));
                expected.add(tikv(k, 12));
                expected.add(tikv(k, 9));
                expected.add(tikv(k, 5));
            }
            expected.sort(Arrays::compareUnsigned);
            final List<byte[]> raw = new ArrayList<>();
            try (RocksIterator it = store.db().newIterator())
            {
                for (it.seekToFirst(); it.isValid(); it.next())
                {
                    raw.add(it.key());
                }
            }
            assertEquals(expected.size(), raw.size(), "three entries per key: two puts and a tombstone");
            for (int i = 0; i < raw.size(); i++)
            {
                assertArrayEquals(expected.get(i), raw.get(i), "entry " + i);
            }
        }
    }
}
