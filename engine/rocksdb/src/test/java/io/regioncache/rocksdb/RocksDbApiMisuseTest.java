package io.regioncache.rocksdb;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import io.regioncache.BackingSnapshot;
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;

/**
 * The public API of {@code regioncache-rocksdb} misused: null, negative and out-of-range arguments to every public
 * method of {@link RocksDbBackingStore}, {@link RocksDbSnapshot} and {@link RocksDbCursor}; every handle used after
 * its own close and after the store's (a RocksDB handle used after release is a native use-after-free, so the
 * expected answer is a typed {@link StoreException}, never a crash); close twice; stores opened on a file, on a
 * locked or corrupt directory, or wrapped around a closed database. After each refused call the store still serves a
 * write and a read.
 * <p>
 * What {@code RocksDbStoreContractTest} (the shared {@code WritableStoreContract}), {@code RocksDbBackingStoreTest}
 * and the hybrid suites' {@code HybridApiMisuseTest} check is not repeated. Where a test failed on the code it was
 * written against, its Javadoc says what the code did then ("Was: ...").
 */
class RocksDbApiMisuseTest
{
    private static final byte[] OPEN = new byte[0];

    @TempDir
    Path dir;

    private final ArrayDeque<AutoCloseable> resources = new ArrayDeque<>();
    private long nextVersion = 1_000;

