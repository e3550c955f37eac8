package io.regioncache.lmdb;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.BackingSnapshot;
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;
import io.regioncache.store.MixedLengthReads;
import io.regioncache.store.MvccKeyCodec;
import io.regioncache.store.StoreReadRace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The LMDB store's reused read transactions ({@link PointTxns}): one given back and taken again reads the latest
 * committed state, keys of any length go through one transaction's reused seek array, a failed read does not give
 * its transaction back, transactions past the pool's size are ended without leaking their reader slots, a closed
 * store ends the idle ones, and readers racing a writer never read below an acknowledged write.
 */
class PointTxnsTest
{
    @TempDir
    Path dir;

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aTransactionTakenAgainReadsWhatWasCommittedWhileItWaited()
    {
        try (LmdbBackingStore store = LmdbBackingStore.open(dir))
        {
            store.put(b("k"), 1, b("v1"));
            assertArrayEquals(b("v1"), store.get(b("k"), 10));
            assertEquals(1, store.pointTxns().idleCount(), "the get gave its transaction back");
            store.put(b("k"), 2, b("v2"));
            assertArrayEquals(b("v2"), store.get(b("k"), 10), "renewed: the latest committed state");
            store.applyBatch(new WriteBatch(0, 0, 3).delete(b("k")));
            assertNull(store.get(b("k"), 10));
            assertArrayEquals(b("v2"), store.get(b("k"), 2), "older versions stay readable");
            assertNull(store.get(b("k"), 0));
            assertNull(store.get(b("absent"), 10));
            store.gcBelow(3);
            assertNull(store.get(b("k"), 10));
            assertEquals(1, store.pointTxns().idleCount(), "one thread reuses one transaction");
        }
    }

    @Test
    void keysOfEveryLengthReadWholeThroughOneTransaction()
    {
        try (LmdbBackingStore store = LmdbBackingStore.open(dir))
        {
            MixedLengthReads.check(store, 3, 300, 5, store.maxKeyLength(), 7, 16, 16, 90);
            assertEquals(1, store.pointTxns().idleCount());
        }
    }

    @Test
    void aReadThatFailsDoesNotGiveItsTransactionBack()
    {
        try (LmdbBackingStore store = LmdbBackingStore.open(dir))
        {
            store.put(b("good"), 1, b("v"));
            assertArrayEquals(b("v"), store.get(b("good"), 1));
            assertEquals(1, store.pointTxns().idleCount());
            store.dbi().put(MvccKeyCodec.encode(b("bad"), 1), new byte[0]); // no flag byte: not this store's
            final StoreException thrown = assertThrows(StoreException.class, () -> store.get(b("bad"), 1));
            assertTrue(thrown.getMessage().contains("flag byte"), thrown.getMessage());
            assertEquals(0, store.pointTxns().idleCount(), "the failed read's transaction was ended, not pooled");
            assertArrayEquals(b("v"), store.get(b("good"), 1), "the next read begins a new one");
            assertThrows(StoreException.class, () -> store.get(new byte[store.maxKeyLength() + 1], 1));
            assertEquals(0, store.pointTxns().idleCount(), "a key over the limit fails the read too");
            assertArrayEquals(b("v"), store.get(b("good"), 1));
            assertEquals(1, store.pointTxns().idleCount());
        }
    }

    /**
     * Every round ends one reset transaction (the one past the pool's size). lmdbjava's close aborts only a live
     * transaction, so a reset one closed as is would keep its reader slot until the environment closes: past the
     * store's 1,024 slots, beginning a transaction would fail. The pool renews it first, so the slots are reused.
     */
    @Test
    void transactionsPastThePoolsSizeAreEndedWithoutLeakingReaderSlots()
    {
        try (LmdbBackingStore store = LmdbBackingStore.open(dir))
        {
            store.put(b("k"), 1, b("v"));
            final PointTxns pool = store.pointTxns();
            for (int round = 0; round < 1_500; round++)
            {
                final List<PointTxn> taken = new ArrayList<>();
                for (int i = 0; i < PointTxns.KEPT + 1; i++)
                {
                    taken.add(pool.take());
                }
                for (final PointTxn t : taken)
                {
                    pool.giveBackOrClose(t, true);
                }
                assertEquals(PointTxns.KEPT, pool.idleCount());
            }
            assertArrayEquals(b("v"), store.get(b("k"), 1));
            try (BackingSnapshot snapshot = store.openSnapshot())
            {
                final UnsafeBuffer dst = new UnsafeBuffer(new byte[8]);
                assertEquals(1, snapshot.get(new UnsafeBuffer(b("k")), 0, 1, 1, dst, 0));
            }
        }
    }

    @Test
    void aStoreClosedWithIdleTransactionsEndsThemRefusesReadsAndOpensAgain()
    {
        final LmdbBackingStore store = LmdbBackingStore.open(dir);
        store.put(b("k"), 1, b("v"));
        store.get(b("k"), 1);
        assertEquals(1, store.pointTxns().idleCount());
        store.close();
        assertEquals(0, store.pointTxns().idleCount());
        assertThrows(StoreException.class, () -> store.get(b("k"), 1));
        final UnsafeBuffer key = new UnsafeBuffer(b("k"));
        assertThrows(StoreException.class, () -> store.multiGet(key, new int[] {0}, new int[] {1}, 0, 1, 1,
            new ExpandableArrayBuffer(16), 0, new int[1], new int[1]));
        try (LmdbBackingStore again = LmdbBackingStore.open(dir))
        {
            assertArrayEquals(b("v"), again.get(b("k"), 1));
        }
    }

    /**
     * A writer commits one key at versions 1, 2, 3, ... (the version in the value); readers on other threads read it
     * at the latest version through gets and batches, and each read must return at least the version acknowledged
     * before it began. A transaction pooled live (not reset and renewed) would keep its snapshot and read an older
     * version.
     */
    @Test
    void readersRacingAWriterNeverMissAnAcknowledgedWrite() throws Exception
    {
        try (LmdbBackingStore store = LmdbBackingStore.open(dir))
        {
            StoreReadRace.run(store, 2_000, version -> { });
            assertTrue(store.pointTxns().idleCount() >= 1);
        }
    }
}
