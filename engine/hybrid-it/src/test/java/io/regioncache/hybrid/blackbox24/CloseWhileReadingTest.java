package io.regioncache.hybrid.blackbox24;

import static io.regioncache.hybrid.blackbox24.Bb24.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.BackingSnapshot;
import io.regioncache.StoreCursor;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;

/**
 * README, Embedding: "On a closed store, snapshot or cursor every read, write, scan, seek and step ... throws
 * StoreException ..., and nothing reads released native memory." A reader thread keeps reading while the store closes:
 * it must end on a StoreException, never another error (nor a crash).
 */
class CloseWhileReadingTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Bb24.Kind.class)
    void aReaderRacingCloseEndsOnStoreException(final Bb24.Kind kind) throws Exception
    {
        final WritableStore store = kind.open(dir);
        final WriteBatch batch = new WriteBatch(0, 0, 2);
        for (int i = 0; i < 500; i++)
        {
            batch.put(b(String.format("key%04d", i)), b("value-" + i));
        }
        store.applyBatch(batch);
        final AtomicInteger rounds = new AtomicInteger();
        final AtomicReference<Throwable> ended = new AtomicReference<>();
        final Thread reader = new Thread(() ->
        {
            final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(64);
            final UnsafeBuffer key = new UnsafeBuffer(b("key0042"));
            try
            {
                while (true)
                {
                    try (StoreCursor c = store.newCursor(b("key0100"), b("key0400"), 5))
                    {
                        int n = 0;
                        for (boolean ok = c.seekToFirst(); ok && n < 50; ok = c.next())
                        {
                            n++;
                        }
                        c.seekForPrev(b("key0300"));
                        c.prev();
                    }
                    final int got = store.get(key, 0, key.capacity(), 5, dst, 0);
                    // value-42; the in-memory store (for tests) may answer "absent" from the map its close clears
                    if (got != 8 && !(kind == Bb24.Kind.IN_MEMORY && got == BackingSnapshot.NOT_FOUND))
                    {
                        throw new AssertionError("get answered " + got);
                    }
                    try (BackingSnapshot s = store.openSnapshot())
                    {
                        s.get(key, 0, key.capacity(), 5, dst, 0);
                        final int[] seen = {0};
                        s.scan(b("key0200"), b("key0260"), (k, ko, kl, v, val, vo, vl) -> ++seen[0] < 40);
                    }
                    rounds.incrementAndGet();
                }
            }
            catch (final Throwable t)
            {
                ended.set(t);
            }
        }, "bb24-reader");
        reader.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (rounds.get() < 30 && reader.isAlive())
        {
            assertTrue(System.nanoTime() < deadline, "reader made no progress");
            Thread.onSpinWait();
        }
        assertTrue(reader.isAlive(), () -> "reader died early: " + ended.get());
        store.close();
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(reader.isAlive(), "reader still running after close");
        final Throwable t = ended.get();
        if (!(t instanceof StoreException))
        {
            fail(kind + ": the reader ended on " + t, t);
        }
        assertEquals(StoreException.class, t.getClass(), kind.toString());
    }
}
