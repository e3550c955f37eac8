package io.regioncache.rocksdb;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;

import io.regioncache.StoreException;
import io.regioncache.store.MixedLengthReads;
import io.regioncache.store.MvccKeyCodec;
import io.regioncache.store.StoreReadRace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store's reused point readers ({@link PointReaders}): a reader given back and taken again reads the latest
 * state (after writes, flushes and compactions that install a new RocksDB state), grows its arrays for long keys and
 * values, is not given back after a failed read, is closed when unused, and never serves a read that misses an
 * acknowledged write while readers race a writer.
 */
class PointReadersTest
{
    @TempDir
    Path dir;

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void flush(final RocksDbBackingStore store) throws Exception
    {
        try (FlushOptions fo = new FlushOptions().setWaitForFlush(true))
        {
            store.db().flush(fo);
        }
    }

    @Test
    void aReaderTakenAgainReadsWritesFlushesAndCompactionsMadeWhileItWaited() throws Exception
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
        {
            store.put(b("k"), 1, b("v1"));
            assertArrayEquals(b("v1"), store.get(b("k"), 10));
            assertEquals(1, store.pointReaders().idleCount(), "the get gave its reader back");

            store.put(b("k"), 2, b("v2")); // same memtable: the refresh only moves the sequence number
            assertArrayEquals(b("v2"), store.get(b("k"), 10));
            flush(store); // a new state (the memtable written out): the refresh rebuilds the iterator
            store.put(b("k"), 3, b("v3"));
            assertArrayEquals(b("v3"), store.get(b("k"), 10));
            store.db().compactRange();
            assertArrayEquals(b("v3"), store.get(b("k"), 10));
            store.delete(b("k"), 4);
            assertNull(store.get(b("k"), 10));
            assertArrayEquals(b("v2"), store.get(b("k"), 2), "older versions stay readable");
            assertNull(store.get(b("k"), 0));
            assertNull(store.get(b("absent"), 10));
            assertEquals(1, store.pointReaders().idleCount(), "one thread reuses one reader");
        }
    }

    @Test
    void longKeysAndValuesBetweenShortOnesReadWholeThroughOneReader()
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
        {
            MixedLengthReads.check(store, 3, 300, 5, 2_000, 7, 90);
            assertEquals(1, store.pointReaders().idleCount(), "one thread reuses one reader");
        }
    }

    @Test
    void aReadThatFailsDoesNotGiveItsReaderBack() throws Exception
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
        {
            store.put(b("good"), 1, b("v"));
            assertArrayEquals(b("v"), store.get(b("good"), 1));
            assertEquals(1, store.pointReaders().idleCount());
            store.db().put(MvccKeyCodec.encode(b("bad"), 1), new byte[0]); // no flag byte: malformed
            final StoreException thrown = assertThrows(StoreException.class, () -> store.get(b("bad"), 1));
            assertTrue(thrown.getMessage().contains("flag byte"), thrown.getMessage());
            assertEquals(0, store.pointReaders().idleCount(), "the failed read's reader was closed, not pooled");
            assertArrayEquals(b("v"), store.get(b("good"), 1), "the next read builds a new one");
            assertEquals(1, store.pointReaders().idleCount());
        }
    }

    @Test
    void idleReadersAreClosedByAWriteOnceUnusedForTheIdleTime()
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
        {
            store.put(b("k"), 1, b("v"));
            store.get(b("k"), 1);
            store.put(b("k"), 2, b("w"));
            assertEquals(1, store.pointReaders().idleCount(), "used within the idle time: kept");
            store.pointReaders().idleNanos(-1); // every reader is now "unused for longer than the idle time"
            store.put(b("k"), 3, b("x"));
            assertEquals(0, store.pointReaders().idleCount(), "a write closed it");
            store.get(b("k"), 3);
            store.deleteRange(b("a"), b("z"), 4);
            assertEquals(0, store.pointReaders().idleCount(), "a range delete closed it");
            store.get(b("k"), 3);
            store.gcBelow(2);
            assertEquals(0, store.pointReaders().idleCount(), "a GC round closed it");
            assertArrayEquals(b("x"), store.get(b("k"), 3));
        }
    }

    @Test
    void readersPastThePoolsSizeAreClosedWhenGivenBack()
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
        {
            final PointReaders pool = store.pointReaders();
            final List<PointReader> taken = new ArrayList<>();
            for (int i = 0; i < PointReaders.KEPT + 3; i++)
            {
                taken.add(pool.take());
            }
            taken.forEach(pool::giveBack);
            assertEquals(PointReaders.KEPT, pool.idleCount());
        }
    }

    @Test
    void aStoreClosedWithIdleReadersFreesThemAndRefusesLaterReads()
    {
        final RocksDbBackingStore store = RocksDbBackingStore.open(dir);
        store.put(b("k"), 1, b("v"));
        store.get(b("k"), 1);
        assertEquals(1, store.pointReaders().idleCount());
        store.close();
        assertEquals(0, store.pointReaders().idleCount());
        assertThrows(StoreException.class, () -> store.get(b("k"), 1));
        final UnsafeBuffer key = new UnsafeBuffer(b("k"));
        assertThrows(StoreException.class, () -> store.multiGet(key, new int[] {0}, new int[] {1}, 0, 1, 1,
            new ExpandableArrayBuffer(16), 0, new int[1], new int[1]));
    }

    /**
     * A writer writes one key at versions 1, 2, 3, ... (the version in the value), flushing every 64 writes so that
     * RocksDB installs new states; readers on other threads read it at the latest version through gets and batches,
     * and each read must return at least the version acknowledged before it began. A reader reused from the pool
     * without its refresh, or a refresh that kept an old state, reads an older version and fails.
     */
    @Test
    void readersRacingAWriterNeverMissAnAcknowledgedWrite() throws Exception
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
        {
            StoreReadRace.run(store, 2_000, version ->
            {
                if (version % 64 == 0)
                {
                    flush(store);
                }
            });
            assertTrue(store.pointReaders().idleCount() >= 1);
        }
    }
}
