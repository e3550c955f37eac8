package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;

import io.regioncache.rocksdb.RocksDbBackingStore;

/**
 * {@link RangeSst#replace} on a good and on a damaged SST, with no MD5 file in play: the replace deletes the range
 * before it ingests, so a damaged file must be refused before anything is deleted (the block checksums, verified by
 * {@code SstFileReader}), or the range's data is lost on that node.
 */
class RangeSstTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aGoodSstReplacesExactlyItsRange(@TempDir final Path dir) throws Exception
    {
        final Path sst = dir.resolve("data.sst");
        try (RocksDbBackingStore from = RocksDbBackingStore.open(dir.resolve("from")))
        {
            from.put(b("b1"), 5, b("new"));
            from.put(b("z"), 5, b("outside"));
            assertEquals(1, RangeSst.export(from.db(), b("b"), b("c"), sst));
        }
        try (RocksDbBackingStore to = RocksDbBackingStore.open(dir.resolve("to")))
        {
            to.put(b("a"), 1, b("left"));
            to.put(b("b2"), 1, b("gone"));
            to.put(b("c"), 1, b("right"));
            RangeSst.replace(to.db(), b("b"), b("c"), sst);
            assertArrayEquals(b("left"), to.get(b("a"), 10));
            assertArrayEquals(b("new"), to.get(b("b1"), 10));
            assertNull(to.get(b("b2"), 10), "the range holds exactly what the SST holds");
            assertArrayEquals(b("right"), to.get(b("c"), 10));
            assertNull(to.get(b("z"), 10));
        }
    }

    @Test
    void aDamagedSstIsRefusedBeforeTheRangeIsDeleted(@TempDir final Path dir) throws Exception
    {
        final Path sst = dir.resolve("data.sst");
        try (RocksDbBackingStore from = RocksDbBackingStore.open(dir.resolve("from")))
        {
            for (int i = 0; i < 100; i++)
            {
                from.put(b(String.format("k%03d", i)), 5, b("value-" + i));
            }
            assertEquals(100, RangeSst.export(from.db(), b("k"), b("l"), sst));
        }
        final byte[] good = Files.readAllBytes(sst);
        for (final int at : new int[] {24, good.length / 3})
        {
            final byte[] bad = good.clone();
            bad[at] ^= 0x01; // inside the data block (the footer intact: the file still opens)
            Files.write(sst, bad);
            checkRefusedAndKept(dir.resolve("to-" + at), sst);
        }
        Files.write(sst, Arrays.copyOf(good, good.length / 2)); // torn: no footer
        checkRefusedAndKept(dir.resolve("to-torn"), sst);
    }

    private static void checkRefusedAndKept(final Path db, final Path sst) throws Exception
    {
        try (RocksDbBackingStore to = RocksDbBackingStore.open(db))
        {
            to.put(b("k050"), 1, b("kept"));
            assertThrows(RocksDBException.class, () -> RangeSst.replace(to.db(), b("k"), b("l"), sst));
            assertArrayEquals(b("kept"), to.get(b("k050"), 10), "a refused replace deleted the range");
        }
    }
}
