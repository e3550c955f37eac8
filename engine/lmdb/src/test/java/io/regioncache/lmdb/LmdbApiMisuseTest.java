package io.regioncache.lmdb;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.BackingSnapshot;
import io.regioncache.StoreCursor;
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;

/**
 * The public API of {@code regioncache-lmdb} misused: null, negative and out-of-range arguments to every public
 * method of {@link LmdbBackingStore}, its snapshots and cursors; keys past LMDB's limit; every handle used after its
 * own close and the store's; close twice, close from inside a scan, close racing a read of a snapshot; stores opened
 * on a file, a corrupt directory, a directory another store of this process holds, with a non-positive map size;
 * a full map. LMDB handles used after release are native use-after-free, so each answer must be typed
 * ({@link StoreException}, {@link IllegalArgumentException}, {@link IllegalStateException}), never a crash or a hang,
 * and the store serves a write and a read afterwards.
 * <p>
 * What {@code LmdbStoreContractTest} (the shared {@code WritableStoreContract}), {@code LmdbGcPressureTest} and the
 * hybrid suites' {@code HybridApiMisuseTest} check is not repeated. Where a test failed on the code it was written
 * against, its Javadoc says what the code did then ("Was: ...").
 */
class LmdbApiMisuseTest
{
    private static final byte[] OPEN = new byte[0];
    private static final long DEADLINE_SECONDS = 10;

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

    private LmdbBackingStore open(final String name)
    {
        final LmdbBackingStore store = LmdbBackingStore.open(dir.resolve(name), 64L << 20, false);
        resources.push(store);
        store.put(b("a"), 1, b("va"));
        store.put(b("b"), 1, b("vb"));
        return store;
    }

    private void assertServes(final LmdbBackingStore store)
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