    @AfterEach
    void closeAll() throws Exception
    {
        while (!resources.isEmpty())
        {
            resources.pop().close();
        }
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    private RocksDbBackingStore open(final String name)
    {
        final RocksDbBackingStore store = RocksDbBackingStore.open(dir.resolve(name));
        resources.push(store);
        store.put(b("a"), 1, b("va"));
        store.put(b("b"), 1, b("vb"));
        return store;
    }

    /** The store still serves: a write at a new version, then reads of it and of the first write. */
    private void assertServes(final RocksDbBackingStore store)
    {
        final long v = nextVersion++;
        store.put(b("k"), v, b("s" + v));
        assertArrayEquals(b("s" + v), store.get(b("k"), v), "the store serves after a refused call");
        assertArrayEquals(b("va"), store.get(b("a"), v));
    }

    private static <T extends Throwable> T throwsExactly(final Class<T> type, final Executable call)
    {
        final Throwable t = assertThrows(Throwable.class, call);
        assertEquals(type, t.getClass(), () -> "expected " + type.getSimpleName() + " but got " + t);
        return type.cast(t);
    }

    private static void storeException(final String what, final Executable call)
    {
        final Throwable t = assertThrows(Throwable.class, call, what);
        assertEquals(StoreException.class, t.getClass(), () -> what + ": " + t);
    }

    // ================================================================== opening

    /**
     * {@code open}: "@throws StoreException if RocksDB cannot open it": a path below a file, a directory holding
     * something that is not a RocksDB database, a null path (typed at the call, not from inside). Each failed open
     * leaves nothing locked: the same directory, repaired, opens. Was: a null path was a {@code StoreException}
     * wrapping a {@code NullPointerException} from inside.
     */
    @Test
    void openRefusesBadPathsTypedAndLeavesNothingLocked() throws Exception
    {
        final Path file = Files.write(dir.resolve("file"), b("x"));
        storeException("below a file", () -> RocksDbBackingStore.open(file.resolve("db")));
        throwsExactly(NullPointerException.class, () -> RocksDbBackingStore.open(null));

        final Path corrupt = Files.createDirectories(dir.resolve("corrupt"));
        Files.write(corrupt.resolve("CURRENT"), b("MANIFEST-000999\n"));
        storeException("a CURRENT naming a missing manifest", () -> RocksDbBackingStore.open(corrupt));
        storeException("and again (the failed open released its lock)", () -> RocksDbBackingStore.open(corrupt));
        Files.delete(corrupt.resolve("CURRENT"));
        try (RocksDbBackingStore repaired = RocksDbBackingStore.open(corrupt))
        {
            repaired.put(b("a"), 1, b("1"));
            assertArrayEquals(b("1"), repaired.get(b("a"), 1));
        }
    }

    /**
     * {@code wrap}: "an open database": a null or already closed one is refused at the call. Was: a closed database
     * was wrapped (the first write through the store would run on released native memory), and a null one threw
     * {@code UnsatisfiedLinkError} when RocksDB's library was not loaded yet.
     */
    @Test
    void wrapRefusesNullAndClosedDatabases() throws Exception
    {
        throwsExactly(NullPointerException.class, () -> RocksDbBackingStore.wrap(null));
        RocksDB.loadLibrary();
        try (Options options = new Options().setCreateIfMissing(true))
        {
            final RocksDB db = RocksDB.open(options, dir.resolve("closed").toString());
            db.close();
            storeException("a closed database", () -> RocksDbBackingStore.wrap(db));
        }
    }

    /**
     * A wrapped database belongs to the caller: closing the store (twice) leaves it open and readable, and the store
     * refuses typed afterwards; {@code db()} of a wrapped store is the caller's database.
     */
    @Test
    void aWrappedDatabaseOutlivesItsStore() throws Exception
    {
        RocksDB.loadLibrary();
        try (Options options = new Options().setCreateIfMissing(true);
            RocksDB db = RocksDB.open(options, dir.resolve("wrapped").toString()))
        {
            final RocksDbBackingStore store = RocksDbBackingStore.wrap(db);
            assertSame(db, store.db());
            assertNull(store.dataDir());
            store.put(b("a"), 1, b("1"));
            final RocksDbCursor cursor = store.newCursor(OPEN, OPEN, 5);
            final RocksDbSnapshot snap = store.openSnapshot();
            store.close();
            store.close();
            assertTrue(store.isClosed());
            assertSame(db, store.db(), "the caller's database stays the caller's");
            storeException("put after close", () -> store.put(b("b"), 2, b("2")));
            storeException("cursor after close", cursor::next);
            storeException("snapshot after close", () -> snap.newCursor(OPEN, OPEN, 5));
            try (org.rocksdb.RocksIterator it = db.newIterator())
            {
                it.seekToFirst();
                assertTrue(it.isValid(), "the caller's database still reads");
            }
        }
    }

    // ================================================================== arguments

    /**
     * Null arguments get a {@code NullPointerException} at the call; negative versions a {@code StoreException}
     * (nothing written); a negative read version reads nothing. The store serves afterwards.
     */
    @Test
    void nullAndNegativeArgumentsAreRefusedAtTheCall()
    {
        final RocksDbBackingStore store = open("db");
        throwsExactly(NullPointerException.class, () -> store.applyBatch(null));
        throwsExactly(NullPointerException.class, () -> store.put(null, 1, b("v")));
        throwsExactly(NullPointerException.class, () -> store.put(b("k"), 1, null));
        throwsExactly(NullPointerException.class, () -> store.delete(null, 1));
        throwsExactly(NullPointerException.class, () -> store.get((byte[])null, 1));
        storeException("put at -1", () -> store.put(b("a"), -1, b("neg")));
        storeException("delete at -1", () -> store.delete(b("a"), -1));
        storeException("deleteRange at -1", () -> store.deleteRange(OPEN, OPEN, -1));
        storeException("deleteRange at MIN", () -> store.deleteRange(OPEN, OPEN, Long.MIN_VALUE));
        assertNull(store.get(b("a"), -1), "nothing is visible below version 0");
        assertNull(store.get(b("a"), Long.MIN_VALUE));
        assertArrayEquals(b("va"), store.get(b("a"), Long.MAX_VALUE));
        try (RocksDbCursor c = store.newCursor(OPEN, OPEN, -1))
        {
            assertFalse(c.next(), "a negative read version sees nothing");
            assertFalse(c.seekToLast());
        }
        assertServes(store);
    }

    /**
     * {@code get} and {@code multiGet} on buffers: a key slice outside its buffer (negative, past the end,
     * overflowing), a negative or past-the-end destination offset, a count past an array, are refused with
     * {@code IllegalArgumentException} before RocksDB or a buffer is touched (with Agrona's bounds checks off, as
     * the README allows in production, an unchecked offset would read or write outside the buffer); null buffers
     * with {@code NullPointerException}. Was: a key length of -100 threw {@code NegativeArraySizeException}, a
     * negative {@code dstOffset} reached {@code putBytes}, a count past the arrays threw
     * {@code ArrayIndexOutOfBoundsException} from inside.
     */
    @Test
    void bufferReadsRefuseSlicesOutsideTheirBuffers()
    {
        final RocksDbBackingStore store = open("db");
        final UnsafeBuffer key = new UnsafeBuffer(b("a"));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
        assertEquals(2, store.get(key, 0, 1, 5, dst, 0));
        for (final int[] slice : new int[][] {{-1, 1}, {0, -1}, {0, -100}, {0, 2}, {2, 0}, {1, Integer.MAX_VALUE},
            {Integer.MAX_VALUE, 1}, {Integer.MIN_VALUE, 0}})
        {
            throwsExactly(IllegalArgumentException.class, () -> store.get(key, slice[0], slice[1], 5, dst, 0));
        }
        throwsExactly(IllegalArgumentException.class, () -> store.get(key, 0, 1, 5, dst, -1));
        throwsExactly(IllegalArgumentException.class, () -> store.get(key, 0, 1, 5, dst, 17));
        throwsExactly(IllegalArgumentException.class, () -> store.get(key, 0, 1, 5, dst, Integer.MIN_VALUE));
        assertEquals(-4, store.get(key, 0, 1, 5, dst, 16), "a value that does not fit is an answer: -2 - length");
        throwsExactly(NullPointerException.class, () -> store.get(null, 0, 1, 5, dst, 0));
        throwsExactly(NullPointerException.class, () -> store.get(key, 0, 1, 5, null, 0));

        final UnsafeBuffer keys = new UnsafeBuffer(b("ab"));
        final int[] offsets = {0, 1};
        final int[] lengths = {1, 1};
        final int[] valueOffsets = new int[2];
        final int[] valueLengths = new int[2];
        assertEquals(4, store.multiGet(keys, offsets, lengths, 0, 2, 5, dst, 0, valueOffsets, valueLengths));
        assertArrayEquals(new int[] {2, 2}, valueLengths);
        throwsExactly(IllegalArgumentException.class,
            () -> store.multiGet(keys, offsets, lengths, 0, 3, 5, dst, 0, valueOffsets, valueLengths));
        throwsExactly(IllegalArgumentException.class,
            () -> store.multiGet(keys, offsets, lengths, -1, 1, 5, dst, 0, valueOffsets, valueLengths));
        throwsExactly(IllegalArgumentException.class,
            () -> store.multiGet(keys, offsets, lengths, 1, -1, 5, dst, 0, valueOffsets, valueLengths));
        throwsExactly(IllegalArgumentException.class,
            () -> store.multiGet(keys, offsets, lengths, 1, Integer.MAX_VALUE, 5, dst, 0, valueOffsets, valueLengths));
        throwsExactly(IllegalArgumentException.class,
            () -> store.multiGet(keys, offsets, lengths, 0, 2, 5, dst, 0, new int[1], valueLengths));
        throwsExactly(IllegalArgumentException.class,
            () -> store.multiGet(keys, offsets, lengths, 0, 2, 5, dst, -1, valueOffsets, valueLengths));
        throwsExactly(IllegalArgumentException.class,
            () -> store.multiGet(keys, new int[] {0, 5}, lengths, 0, 2, 5, dst, 0, valueOffsets, valueLengths));
        throwsExactly(IllegalArgumentException.class,
            () -> store.multiGet(keys, offsets, new int[] {1, -100}, 0, 2, 5, dst, 0, valueOffsets, valueLengths));
        throwsExactly(NullPointerException.class,
            () -> store.multiGet(keys, null, lengths, 0, 2, 5, dst, 0, valueOffsets, valueLengths));
        throwsExactly(NullPointerException.class,
            () -> store.multiGet(null, offsets, lengths, 0, 2, 5, dst, 0, valueOffsets, valueLengths));
        assertEquals(0, store.multiGet(keys, offsets, lengths, 2, 0, 5, dst, 0, valueOffsets, valueLengths),
            "zero keys from the end of the arrays is a valid empty call");

        try (RocksDbSnapshot snap = store.openSnapshot())
        {
            throwsExactly(IllegalArgumentException.class, () -> snap.get(key, 0, -100, 5, dst, 0));
            throwsExactly(IllegalArgumentException.class, () -> snap.get(key, 0, 1, 5, dst, -1));
            assertEquals(2, snap.get(key, 0, 1, 5, dst, 0));
        }
        assertServes(store);
    }

    /**
     * Ranges: null bounds mean open (as documented for cursors), an inverted or empty range is empty (a cursor on it
     * moves nowhere, a delete-range writes nothing, a scan visits nothing), a null seek key is a
     * {@code NullPointerException}; GC at a negative safe point drops nothing.
     */
    @Test
    void invertedRangesAreEmptyAndNullBoundsAreOpen()
    {
        final RocksDbBackingStore store = open("db");
        try (RocksDbCursor c = store.newCursor(b("b"), b("a"), 5))
        {
            assertFalse(c.next());
            assertFalse(c.prev());
            assertFalse(c.seekToFirst());
            assertFalse(c.seekToLast());
            assertFalse(c.seek(b("a")));
            assertFalse(c.seekForPrev(b("z")));
            throwsExactly(NullPointerException.class, () -> c.seek(null));
            throwsExactly(NullPointerException.class, () -> c.seekForPrev(null));
        }
        try (RocksDbCursor c = store.newCursor(null, null, 5))
        {
            assertTrue(c.seekToLast());
            assertArrayEquals(b("b"), c.keyBytes());
        }
        assertEquals(0, store.deleteRange(b("b"), b("a"), 10));
        assertEquals(0, store.deleteRange(b("a"), b("a"), 10));
        try (RocksDbSnapshot snap = store.openSnapshot())
        {
            final List<String> seen = new ArrayList<>();
            snap.scan(b("b"), b("a"), (k, ko, kl, v, val, vo, vl) -> seen.add("x"));
            assertEquals(List.of(), seen);
            snap.scan(null, null, (k, ko, kl, v, val, vo, vl) -> seen.add(new String(k.byteArray(), ko, kl, US_ASCII)));
            assertEquals(List.of("a", "b"), seen);
            assertTrue(snap.approximateSize(null, null) >= -1);
            assertTrue(snap.approximateSize(b("b"), b("a")) >= -1);
        }
        assertEquals(0, store.gcBelow(-1));
        assertEquals(0, store.gcBelow(Long.MIN_VALUE));
        assertServes(store);
    }

    /**
     * A visitor that throws stops the scan with its own exception (a {@code StoreException} for a store fault) and
     * releases the scan's natives: the snapshot and store keep serving.
     */
    @Test
    void aThrowingVisitorStopsTheScanAndReleasesIt()
    {
        final RocksDbBackingStore store = open("db");
        try (RocksDbSnapshot snap = store.openSnapshot())
        {
            final RuntimeException boom = new IllegalStateException("visitor");
            final Throwable t = assertThrows(Throwable.class, () -> snap.scan(OPEN, OPEN, (k, ko, kl, v, val, vo, vl) ->
            {
                throw boom;
            }));
            assertSame(boom, t, "the visitor's own exception, unwrapped");
            final int[] n = {0};
            snap.scan(OPEN, OPEN, (k, ko, kl, v, val, vo, vl) -> ++n[0] > 0);
            assertEquals(2, n[0]);
        }
        assertServes(store);
    }

    // ================================================================== handles out of their life

    /**
     * A snapshot used after its own close (the store still open) refuses every read typed: scan, get, a new cursor
     * and its sequence number. Was: {@code scan} built an iterator on the released RocksDB snapshot and
     * {@code sequenceNumber()} read it (native use-after-free).
     */
    @Test
    void aClosedSnapshotRefusesEveryRead()
    {
        final RocksDbBackingStore store = open("db");
        final RocksDbSnapshot snap = store.openSnapshot();
        assertTrue(snap.sequenceNumber() > 0);
        snap.close();
        snap.close();
        storeException("scan", () -> snap.scan(OPEN, OPEN, (k, ko, kl, v, val, vo, vl) -> true));
        storeException("get", () -> snap.get(new UnsafeBuffer(b("a")), 0, 1, 5, new ExpandableArrayBuffer(8), 0));
        storeException("newCursor", () -> snap.newCursor(OPEN, OPEN, 5));
        storeException("sequenceNumber", snap::sequenceNumber);
        assertServes(store);
    }

    /**
     * A cursor of a snapshot closed under it keeps reading that snapshot's data (its RocksDB iterator took the
     * snapshot's sequence number when it was made and pins what it reads), as {@code newCursor}'s Javadoc says: a
     * write after the snapshot stays invisible to it, even after a GC round; it still closes, twice.
     */
    @Test
    void aCursorOutlivesItsSnapshotsClose()
    {
        final RocksDbBackingStore store = open("db");
        final RocksDbSnapshot snap = store.openSnapshot();
        final RocksDbCursor cursor = snap.newCursor(OPEN, OPEN, Long.MAX_VALUE);
        assertTrue(cursor.next());
        assertArrayEquals(b("a"), cursor.keyBytes());
        snap.close();
        store.put(b("ab"), 2, b("new"));
        store.delete(b("b"), 2);
        store.gcBelow(2);
        assertTrue(cursor.next());
        assertArrayEquals(b("b"), cursor.keyBytes(), "the key written after the snapshot is not seen");
        assertArrayEquals(b("vb"), cursor.valueBytes(), "the delete after the snapshot is not seen");
        assertTrue(cursor.seekToFirst());
        assertArrayEquals(b("va"), cursor.valueBytes());
        assertFalse(cursor.seekForPrev(b("0")));
        cursor.close();
        cursor.close();
        assertServes(store);
    }

    /**
     * {@code close()} called from inside an operation of the same store or snapshot (a scan's visitor) would wait
     * for itself: it refuses with {@code IllegalStateException} and closes nothing; the scan goes on. Was: the
     * thread waited forever for the write side of the lock it held for reading.
     */
    @Test
    void closeFromInsideAScanRefusesInsteadOfWaitingForItself()
    {
        final RocksDbBackingStore store = open("db");
        try (RocksDbSnapshot snap = store.openSnapshot())
        {
            final List<Throwable> refused = new ArrayList<>();
            final int[] visited = {0};
            snap.scan(OPEN, OPEN, (k, ko, kl, v, val, vo, vl) ->
            {
                refused.add(assertThrows(Throwable.class, store::close));
                refused.add(assertThrows(Throwable.class, snap::close));
                visited[0]++;
                return true;
            });
            assertEquals(2, visited[0], "the scan went on");
            for (final Throwable t : refused)
            {
                assertEquals(IllegalStateException.class, t.getClass(), t::toString);
            }
            assertFalse(store.isClosed());
            assertTrue(snap.sequenceNumber() > 0, "the snapshot is still open");
        }
        assertServes(store);
    }

    /**
     * Everything after the store's close: each read and write refuses typed, each handle refuses typed and still
     * closes, {@code db()} of an owning store refuses typed instead of handing out the released database, the
     * accessors that touch nothing native answer. Was: {@code db()} returned the closed database (any call on it a
     * native use-after-free) and {@code sequenceNumber()} read the released snapshot.
     */
    @Test
    void everyCallAfterTheStoreClosedIsTyped()
    {
        final RocksDbBackingStore store = RocksDbBackingStore.open(dir.resolve("db"));
        store.put(b("a"), 1, b("va"));
        final RocksDbSnapshot snap = store.openSnapshot();
        final RocksDbCursor cursor = store.newCursor(OPEN, OPEN, 5);
        final RocksDbCursor snapCursor = snap.newCursor(OPEN, OPEN, 5);
        assertTrue(cursor.next());
        store.close();
        store.close();
        assertTrue(store.isClosed());
        storeException("db()", store::db);
        assertEquals(dir.resolve("db"), store.dataDir());
        assertEquals(-1, store.gcSafePoint());
        storeException("applyBatch", () -> store.applyBatch(new WriteBatch(0, 0, 2).put(b("a"), b("x"))));
        storeException("delete", () -> store.delete(b("a"), 2));
        storeException("deleteRange", () -> store.deleteRange(OPEN, OPEN, 2));
        storeException("gcBelow", () -> store.gcBelow(1));
        storeException("openSnapshot", store::openSnapshot);
        storeException("get", () -> store.get(b("a"), 5));
        storeException("multiGet", () -> store.multiGet(new UnsafeBuffer(b("a")), new int[] {0}, new int[] {1}, 0, 1,
            5, new ExpandableArrayBuffer(8), 0, new int[1], new int[1]));
        storeException("newCursor", () -> store.newCursor(OPEN, OPEN, 5));
        storeException("snapshot scan", () -> snap.scan(OPEN, OPEN, (k, ko, kl, v, val, vo, vl) -> true));
        storeException("snapshot get", () -> snap.get(new UnsafeBuffer(b("a")), 0, 1, 5,
            new ExpandableArrayBuffer(8), 0));
        storeException("snapshot sequenceNumber", snap::sequenceNumber);
        assertEquals(-1, snap.approximateSize(OPEN, OPEN), "an estimate is optional: -1 once closed");
        for (final RocksDbCursor c : new RocksDbCursor[] {cursor, snapCursor})
        {
            storeException("cursor next", c::next);
            storeException("cursor prev", c::prev);
            storeException("cursor seekToFirst", c::seekToFirst);
            storeException("cursor seekToLast", c::seekToLast);
            storeException("cursor seek", () -> c.seek(b("a")));
            storeException("cursor seekForPrev", () -> c.seekForPrev(b("a")));
        }
        // The views were copied out of RocksDB: reading them after close reads Java memory, not released memory.
        assertArrayEquals(b("a"), cursor.keyBytes());
        snapCursor.close();
        cursor.close();
        snap.close();

        try (RocksDbBackingStore reopened = RocksDbBackingStore.open(dir.resolve("db")))
        {
            assertArrayEquals(b("va"), reopened.get(b("a"), 5), "closed cleanly: reopened with its data");
        }
    }

    /**
     * Handles closed on one thread while the store closes on another (a host's shutdown racing its readers): both
     * closes finish, nothing is released twice or after the database, and the directory reopens. Was: a cursor's or
     * snapshot's close took itself off the store's list before releasing its natives, so a store close running in
     * between went on to close the database under that release (RocksDB refused: "Cannot close DB with unreleased
     * snapshot", and the store's close threw). (A race: each round gives it one chance.)
     */
    @Test
    void handlesClosedWhileTheStoreClosesAreReleasedBeforeTheDatabase() throws Exception
    {
        final Path db = dir.resolve("race");
        for (int round = 0; round < 60; round++)
        {
            final RocksDbBackingStore store = RocksDbBackingStore.open(db);
            store.put(b("a"), 1, b("va"));
            final List<AutoCloseable> handles = new ArrayList<>();
            for (int i = 0; i < 8; i++)
            {
                final RocksDbSnapshot s = store.openSnapshot();
                handles.add(s.newCursor(OPEN, OPEN, 5));
                handles.add(s);
                handles.add(store.newCursor(OPEN, OPEN, 5));
            }
            final CyclicBarrier start = new CyclicBarrier(2);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread closer = new Thread(() ->
            {
                try
                {
                    start.await(30, TimeUnit.SECONDS);
                    for (final AutoCloseable h : handles)
                    {
                        h.close();
                    }
                }
                catch (final Throwable t)
                {
                    failure.set(t);
                }
            });
            closer.start();
            start.await(30, TimeUnit.SECONDS);
            store.close();
            closer.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(closer.isAlive(), "the handles' closes finished");
            assertNull(failure.get(), () -> "closing a handle: " + failure.get());
        }
        try (RocksDbBackingStore reopened = RocksDbBackingStore.open(db))
        {
            assertArrayEquals(b("va"), reopened.get(b("a"), 5));
        }
    }

    /** The cursor's own close: every move refuses typed, close is idempotent, the store serves. */
    @Test
    void aClosedCursorRefusesEveryMove()
    {
        final RocksDbBackingStore store = open("db");
        final RocksDbCursor c = store.newCursor(OPEN, OPEN, 5);
        assertTrue(c.seekToLast());
        c.close();
        c.close();
        storeException("next", c::next);
        storeException("prev", c::prev);
        storeException("seekToFirst", c::seekToFirst);
        storeException("seekToLast", c::seekToLast);
        storeException("seek", () -> c.seek(b("a")));
        storeException("seekForPrev", () -> c.seekForPrev(b("a")));
        assertServes(store);
        final BackingSnapshot s = store.openSnapshot();
        s.close();
        assertServes(store);
    }
}
