package io.regioncache.rocksdb;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import io.regioncache.store.MvccKeyCodec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link GcWriteBatch} encodes exactly what RocksDB's own {@link WriteBatch} encodes for the same deletes (byte for
 * byte, keys of every length class of the varint, version ranges included), and applying it removes exactly those
 * entries.
 */
class GcWriteBatchTest
{
    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void encodesWhatRocksDbEncodes(final long seed) throws Exception
    {
        RocksDB.loadLibrary();
        final Random rnd = new Random(seed);
        System.out.println("GcWriteBatchTest seed " + seed);
        final GcWriteBatch ours = new GcWriteBatch();
        try (WriteBatch theirs = new WriteBatch())
        {
            for (int i = 0; i < 2_000; i++)
            {
                // Lengths across the varint's one- and two-byte forms, and a key past the initial buffer.
                final int length = i == 1_000 ? 70_000 : 1 + rnd.nextInt(rnd.nextBoolean() ? 127 : 400);
                final byte[] encoded = bytes(rnd, length);
                final long version = rnd.nextLong() & Long.MAX_VALUE; // versions are never negative
                switch (rnd.nextInt(5))
                {
                    case 4 ->
                    {
                        final long oldest = rnd.nextLong() & Long.MAX_VALUE;
                        final byte[] end = java.util.Arrays.copyOf(stored(encoded, oldest), length + 9); // + a 0 byte
                        ours.deleteVersions(encoded, version, oldest);
                        theirs.deleteRange(stored(encoded, version), end);
                    }
                    case 0 ->
                    {
                        ours.deleteVersion(encoded, version);
                        theirs.delete(stored(encoded, version));
                    }
                    case 1 ->
                    {
                        final byte[] k = bytes(rnd, length);
                        ours.delete(k, k.length);
                        theirs.delete(k);
                    }
                    case 2 ->
                    {
                        final ByteBuffer direct = ByteBuffer.allocateDirect(length + 3);
                        final byte[] k = bytes(rnd, length);
                        direct.put(k);
                        ours.delete(new UnsafeBuffer(direct), length);
                        theirs.delete(k);
                    }
                    default ->
                    {
                        final byte[] begin = bytes(rnd, length);
                        final byte[] end = bytes(rnd, 1 + rnd.nextInt(200));
                        ours.deleteRange(begin, end);
                        theirs.deleteRange(begin, end);
                    }
                }
            }
            assertEquals(theirs.count(), ours.count());
            assertArrayEquals(theirs.data(), ours.encoded());
        }
    }

    @Test
    void writeDeletesExactlyTheEncodedEntries() throws Exception
    {
        RocksDB.loadLibrary();
        try (Options options = new Options().setCreateIfMissing(true);
             RocksDB db = RocksDB.open(options, dir.toString());
             WriteOptions wo = new WriteOptions())
        {
            final byte[] a = MvccKeyCodec.encodeKey(new byte[] {1, 2, 3});
            final byte[] b = MvccKeyCodec.encodeKey(new byte[] {4});
            final List<byte[]> expected = new ArrayList<>();
            for (long v = 1; v <= 20; v++)
            {
                db.put(stored(a, v), new byte[] {MvccKeyCodec.FLAG_PUT});
                db.put(stored(b, v), new byte[] {MvccKeyCodec.FLAG_PUT});
            }
            final GcWriteBatch gb = new GcWriteBatch();
            gb.deleteVersion(a, 3);                          // one version of a
            gb.delete(stored(a, 5), stored(a, 5).length);     // another, from a whole stored key
            gb.deleteRange(stored(b, 10), stored(b, 4));      // b's versions 10..5 (newest sorts first)
            gb.deleteVersions(a, 18, 15);                     // a's versions 18..15
            gb.write(db, wo);
            assertEquals(0, gb.count());
            for (long v = 20; v >= 1; v--)
            {
                if (v != 3 && v != 5 && (v > 18 || v < 15))
                {
                    expected.add(stored(a, v));
                }
            }
            for (long v = 20; v >= 1; v--)
            {
                if (v > 10 || v < 5)
                {
                    expected.add(stored(b, v));
                }
            }
            final List<byte[]> left = new ArrayList<>();
            try (RocksIterator it = db.newIterator())
            {
                for (it.seekToFirst(); it.isValid(); it.next())
                {
                    left.add(it.key());
                }
            }
            assertEquals(expected.size(), left.size());
            for (int i = 0; i < left.size(); i++)
            {
                assertArrayEquals(expected.get(i), left.get(i), "entry " + i);
            }
            gb.deleteVersion(a, 7); // reused after a write: only the new delete is applied
            gb.write(db, wo);
            assertEquals(null, db.get(stored(a, 7)));
            assertArrayEquals(new byte[] {MvccKeyCodec.FLAG_PUT}, db.get(stored(a, 8)));
        }
    }

    private static byte[] stored(final byte[] encoded, final long version)
    {
        final byte[] k = new byte[encoded.length + MvccKeyCodec.VERSION_LENGTH];
        System.arraycopy(encoded, 0, k, 0, encoded.length);
        MvccKeyCodec.putVersion(new UnsafeBuffer(k), encoded.length, version);
        return k;
    }

    private static byte[] bytes(final Random rnd, final int length)
    {
        final byte[] b = new byte[length];
        rnd.nextBytes(b);
        return b;
    }
}