    /** Waits (bounded) until the thread parks: it is blocked on a lock. */
    private static void awaitBlocked(final Thread t, final String what)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.BLOCKED &&
            System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        assertTrue(t.getState() == Thread.State.WAITING || t.getState() == Thread.State.BLOCKED,
            () -> what + " never blocked: " + t.getState());
    }

    // ================================================================== opening

    /**
     * {@code open}: "@throws StoreException if LMDB cannot open it": a file, a path below a file, a directory whose
     * data file is not an LMDB file; a null directory and a non-positive map size are refused at the call. A failed
     * open holds nothing: the repaired directory opens. Was: a map size of 0 or -1 reached LMDB (0 means "its
     * 1 MiB default", not "no room").
     */
    @Test
    void openRefusesBadPathsAndSizesTyped() throws Exception
    {
        final Path file = Files.write(dir.resolve("file"), b("x"));
        storeException("a file", () -> LmdbBackingStore.open(file));
        storeException("below a file", () -> LmdbBackingStore.open(file.resolve("db")));
        throwsExactly(NullPointerException.class, () -> LmdbBackingStore.open(null));
        throwsExactly(IllegalArgumentException.class, () -> LmdbBackingStore.open(dir.resolve("z"), 0, false));
        throwsExactly(IllegalArgumentException.class, () -> LmdbBackingStore.open(dir.resolve("z"), -1, false));
        throwsExactly(IllegalArgumentException.class,
            () -> LmdbBackingStore.open(dir.resolve("z"), Long.MIN_VALUE, true));

        final Path corrupt = Files.createDirectories(dir.resolve("corrupt"));
        final byte[] garbage = new byte[64 << 10];
        Arrays.fill(garbage, (byte)0x5A);
        Files.write(corrupt.resolve("data.mdb"), garbage);
        storeException("a data file that is not LMDB's", () -> LmdbBackingStore.open(corrupt));
        storeException("again", () -> LmdbBackingStore.open(corrupt));
        Files.delete(corrupt.resolve("data.mdb"));
        try (LmdbBackingStore repaired = LmdbBackingStore.open(corrupt))
        {
            repaired.put(b("a"), 1, b("1"));
            assertArrayEquals(b("1"), repaired.get(b("a"), 1));
        }
    }

    /**
     * LMDB forbids opening one environment twice in a process (closing either releases the other's locks), and does
     * not detect it: the store must. A second open of a directory a store of this process holds (by another spelling
     * of the path too) is a {@code StoreException}; the first keeps serving; once it closes, the directory opens.
     * Was: the second open succeeded, two environments shared one lock file.
     */
    @Test
    void aDirectoryThisProcessHoldsIsRefused() throws Exception
    {
        final LmdbBackingStore first = open("db");
        storeException("the same directory", () -> LmdbBackingStore.open(dir.resolve("db")));
        storeException("another spelling", () -> LmdbBackingStore.open(dir.resolve("x/../db")));
        assertServes(first);
        resources.remove(first);
        first.close();
        try (LmdbBackingStore again = LmdbBackingStore.open(dir.resolve("db")))
        {
            assertArrayEquals(b("va"), again.get(b("a"), 5));
        }
    }

    /**
     * A map too small for a write refuses that write typed ({@code MDB_MAP_FULL}), nothing of it visible, and the
     * store keeps serving reads and writes that fit.
     */
    @Test
    void aFullMapRefusesTheWriteAndKeepsServing() throws Exception
    {
        try (LmdbBackingStore store = LmdbBackingStore.open(dir.resolve("small"), 256 << 10, false))
        {
            store.put(b("a"), 1, b("va"));
            final WriteBatch big = new WriteBatch(0, 0, 2);
            for (int i = 0; i < 64; i++)
            {
                big.put(b("big" + i), new byte[16 << 10]);
            }
            storeException("a batch past the map size", () -> store.applyBatch(big));
            assertNull(store.get(b("big0"), 5), "nothing of the refused batch");
            store.put(b("k"), 3, b("fits"));
            assertArrayEquals(b("fits"), store.get(b("k"), 3));
            assertArrayEquals(b("va"), store.get(b("a"), 3));
        }
    }

    // ================================================================== arguments

    /** Null arguments at the call; negative versions refused typed; a negative read version reads nothing. */
    @Test
    void nullAndNegativeArgumentsAreRefusedAtTheCall()
    {
        final LmdbBackingStore store = open("db");
        throwsExactly(NullPointerException.class, () -> store.applyBatch(null));
        throwsExactly(NullPointerException.class, () -> store.put(null, 1, b("v")));
        throwsExactly(NullPointerException.class, () -> store.put(b("k"), 1, null));
        throwsExactly(NullPointerException.class, () -> store.get((byte[])null, 1));
        storeException("put at -1", () -> store.put(b("a"), -1, b("neg")));
        storeException("deleteRange at -1", () -> store.deleteRange(OPEN, OPEN, -1));
        assertNull(store.get(b("a"), -1));
        assertNull(store.get(b("a"), Long.MIN_VALUE));
        assertArrayEquals(b("va"), store.get(b("a"), Long.MAX_VALUE));
        try (StoreCursor c = store.newCursor(OPEN, OPEN, -1))
        {
            assertFalse(c.next());
            assertFalse(c.seekToLast());
        }
        assertEquals(0, store.gcBelow(-1));
        assertEquals(0, store.gcBelow(Long.MIN_VALUE));
        assertServes(store);
    }

    /**
     * Keys past LMDB's limit ({@code maxKeyLength()}): a write of one is a {@code StoreException} (nothing of its
     * batch written), so is a read of one; a key at the limit works. A range bound is never stored: bounds a byte
     * past the limit and far past it bound cursors, scans and delete-ranges like any key.
     */
    @Test
    void keysPastTheLimitAreTypedAndBoundsOfAnyLengthWork()
    {
        final LmdbBackingStore store = open("db");
        final byte[] max = new byte[store.maxKeyLength()];
        Arrays.fill(max, (byte)'m');
        final byte[] over = Arrays.copyOf(max, max.length + 1);
        final byte[] huge = new byte[4096];
        Arrays.fill(huge, (byte)'a');
        store.put(max, 2, b("max"));
        assertArrayEquals(b("max"), store.get(max, 2));
        storeException("put", () -> store.applyBatch(new WriteBatch(0, 0, 3).put(b("c"), b("c")).put(over, b("x"))));
        assertNull(store.get(b("c"), 3), "nothing of the refused batch");
        storeException("get", () -> store.get(over, 3));
        storeException("get of a huge key", () -> store.get(huge, 3));
        try (StoreCursor c = store.newCursor(b("b"), over, 3))
        {
            assertTrue(c.seekToLast());
            assertArrayEquals(max, c.keyBytes(), "a bound a byte past the limit bounds like any key");
            assertFalse(c.seek(over));
            assertTrue(c.seekForPrev(over));
            assertArrayEquals(max, c.keyBytes());
        }
        try (StoreCursor c = store.newCursor(huge, OPEN, 3))
        {
            assertTrue(c.next());
            assertArrayEquals(b("b"), c.keyBytes(), "the first key after a 4 KiB bound");
            assertTrue(c.seek(huge));
            assertArrayEquals(b("b"), c.keyBytes());
            assertFalse(c.seekForPrev(huge), "below the cursor's own lower bound");
        }
        try (BackingSnapshot s = store.openSnapshot())
        {
            final List<String> seen = new ArrayList<>();
            s.scan(b("a"), huge, (k, ko, kl, v, val, vo, vl) -> seen.add(new String(k.byteArray(), ko, kl, US_ASCII)));
            assertEquals(List.of("a"), seen);
        }
        assertEquals(1, store.deleteRange(b("a"), huge, 5), "a 4 KiB end bound: the tombstone of a only");
        assertNull(store.get(b("a"), 5));
        assertArrayEquals(b("vb"), store.get(b("b"), 5));
        store.put(b("a"), 6, b("va"));
        assertServes(store);
    }

    /**
     * README, "Embedding": LMDB "keys up to 439 bytes, a longer one is a {@code StoreException}". LMDB's default
     * key limit is 511 bytes and a stored key is the memcomparable user key (9 bytes per started group of 8, a
     * whole extra group when the length is a multiple of 8) plus the 8-byte version: 439 bytes encode to 503, 440 to
     * 512. Was: the README and the class Javadoc promised 440, which the store refused.
     */
    @Test
    void theDocumentedKeyLimitIsTheStoresLimit()
    {
        final LmdbBackingStore store = open("db");
        assertEquals(439, store.maxKeyLength());
        final byte[] at = new byte[439];
        Arrays.fill(at, (byte)'k');
        store.put(at, 2, b("v"));
        assertArrayEquals(b("v"), store.get(at, 2));
        storeException("a 440-byte key", () -> store.put(new byte[440], 3, b("x")));
        assertServes(store);
    }

    /**
     * {@code get}/{@code multiGet} on buffers: slices outside their buffers and counts past the arrays are refused
     * with {@code IllegalArgumentException} before LMDB or a buffer is touched; null buffers with
     * {@code NullPointerException}. Was: a key slice outside its buffer threw Agrona's
     * {@code IndexOutOfBoundsException} (with its bounds checks off, as the README allows, a read outside the buffer),
     * a negative key length {@code NegativeArraySizeException}, a negative {@code dstOffset} reached {@code putBytes},
     * and a count past the arrays threw {@code ArrayIndexOutOfBoundsException}.
     */
    @Test
    void bufferReadsRefuseSlicesOutsideTheirBuffers()
    {
        final LmdbBackingStore store = open("db");
        final UnsafeBuffer key = new UnsafeBuffer(b("a"));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
        assertEquals(2, store.get(key, 0, 1, 5, dst, 0));
        for (final int[] slice : new int[][] {{-1, 1}, {0, -1}, {0, 2}, {2, 0}, {1, Integer.MAX_VALUE},
            {Integer.MIN_VALUE, 0}})
        {
            throwsExactly(IllegalArgumentException.class, () -> store.get(key, slice[0], slice[1], 5, dst, 0));
        }
        throwsExactly(IllegalArgumentException.class, () -> store.get(key, 0, 1, 5, dst, -1));
        throwsExactly(IllegalArgumentException.class, () -> store.get(key, 0, 1, 5, dst, 17));
        assertEquals(-4, store.get(key, 0, 1, 5, dst, 16), "a value that does not fit is an answer");
        throwsExactly(NullPointerException.class, () -> store.get(null, 0, 1, 5, dst, 0));
        throwsExactly(NullPointerException.class, () -> store.get(key, 0, 1, 5, null, 0));

        final UnsafeBuffer keys = new UnsafeBuffer(b("ab"));
        final int[] offsets = {0, 1};
        final int[] lengths = {1, 1};
        final int[] valueOffsets = new int[2];
        final int[] valueLengths = new int[2];
        assertEquals(4, store.multiGet(keys, offsets, lengths, 0, 2, 5, dst, 0, valueOffsets, valueLengths));
        throwsExactly(IllegalArgumentException.class,
            () -> store.multiGet(keys, offsets, lengths, 0, 3, 5, dst, 0, valueOffsets, valueLengths));
        throwsExactly(IllegalArgumentException.class,
            () -> store.multiGet(keys, offsets, lengths, -1, 1, 5, dst, 0, valueOffsets, valueLengths));
        throwsExactly(IllegalArgumentException.class,
            () -> store.multiGet(keys, offsets, lengths, 0, 2, 5, dst, -1, valueOffsets, valueLengths));
        throwsExactly(IllegalArgumentException.class,
            () -> store.multiGet(keys, offsets, new int[] {1, -1}, 0, 2, 5, dst, 0, valueOffsets, valueLengths));
        throwsExactly(NullPointerException.class,
            () -> store.multiGet(keys, offsets, lengths, 0, 2, 5, dst, 0, null, valueLengths));

        try (BackingSnapshot snap = store.openSnapshot())
        {
            throwsExactly(IllegalArgumentException.class, () -> snap.get(key, 0, -1, 5, dst, 0));
            throwsExactly(IllegalArgumentException.class, () -> snap.get(key, 0, 1, 5, dst, -1));
            assertEquals(2, snap.get(key, 0, 1, 5, dst, 0));
        }
        assertServes(store);
    }

    /**
     * Ranges: null scan bounds mean open, as the store's cursors and the RocksDB store take them; inverted ranges are
     * empty; a null seek key is a {@code NullPointerException}. Was: {@code scan(null, null, ...)} threw a
     * {@code NullPointerException} from inside (the RocksDB store scans everything).
     */
    @Test
    void nullBoundsAreOpenAndInvertedRangesEmpty()
    {
        final LmdbBackingStore store = open("db");
        try (BackingSnapshot snap = store.openSnapshot())
        {
            final List<String> seen = new ArrayList<>();
            snap.scan(null, null, (k, ko, kl, v, val, vo, vl) -> seen.add(new String(k.byteArray(), ko, kl, US_ASCII)));
            assertEquals(List.of("a", "b"), seen);
            seen.clear();
            snap.scan(b("b"), b("a"), (k, ko, kl, v, val, vo, vl) -> seen.add("x"));
            assertEquals(List.of(), seen);
        }
        try (StoreCursor c = store.newCursor(b("b"), b("a"), 5))
        {
            assertFalse(c.next());
            assertFalse(c.prev());
            assertFalse(c.seekToLast());
            assertFalse(c.seek(b("a")));
            throwsExactly(NullPointerException.class, () -> c.seek(null));
        }
        try (StoreCursor c = store.newCursor(null, null, 5))
        {
            assertTrue(c.seekToLast());
            assertArrayEquals(b("b"), c.keyBytes());
        }
        assertEquals(0, store.deleteRange(b("b"), b("a"), 10));
        assertServes(store);
    }

    // ================================================================== handles out of their life

    /**
     * A snapshot closed (twice) refuses its reads typed; a cursor closed (twice) refuses its moves typed; the store
     * serves. Its views were copied out of LMDB, so reading them after close reads Java memory.
     */
    @Test
    void closedHandlesRefuseTyped()
    {
        final LmdbBackingStore store = open("db");
        final BackingSnapshot snap = store.openSnapshot();
        snap.close();
        snap.close();
        storeException("scan", () -> snap.scan(OPEN, OPEN, (k, ko, kl, v, val, vo, vl) -> true));
        storeException("get", () -> snap.get(new UnsafeBuffer(b("a")), 0, 1, 5, new ExpandableArrayBuffer(8), 0));
        final StoreCursor c = store.newCursor(OPEN, OPEN, 5);
        assertTrue(c.next());
        c.close();
        c.close();
        storeException("next", c::next);
        storeException("prev", c::prev);
        storeException("seekToFirst", c::seekToFirst);
        storeException("seekToLast", c::seekToLast);
        storeException("seek", () -> c.seek(b("a")));
        storeException("seekForPrev", () -> c.seekForPrev(b("a")));
        assertArrayEquals(b("a"), c.keyBytes());
        assertServes(store);
    }

    /** After the store's close (twice) every call and handle refuses typed; the directory reopens with its data. */
    @Test
    void everyCallAfterTheStoreClosedIsTyped()
    {
        final LmdbBackingStore store = LmdbBackingStore.open(dir.resolve("db"));
        store.put(b("a"), 1, b("va"));
        final BackingSnapshot snap = store.openSnapshot();
        final StoreCursor cursor = store.newCursor(OPEN, OPEN, 5);
        assertTrue(cursor.next());
        store.close();
        store.close();
        assertTrue(store.isClosed());
        assertEquals(dir.resolve("db"), store.dir());
        assertTrue(store.maxKeyLength() > 0);
        storeException("applyBatch", () -> store.applyBatch(new WriteBatch(0, 0, 2).put(b("a"), b("x"))));
        storeException("deleteRange", () -> store.deleteRange(OPEN, OPEN, 2));
        storeException("gcBelow", () -> store.gcBelow(1));
        storeException("openSnapshot", store::openSnapshot);
        storeException("get", () -> store.get(b("a"), 5));
        storeException("newCursor", () -> store.newCursor(OPEN, OPEN, 5));
        storeException("snapshot scan", () -> snap.scan(OPEN, OPEN, (k, ko, kl, v, val, vo, vl) -> true));
        storeException("snapshot get", () -> snap.get(new UnsafeBuffer(b("a")), 0, 1, 5,
            new ExpandableArrayBuffer(8), 0));
        storeException("cursor next", cursor::next);
        storeException("cursor seekForPrev", () -> cursor.seekForPrev(b("z")));
        cursor.close();
        snap.close();
        try (LmdbBackingStore reopened = LmdbBackingStore.open(dir.resolve("db")))
        {
            assertArrayEquals(b("va"), reopened.get(b("a"), 5));
        }
    }

    /**
     * {@code close()} of the store or of the snapshot from inside a scan of that snapshot (its visitor) would wait
     * for itself or free the transaction the scan reads: both refuse with {@code IllegalStateException}, the scan goes
     * on. Was: the store's close waited forever for the write side of the lock its own thread held for reading; the
     * snapshot's close (re-entering the scan's monitor) ended the transaction under the running scan.
     */
    @Test
    void closeFromInsideAScanRefusesTyped() throws Exception
    {
        final LmdbBackingStore store = open("db");
        final Thread t = new Thread(() ->
        {
            try (BackingSnapshot snap = store.openSnapshot())
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
                for (final Throwable r : refused)
                {
                    assertEquals(IllegalStateException.class, r.getClass(), r::toString);
                }
            }
        });
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        t.setUncaughtExceptionHandler((th, ex) -> failure.set(ex));
        t.setDaemon(true); // a thread stuck for good must not keep the test JVM alive
        t.start();
        t.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
        assertFalse(t.isAlive(), "close() from inside the scan returned");
        assertNull(failure.get(), () -> String.valueOf(failure.get()));
        assertFalse(store.isClosed());
        assertServes(store);
    }

    /**
     * A read of a snapshot that has to wait for the store's lifecycle lock while the store closes: the read gets a
     * {@code StoreException} and the close finishes. Here a scan of another snapshot holds the lock, the store's
     * close queues behind it, then the read queues behind the close, then the scan ends. Was: the read took the
     * snapshot's monitor before the store's lock and the close (holding the lock) waited for that monitor to close
     * the snapshot: a deadlock, both threads stuck for good.
     */
    @Test
    void aSnapshotReadRacingTheStoresCloseNeverDeadlocks() throws Exception
    {
        final LmdbBackingStore store = LmdbBackingStore.open(dir.resolve("db"), 64L << 20, false);
        store.put(b("a"), 1, b("va"));
        final BackingSnapshot holder = store.openSnapshot();
        final BackingSnapshot target = store.openSnapshot();
        final CountDownLatch inScan = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicReference<Throwable> readResult = new AtomicReference<>();
        final Thread scanner = daemon(() -> holder.scan(OPEN, OPEN, (k, ko, kl, v, val, vo, vl) ->
        {
            inScan.countDown();
            try
            {
                return release.await(DEADLINE_SECONDS, TimeUnit.SECONDS) && false;
            }
            catch (final InterruptedException ex)
            {
                throw new IllegalStateException(ex);
            }
        }));
        assertTrue(inScan.await(DEADLINE_SECONDS, TimeUnit.SECONDS));
        final Thread closer = daemon(store::close);
        awaitBlocked(closer, "the store's close");
        final Thread reader = daemon(() ->
        {
            try
            {
                target.get(new UnsafeBuffer(b("a")), 0, 1, 5, new ExpandableArrayBuffer(8), 0);
                readResult.set(new AssertionError("the read succeeded"));
            }
            catch (final Throwable t)
            {
                readResult.set(t);
            }
        });
        awaitBlocked(reader, "the snapshot read");
        release.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
        reader.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
        scanner.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
        assertFalse(closer.isAlive(), "the store's close finished");
        assertFalse(reader.isAlive(), "the read finished");
        assertTrue(store.isClosed());
        assertEquals(StoreException.class, readResult.get().getClass(), () -> String.valueOf(readResult.get()));
        try (LmdbBackingStore reopened = LmdbBackingStore.open(dir.resolve("db")))
        {
            assertArrayEquals(b("va"), reopened.get(b("a"), 5));
        }
    }

    private static Thread daemon(final Runnable r)
    {
        final Thread t = new Thread(r);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Handles closed on one thread while the store closes on another: both finish, nothing is released after the
     * environment, and the directory reopens. (A race: each round gives it one chance.)
     */
    @Test
    void handlesClosedWhileTheStoreClosesAreReleasedBeforeTheEnvironment() throws Exception
    {
        final Path db = dir.resolve("race");
        for (int round = 0; round < 40; round++)
        {
            final LmdbBackingStore store = LmdbBackingStore.open(db, 16L << 20, false);
            store.put(b("a"), 1, b("va"));
            final List<AutoCloseable> handles = new ArrayList<>();
            for (int i = 0; i < 8; i++)
            {
                handles.add(store.openSnapshot());
                handles.add(store.newCursor(OPEN, OPEN, 5));
            }
            final CyclicBarrier start = new CyclicBarrier(2);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread closer = new Thread(() ->
            {
                try
                {
                    start.await(DEADLINE_SECONDS, TimeUnit.SECONDS);
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
            closer.setDaemon(true);
            closer.start();
            start.await(DEADLINE_SECONDS, TimeUnit.SECONDS);
            store.close();
            closer.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
            assertFalse(closer.isAlive());
            assertNull(failure.get(), () -> String.valueOf(failure.get()));
        }
        try (LmdbBackingStore reopened = LmdbBackingStore.open(db))
        {
            assertArrayEquals(b("va"), reopened.get(b("a"), 5));
        }
    }
}
