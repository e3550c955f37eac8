package io.regioncache;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.regioncache.hybrid.HybridEngine;
import io.regioncache.store.InMemoryBackingStore;
import io.regioncache.store.MvccKeyCodec;

/**
 * Audit (session 31) of README.md's "Embedding" (with "The engine alone" and "The hybrid engine"), "Observability",
 * "Tests" and "Reliability": promises no earlier contract or audit test pins down, through the public API only, on
 * the invoker (no timing, no sleeps).
 */
class ReadmeAuditEmbeddingApiTest
{
    private RegionCache cache;

    @AfterEach
    void closeAll()
    {
        if (cache != null)
        {
            cache.close();
        }
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    private CommandResult expect(final ResultCode code, final CompletableFuture<CommandResult> f) throws Exception
    {
        return InvokerCommands.expect(cache, code, f);
    }

    private long metric(final String name)
    {
        final Number n = cache.metrics().values().get(name);
        assertNotNull(n, () -> "metrics() has no key " + name);
        return n.longValue();
    }

    private void cycleUntil(final String what, final BooleanSupplier done)
    {
        for (int i = 0; i < 10_000 && !done.getAsBoolean(); i++)
        {
            cache.applyCycle();
        }
        assertTrue(done.getAsBoolean(), what);
    }

    // ------------------------------------------------------------------ Embedding: result codes

    /**
     * README, "Embedding": "A load at a newer epoch that is refused for memory ({@code SKIPPED}) has evicted the stale
     * record first ({@code EPOCH_DRIFT}, counted as a conflict): nothing of the region stays cached." Refused here at
     * the stop-load threshold (another region holds the memory).
     */
    @Test
    void aLoadAtANewerEpochRefusedForMemoryEvictsTheStaleRecordFirst() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("p1"), 1, b("stored"));
        cache = RegionCache.create(InvokerCommands.config().backingStore(store).build());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.createRegion(new Region(2, b("m"), b("z"), 1)));
        final byte[] value = new byte[InvokerCommands.MAX_VALUE];
        for (int i = 0; i < 200; i++)
        {
            expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10 + i).put(b(String.format("c%05d", i)), value)));
        }
        expect(ResultCode.OK, cache.write(new WriteBatch(2, 1, 10).put(b("p2"), b("cached"))));
        final long inUse = cache.memoryInUse();
        assertTrue(inUse > 0);
        // Region 1 alone keeps the cache at the stop-load threshold; the policy has nothing to evict (evict > used).
        cache.updateMemoryLimits(64L << 20, 48L << 20, 1);
        final long conflicts = metric("conflicts");
        final long drift = metric("evictions.EPOCH_DRIFT");

        final CommandResult r = expect(ResultCode.SKIPPED, cache.loadRegion(new Region(2, b("m"), b("z"), 2)));
        assertFalse(r.detail().isEmpty(), "SKIPPED carries its reason");
        assertNull(cache.stateOf(2), "nothing of region 2 stays cached");
        assertEquals(drift + 1, metric("evictions.EPOCH_DRIFT"), "the stale record was evicted as an epoch drift");
        assertEquals(conflicts + 1, metric("conflicts"), "counted as a conflict");
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.NOT_CACHED, s.open(2, 1, 100), "the old epoch is gone too");
        assertEquals(SnapshotStatus.NOT_CACHED, s.open(2, 2, 100));
        s.dispose();
        assertEquals(RegionState.ACTIVE, cache.stateOf(1), "the other region is untouched");
    }

    /**
     * README, "Embedding": SKIPPED for "a safe point below the region's or equal to it". The test before pinned only
     * "below".
     */
    @Test
    void aSafePointEqualToTheRegionsIsSkipped() throws Exception
    {
        cache = RegionCache.create(InvokerCommands.config().build());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v"))));
        expect(ResultCode.OK, cache.advanceSafePoint(1, 5));
        final CommandResult equal = expect(ResultCode.SKIPPED, cache.advanceSafePoint(1, 5));
        assertFalse(equal.detail().isEmpty(), "with its reason");
        expect(ResultCode.OK, cache.advanceSafePoint(1, 6));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 6));
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 7));
        s.dispose();
    }

    /**
     * README, "Embedding": "Its {@code ResultCode} is one of:" the twelve codes listed, and "Opening a snapshot returns
     * one of" the eight statuses listed ({@code PIN_LIMIT} kept for a host's {@code switch}). A code the README does
     * not list would be an answer a host cannot expect.
     */
    @Test
    void theResultCodesAndSnapshotStatusesAreExactlyTheListedOnes()
    {
        assertEquals(List.of("OK", "NOT_CACHED", "SKIPPED", "STALE_EPOCH", "EPOCH_DRIFT", "STATE_CONFLICT", "INVALID",
            "MEMORY_LIMIT", "QUEUE_FULL", "CLOSED", "STORE_ERROR", "INTERNAL_ERROR"),
            Arrays.stream(ResultCode.values()).map(Enum::name).toList());
        assertEquals(EnumSet.allOf(SnapshotStatus.class), EnumSet.of(SnapshotStatus.OK, SnapshotStatus.NOT_CACHED,
            SnapshotStatus.EPOCH_MISMATCH, SnapshotStatus.TOO_OLD_READ, SnapshotStatus.LOADING, SnapshotStatus.EVICTING,
            SnapshotStatus.PIN_LIMIT, SnapshotStatus.CLOSED));
        assertNotNull(EvictReason.valueOf("DISABLED"), "setEnabled(false) evicts with EvictReason.DISABLED");
    }

    /**
     * README, "Embedding": "Any other {@code MutableDirectBuffer} class (an {@code ExpandableArrayBuffer}, a host's
     * own) gets the same answer through its {@code putBytes} ... the engine never writes a buffer of a class it does
     * not know around that class's accessors." A host's own subclass of {@code UnsafeBuffer} is such a class: its
     * {@code putBytes} must see every value copied (inline entry, a value past the 116-byte entry, and
     * {@code multiGet}), and the answers are those of a plain {@code UnsafeBuffer}.
     */
    @Test
    void aHostsOwnBufferClassIsWrittenThroughItsPutBytes() throws Exception
    {
        cache = RegionCache.create(InvokerCommands.config().maxValueLength(4096).build());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final byte[] small = b("small-value");
        final byte[] large = new byte[3000];
        Arrays.fill(large, (byte)7);
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), small).put(b("d"), large)));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        try
        {
            for (final String key : List.of("c", "d"))
            {
                final byte[] want = key.equals("c") ? small : large;
                final CountingBuffer own = new CountingBuffer(new byte[4096]);
                final UnsafeBuffer plain = new UnsafeBuffer(new byte[4096]);
                final UnsafeBuffer k = new UnsafeBuffer(b(key));
                assertEquals(want.length, s.get(k, 0, 1, plain, 3));
                assertEquals(want.length, s.get(k, 0, 1, own, 3), "the same answer");
                assertTrue(own.putBytesCalls > 0, "written through the host class's putBytes: " + key);
                final byte[] got = new byte[want.length];
                own.getBytes(3, got);
                assertArrayEquals(want, got);
            }
            final CountingBuffer own = new CountingBuffer(new byte[8192]);
            final UnsafeBuffer keys = new UnsafeBuffer(b("cde"));
            final int[] offsets = new int[3];
            final int[] lengths = new int[3];
            final int end = s.multiGet(keys, new int[] {0, 1, 2}, new int[] {1, 1, 1}, 3, own, 0, offsets, lengths);
            assertEquals(small.length + large.length, end);
            assertEquals(small.length, lengths[0]);
            assertEquals(large.length, lengths[1]);
            assertEquals(-1, lengths[2], "absent");
            assertTrue(own.putBytesCalls >= 2, "multiGet writes through putBytes too: " + own.putBytesCalls);
            final byte[] got = new byte[large.length];
            own.getBytes(offsets[1], got);
            assertArrayEquals(large, got);
        }
        finally
        {
            s.close();
            s.dispose();
        }
    }

    /** A host's own buffer class: an {@code UnsafeBuffer} subclass that counts the copies made into it. */
    static final class CountingBuffer extends UnsafeBuffer
    {
        int putBytesCalls;

        CountingBuffer(final byte[] bytes)
        {
            super(bytes);
        }

        @Override
        public void putBytes(final int index, final DirectBuffer src, final int srcIndex, final int length)
        {
            putBytesCalls++;
            super.putBytes(index, src, srcIndex, length);
        }

        @Override
        public void putBytes(final int index, final byte[] src, final int offset, final int length)
        {
            putBytesCalls++;
            super.putBytes(index, src, offset, length);
        }

        @Override
        public void putBytes(final int index, final byte[] src)
        {
            putBytesCalls++;
            super.putBytes(index, src);
        }
    }

    /**
     * README, "Embedding" (LMDB): "keys up to 439 bytes (511 encoded: the memcomparable key plus the 8-byte
     * version)": LMDB's 511-byte key limit holds the stored key of a 439-byte user key and not that of a 440-byte one
     * ({@code MvccKeyCodec}, the format both stores share).
     */
    @Test
    void theLmdbKeyLimitIsWhatFitsInLmdbs511Bytes()
    {
        assertTrue(MvccKeyCodec.encode(new byte[439], 1).length <= 511);
        assertTrue(MvccKeyCodec.encode(new byte[440], 1).length > 511);
        assertEquals(MvccKeyCodec.encodedLength(439) + MvccKeyCodec.VERSION_LENGTH,
            MvccKeyCodec.encode(new byte[439], 1).length);
    }

    /** README, "Embedding": "{@code RegionCache} and {@code HybridEngine} both implement" {@code ApplyStream}. */
    @Test
    void bothEnginesImplementTheApplyStream()
    {
        assertTrue(ApplyStream.class.isAssignableFrom(RegionCache.class));
        assertTrue(ApplyStream.class.isAssignableFrom(HybridEngine.class));
    }

    /**
     * README, "Embedding": "There is no public seam into the single writer: no {@code submit(Command)}, no pool, no
     * counters with mutators, no public {@code Snapshot} constructor", and the off-heap tables live in
     * {@code io.regioncache.internal.*}, "which {@code module-info.java} does not export". Read by reflection over the
     * three exported packages: no public constructor of {@code Snapshot}, no public {@code submit}, and no public or
     * protected member of a public type that takes or returns a type outside the exported API (an internal or a
     * package-private one), which would make it a seam a host could reach.
     */
    @Test
    void noPublicSeamIntoTheSingleWriter() throws Exception
    {
        assertEquals(0, Snapshot.class.getConstructors().length, "no public Snapshot constructor");
        for (final java.lang.reflect.Method m : RegionCache.class.getMethods())
        {
            assertFalse(m.getName().equals("submit"), "no public submit: " + m);
        }
        final java.nio.file.Path root = java.nio.file.Path.of(
            RegionCache.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        final List<String> seams = new java.util.ArrayList<>();
        for (final String pkg : List.of("io/regioncache", "io/regioncache/hybrid", "io/regioncache/store"))
        {
            try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(root.resolve(pkg)))
            {
                for (final java.nio.file.Path f : (Iterable<java.nio.file.Path>)files::iterator)
                {
                    final String name = f.getFileName().toString();
                    if (!name.endsWith(".class") || name.equals("package-info.class"))
                    {
                        continue;
                    }
                    final Class<?> c = Class.forName(pkg.replace('/', '.') + "." + name.substring(0, name.length() - 6));
                    if (!isApi(c))
                    {
                        continue;
                    }
                    for (final java.lang.reflect.Method m : c.getDeclaredMethods())
                    {
                        if (visible(m.getModifiers()) && !m.isSynthetic())
                        {
                            check(seams, m.toGenericString(), m.getReturnType());
                            check(seams, m.toGenericString(), m.getParameterTypes());
                        }
                    }
                    for (final java.lang.reflect.Constructor<?> k : c.getDeclaredConstructors())
                    {
                        if (visible(k.getModifiers()) && !k.isSynthetic())
                        {
                            check(seams, k.toGenericString(), k.getParameterTypes());
                        }
                    }
                    for (final java.lang.reflect.Field fd : c.getDeclaredFields())
                    {
                        if (visible(fd.getModifiers()) && !fd.isSynthetic())
                        {
                            check(seams, fd.toGenericString(), fd.getType());
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), seams, "public members that reach outside the exported API");
    }

    private static boolean visible(final int modifiers)
    {
        return java.lang.reflect.Modifier.isPublic(modifiers) || java.lang.reflect.Modifier.isProtected(modifiers);
    }

    /** @return true if a host can name the type: public, and every enclosing type public. */
    private static boolean isApi(final Class<?> c)
    {
        for (Class<?> t = c; t != null; t = t.getEnclosingClass())
        {
            if (!java.lang.reflect.Modifier.isPublic(t.getModifiers()))
            {
                return false;
            }
        }
        return true;
    }

    private static void check(final List<String> seams, final String member, final Class<?>... types)
    {
        for (Class<?> t : types)
        {
            while (t.isArray())
            {
                t = t.getComponentType();
            }
            if (t.isPrimitive() || t.getPackageName().startsWith("java") || t.getPackageName().startsWith("org."))
            {
                continue;
            }
            if (t.getPackageName().startsWith("io.regioncache.internal") || !isApi(t))
            {
                seams.add(member + " -> " + t.getName());
            }
        }
    }

    // ------------------------------------------------------------------ Observability

    /**
     * README, "Observability": "results per code (the engine's own load and compaction completions included)". The
     * load's completion is pinned elsewhere; here a compaction: the request is counted {@code OK}, and so is its own
     * completion once the engine installs the compacted table.
     */
    @Test
    void aCompactionsOwnCompletionIsCountedUnderItsCode() throws Exception
    {
        cache = RegionCache.create(InvokerCommands.config().build());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        for (int v = 1; v <= 20; v++)
        {
            expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, v).put(b("c"), b("v" + v))));
        }
        expect(ResultCode.OK, cache.advanceSafePoint(15));
        final long ok = metric("results.OK");
        expect(ResultCode.OK, cache.compact(1));
        assertEquals(ok + 1, metric("results.OK"), "the request");
        cycleUntil("the compaction finishes", () -> metric("compactions.finished") == 1);
        for (int i = 0; i < 5; i++)
        {
            cache.applyCycle();
        }
        assertEquals(ok + 2, metric("results.OK"), "and the compaction's own completion");
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 20));
        assertArrayEquals(b("v20"), s.get(b("c")));
        s.dispose();
    }

    // ------------------------------------------------------------------ Reliability

    /**
     * README, "Reliability" (zero bytes after close): "memory a snapshot or a still-running job pins after that is
     * left to the GC, never freed under a reader, and stays counted in {@code memoryInUse()}". The test before pinned
     * that the snapshot still reads; here the accounting: past {@code closeTimeoutMillis} the pinned table is still
     * counted, and the closed engine frees nothing when the snapshot closes later.
     */
    @Test
    void memoryPinnedPastTheCloseTimeoutStaysCountedInMemoryInUse() throws Exception
    {
        cache = RegionCache.create(InvokerCommands.config().closeTimeoutMillis(1).build());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v1"))));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        cache.close();
        assertTrue(cache.memoryInUse() > 0, "still counted while the snapshot pins it");
        assertArrayEquals(b("v1"), s.get(b("c")), "never freed under a reader");
        s.close();
        assertTrue(cache.memoryInUse() > 0, "left to the GC: the closed engine frees nothing");
        assertEquals(SnapshotStatus.CLOSED, s.open(1, 1, 100));
        s.dispose();
    }
}
