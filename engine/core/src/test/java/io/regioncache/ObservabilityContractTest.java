package io.regioncache;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.store.FailingStore;
import io.regioncache.store.InMemoryBackingStore;

/**
 * The promises of README.md's "## Observability" section, through the public API only: every metric family
 * {@code cache.metrics()} lists (regions per state, transitions from→to made and refused, conflicts, snapshot
 * failures by reason, results per code, evictions per reason, memory per threshold, load / evict / compaction
 * durations, {@code loads.index_filled_during_copy}, queue depth and {@code QUEUE_FULL} back-pressure, GC counts),
 * that the map renders to valid JSON, and the SLF4J levels (in a child JVM, whose logging this test configures).
 * Engines run in {@code Threading.INVOKER} mode: the test runs the apply thread's duty cycles itself.
 * <p>
 * Was (before this test): a command refused {@code CLOSED} at the call after {@code close()} was not counted under
 * {@code results.CLOSED}, and {@code MetricsSnapshot.toJson()} escaped only quotes and wrote non-finite numbers
 * as {@code NaN}/{@code Infinity} (not JSON) for a snapshot built through its public constructor.
 */
class ObservabilityContractTest
{
    /** The legal moves of README "How it works" ("The legal moves are a table"), NEW = a record created in a state. */
    static final List<String> LEGAL_MOVES = List.of(
        "NEW->PENDING", "NEW->LOADING", "NEW->ACTIVE",
        "PENDING->LOADING", "PENDING->GONE", "PENDING->RETIRED",
        "LOADING->ACTIVE", "LOADING->LOADING_CANCELED", "LOADING->EVICTING", "LOADING->RETIRED",
        "LOADING_CANCELED->EVICTING",
        "ACTIVE->PENDING_EVICT", "ACTIVE->EVICTING", "ACTIVE->RETIRED",
        "PENDING_EVICT->EVICTING", "EVICTING->GONE", "RETIRED->GONE");

    private RegionCache cache;

    @AfterEach
    void closeCache()
    {
        if (cache != null)
        {
            cache.close();
        }
    }

    static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    static RegionCacheConfig.Builder config()
    {
        return RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .segmentSize(1 << 16)
            .maxKeyLength(16)
            .maxValueLength(64)
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run)
            .gcExecutor(Runnable::run)
            .pipelinedLoads(false)
            // No policy round after the first duty cycle's unless a test asks for one: a round could start a
            // compaction of its own (a table mostly garbage at its safe point) and change the counts checked.
            .policyIntervalMillis(3_600_000)
            .closeTimeoutMillis(2_000);
    }

    private RegionCache start(final RegionCacheConfig.Builder builder)
    {
        cache = RegionCache.create(builder.build());
        return cache;
    }

    /** Runs apply duty cycles until the future completes (bounded), then returns its result. */
    private CommandResult await(final CompletableFuture<CommandResult> f) throws Exception
    {
        return InvokerCommands.await(cache, f);
    }

    private void expect(final ResultCode code, final CompletableFuture<CommandResult> f) throws Exception
    {
        InvokerCommands.expect(cache, code, f);
    }

    /** Runs duty cycles until {@code done} holds (at most 10,000 cycles, then fails with {@code what}). */
    private void cycleUntil(final String what, final BooleanSupplier done)
    {
        for (int i = 0; i < 10_000 && !done.getAsBoolean(); i++)
        {
            cache.applyCycle();
        }
        assertTrue(done.getAsBoolean(), what);
    }

    private long metric(final String name)
    {
        final Number n = cache.metrics().values().get(name);
        assertNotNull(n, () -> "metrics() has no key " + name + ": " + cache.metrics().values().keySet());
        return n.longValue();
    }

    /** Holds submitted jobs until the test runs them: a load or compaction stays in flight as long as needed. */
    static final class HeldExecutor implements Executor
    {
        private final ArrayDeque<Runnable> jobs = new ArrayDeque<>();

        @Override
        public synchronized void execute(final Runnable job)
        {
            jobs.add(job);
        }

        /** @return how many jobs ran. */
        int runAll()
        {
            int n = 0;
            Runnable job;
            while ((job = next()) != null)
            {
                job.run();
                n++;
            }
            return n;
        }

        private synchronized Runnable next()
        {
            return jobs.poll();
        }

        synchronized int held()
        {
            return jobs.size();
        }
    }

    // ------------------------------------------------------------------ the key families

    /** Every documented family has its keys from the start, at zero, and the key set stays the same under use. */
    @Test
    void everyDocumentedFamilyHasItsKeysFromTheStart() throws Exception
    {
        final RegionCacheConfig cfg = config().build();
        cache = RegionCache.create(cfg);
        final Map<String, Number> m = cache.metrics().values();
        final List<String> expected = new ArrayList<>();
        for (final String s : new String[] {"PENDING", "LOADING", "ACTIVE"})
        {
            expected.add("regions." + s);
        }
        expected.add("regions.draining");
        for (final String move : LEGAL_MOVES)
        {
            expected.add("transitions.made." + move);
        }
        expected.add("transitions.refused");
        expected.add("conflicts");
        for (final SnapshotStatus s : SnapshotStatus.values())
        {
            if (s != SnapshotStatus.OK)
            {
                expected.add("snapshot.failures." + s);
            }
        }
        for (final ResultCode c : ResultCode.values())
        {
            expected.add("results." + c);
        }
        for (final EvictReason r : EvictReason.values())
        {
            expected.add("evictions." + r);
        }
        for (final String d : new String[] {"load", "evict", "compaction"})
        {
            expected.add(d + ".count");
            expected.add(d + ".duration.mean_ms");
            expected.add(d + ".duration.max_ms");
        }
        expected.add("loads.index_filled_during_copy");
        expected.add("queue.depth");
        expected.add("queue.full");
        expected.add("compactions.started");
        expected.add("compactions.finished");
        expected.add("gc.versions_dropped");
        for (final String key : expected)
        {
            assertTrue(m.containsKey(key), () -> "metrics() lacks " + key + "; has " + m.keySet());
            assertEquals(0.0, m.get(key).doubleValue(), () -> key + " at start");
        }
        // Memory per threshold: the config's, and nothing in use yet.
        assertEquals(0, m.get("memory.used").longValue());
        assertEquals(cfg.capacityBytes(), m.get("memory.capacity").longValue());
        assertEquals(cfg.evictThresholdBytes(), m.get("memory.evict_threshold").longValue());
        assertEquals(cfg.stopLoadThresholdBytes(), m.get("memory.stop_load_threshold").longValue());

        // "Names are stable": use adds no key and drops none.
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v"))));
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
        expect(ResultCode.OK, cache.evict(2, EvictReason.MANUAL));
        assertEquals(List.copyOf(m.keySet()), List.copyOf(cache.metrics().values().keySet()));
    }

    // ------------------------------------------------------------------ JSON

    /** "a flat ordered map that also renders to JSON": strict JSON, one object, same keys in the same order, same numbers. */
    @Test
    void rendersToStrictJsonWithTheSameKeysValuesAndOrder() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 100; i++)
        {
            store.put(b("k" + (100 + i)), 5, b("v" + i));
        }
        start(config().backingStore(store));
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("k"), b("l"), 1)));
        cycleUntil("region 1 loads", () -> cache.stateOf(1) == RegionState.ACTIVE);
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(1, 1, 10));
        final MetricsSnapshot m = cache.metrics();
        assertEquals(1, m.get("load.count"));
        assertTrue(m.values().get("load.duration.mean_ms") instanceof Double, "durations are fractional milliseconds");

        assertSameAsJson(m.values(), m.toJson());
    }

    /**
     * {@code MetricsSnapshot} is public: whatever names and numbers a host builds one with, {@code toJson()} is JSON.
     * Was: only '"' was escaped (a backslash or a control character in a name made invalid JSON) and a non-finite
     * double rendered as NaN / Infinity, which JSON has no literal for.
     */
    @Test
    void toJsonEscapesNamesAndWritesNonFiniteNumbersAsNull() throws Exception
    {
        final Map<String, Number> values = new LinkedHashMap<>();
        values.put("plain", 1);
        values.put("back\\slash", 2L);
        values.put("quote\"d", 3);
        values.put("tab\tnew\nline\u0001", 4);
        values.put("nan", Double.NaN);
        values.put("inf", Double.POSITIVE_INFINITY);
        values.put("small", 1.0e-7);
        final String json = new MetricsSnapshot(values).toJson();
        final JsonObject o = parseStrict(json);
        assertEquals(List.copyOf(values.keySet()), List.copyOf(o.keySet()), json);
        assertEquals(2, o.get("back\\slash").getAsLong());
        assertEquals(4, o.get("tab\tnew\nline\u0001").getAsLong());
        assertTrue(o.get("nan").isJsonNull(), json);
        assertTrue(o.get("inf").isJsonNull(), json);
        assertEquals(new BigDecimal("1.0E-7"), o.get("small").getAsBigDecimal());
    }

    static JsonObject parseStrict(final String json) throws IOException
    {
        final JsonReader reader = new JsonReader(new StringReader(json));
        reader.setStrictness(Strictness.STRICT);
        final JsonElement e = new Gson().getAdapter(JsonElement.class).read(reader);
        assertEquals(JsonToken.END_DOCUMENT, reader.peek(), "one JSON value, nothing after it");
        assertTrue(e.isJsonObject(), json);
        return e.getAsJsonObject();
    }

    static void assertSameAsJson(final Map<String, Number> values, final String json) throws IOException
    {
        final JsonObject o = parseStrict(json);
        assertEquals(List.copyOf(values.keySet()), List.copyOf(o.keySet()), "same keys, same order");
        for (final Map.Entry<String, Number> e : values.entrySet())
        {
            assertEquals(0, new BigDecimal(e.getValue().toString()).compareTo(o.get(e.getKey()).getAsBigDecimal()),
                () -> e.getKey() + ": " + e.getValue() + " vs " + o.get(e.getKey()));
        }
    }

    // ------------------------------------------------------------------ regions per state

    /** regions.PENDING / LOADING / ACTIVE follow the records; regions.draining counts evicted records still pinned. */
    @Test
    void regionsPerStateFollowTheLifecycle() throws Exception
    {
        final HeldExecutor loader = new HeldExecutor();
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("d"), 5, b("x"));
        start(config().backingStore(store).loaderExecutor(loader));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("c"), 1)));
        assertRegions(0, 0, 1, 0);

        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(new Region(2, b("c"), b("f"), 1)));
        assertEquals(RegionState.PENDING, cache.stateOf(2));
        assertRegions(1, 0, 1, 0);

        cache.pauseLoads(false);
        cycleUntil("the load starts", () -> cache.stateOf(2) == RegionState.LOADING);
        assertRegions(0, 1, 1, 0);

        assertEquals(1, loader.runAll());
        cycleUntil("the load installs", () -> cache.stateOf(2) == RegionState.ACTIVE);
        assertRegions(0, 0, 2, 0);

        final Snapshot pinned = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, pinned.open(1, 1, 10));
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        cache.applyCycle(); // draining is published as of the last duty cycle
        assertRegions(0, 0, 1, 1);
        pinned.close();
        cycleUntil("the evicted record drains", () -> metric("regions.draining") == 0);
        assertRegions(0, 0, 1, 0);
    }

    private void assertRegions(final long pending, final long loading, final long active, final long draining)
    {
        final MetricsSnapshot m = cache.metrics();
        assertEquals(List.of(pending, loading, active, draining),
            List.of(m.get("regions.PENDING"), m.get("regions.LOADING"), m.get("regions.ACTIVE"),
                m.get("regions.draining")), "regions.PENDING, LOADING, ACTIVE, draining");
    }

    // ------------------------------------------------------------------ transitions

    /** "Every move made or refused is counted per from→to": a scenario that makes every legal move, counted exactly. */
    @Test
    void everyMoveMadeIsCountedPerFromTo() throws Exception
    {
        final HeldExecutor loader = new HeldExecutor();
        final InMemoryBackingStore inner = new InMemoryBackingStore();
        inner.put(b("pa"), 5, b("x"));
        inner.put(b("qa"), 5, b("y"));
        final FailingStore store = new FailingStore(inner);
        start(config().backingStore(store).loaderExecutor(loader));
        final Map<String, Long> want = new LinkedHashMap<>();
        for (final String move : LEGAL_MOVES)
        {
            want.put(move, 0L);
        }

        // created ACTIVE; split: source retired, two children created ACTIVE, source GONE (no pins).
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
        add(want, "NEW->ACTIVE", 3, "ACTIVE->RETIRED", 1, "RETIRED->GONE", 1);

        // evicted while pinned: PENDING_EVICT, the last unpin moves it to EVICTING, then GONE.
        final Snapshot pinned = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, pinned.open(2, 2, 10));
        expect(ResultCode.OK, cache.evict(2, EvictReason.MANUAL));
        pinned.close();
        cycleUntil("region 2 drains", () -> metric("regions.draining") == 0);
        add(want, "ACTIVE->PENDING_EVICT", 1, "PENDING_EVICT->EVICTING", 1, "EVICTING->GONE", 1);

        // evicted with no pin.
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        add(want, "ACTIVE->EVICTING", 1, "EVICTING->GONE", 1);

        // evicted while PENDING.
        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(new Region(3, b("m"), b("n"), 1)));
        expect(ResultCode.OK, cache.evict(3, EvictReason.MANUAL));
        add(want, "NEW->PENDING", 1, "PENDING->GONE", 1);

        // split while PENDING: children PENDING.
        expect(ResultCode.OK, cache.loadRegion(new Region(7, b("r"), b("t"), 1)));
        expect(ResultCode.OK, cache.split(7, 1, new byte[][] {b("s")}, new long[] {70}, 2));
        assertEquals(RegionState.PENDING, cache.stateOf(70));
        add(want, "NEW->PENDING", 3, "PENDING->RETIRED", 1, "RETIRED->GONE", 1);
        expect(ResultCode.OK, cache.evict(7, EvictReason.MANUAL));
        expect(ResultCode.OK, cache.evict(70, EvictReason.MANUAL));
        add(want, "PENDING->GONE", 2);
        cache.pauseLoads(false);

        // evicted while LOADING: canceled, then EVICTING and GONE once the loader lets go.
        expect(ResultCode.OK, cache.loadRegion(new Region(4, b("n"), b("o"), 1)));
        cycleUntil("region 4 loading", () -> cache.stateOf(4) == RegionState.LOADING);
        expect(ResultCode.OK, cache.evict(4, EvictReason.MANUAL));
        loader.runAll();
        cycleUntil("the canceled load lets go", () -> metric("transitions.made.LOADING_CANCELED->EVICTING") == 1);
        add(want, "NEW->PENDING", 1, "PENDING->LOADING", 1, "LOADING->LOADING_CANCELED", 1,
            "LOADING_CANCELED->EVICTING", 1, "EVICTING->GONE", 1);

        // a failed load: LOADING -> EVICTING -> GONE.
        store.failNextScan(new StoreException("injected"));
        expect(ResultCode.OK, cache.loadRegion(new Region(5, b("o"), b("p"), 1)));
        cycleUntil("region 5 loading", () -> cache.stateOf(5) == RegionState.LOADING);
        loader.runAll();
        cycleUntil("the failed load is cleaned up", () -> metric("loads.failed") == 1 && cache.stateOf(5) == null);
        add(want, "NEW->PENDING", 1, "PENDING->LOADING", 1, "LOADING->EVICTING", 1, "EVICTING->GONE", 1);

        // split while LOADING: children LOADING, each ACTIVE when the load finishes.
        expect(ResultCode.OK, cache.loadRegion(new Region(6, b("p"), b("r"), 1)));
        cycleUntil("region 6 loading", () -> cache.stateOf(6) == RegionState.LOADING);
        expect(ResultCode.OK, cache.split(6, 1, new byte[][] {b("q")}, new long[] {60}, 2));
        assertEquals(RegionState.LOADING, cache.stateOf(60));
        loader.runAll();
        cycleUntil("both children ACTIVE",
            () -> cache.stateOf(6) == RegionState.ACTIVE && cache.stateOf(60) == RegionState.ACTIVE);
        add(want, "NEW->PENDING", 1, "PENDING->LOADING", 1, "LOADING->RETIRED", 1, "NEW->LOADING", 2,
            "LOADING->ACTIVE", 2, "RETIRED->GONE", 1);

        // a compaction swaps in a successor: source RETIRED then GONE, successor created ACTIVE.
        expect(ResultCode.OK, cache.compact(6));
        cycleUntil("the compaction swaps", () -> metric("compactions.finished") == 1);
        cycleUntil("the source drains", () -> metric("regions.draining") == 0);
        add(want, "ACTIVE->RETIRED", 1, "NEW->ACTIVE", 1, "RETIRED->GONE", 1);

        final MetricsSnapshot m = cache.metrics();
        final Map<String, Long> got = new LinkedHashMap<>();
        for (final String move : LEGAL_MOVES)
        {
            got.put(move, m.get("transitions.made." + move));
        }
        assertEquals(want, got);
        assertEquals(0, m.get("transitions.refused"), "no move was refused");
    }

    private static void add(final Map<String, Long> want, final Object... moveAndCount)
    {
        for (int i = 0; i < moveAndCount.length; i += 2)
        {
            want.merge((String)moveAndCount[i], ((Integer)moveAndCount[i + 1]).longValue(), Long::sum);
        }
    }

    // ------------------------------------------------------------------ snapshot failures

    /** "snapshot failures by reason": each refused open counted once under its status, the convenience call too. */
    @Test
    void snapshotFailuresAreCountedByReason() throws Exception
    {
        start(config().backingStore(new InMemoryBackingStore()));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v"))));
        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(new Region(3, b("p"), b("t"), 1)));
        expect(ResultCode.OK, cache.advanceSafePoint(1, 15));

        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.NOT_CACHED, s.open(9, 1, 100));
        assertEquals(SnapshotStatus.NOT_CACHED, s.open(9, 1, 100));
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 2, 100));
        assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 15));
        assertEquals(SnapshotStatus.LOADING, s.open(3, 1, 100));
        final SnapshotUnavailableException ex =
            assertThrows(SnapshotUnavailableException.class, () -> cache.snapshot(1, 5, 100));
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, ex.status());
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100)); // OK is no failure
        s.close();
        cache.close();
        assertEquals(SnapshotStatus.CLOSED, s.open(1, 1, 100));

        final MetricsSnapshot m = cache.metrics();
        final Map<SnapshotStatus, Long> want = new EnumMap<>(SnapshotStatus.class);
        final Map<SnapshotStatus, Long> got = new EnumMap<>(SnapshotStatus.class);
        for (final SnapshotStatus st : SnapshotStatus.values())
        {
            if (st != SnapshotStatus.OK)
            {
                want.put(st, 0L);
                got.put(st, m.get("snapshot.failures." + st));
            }
        }
        want.put(SnapshotStatus.NOT_CACHED, 2L);
        want.put(SnapshotStatus.EPOCH_MISMATCH, 2L);
        want.put(SnapshotStatus.TOO_OLD_READ, 1L);
        want.put(SnapshotStatus.LOADING, 1L);
        want.put(SnapshotStatus.CLOSED, 1L);
        assertEquals(want, got);
        assertFalse(m.values().containsKey("snapshot.failures.OK"), "OK is not a failure");
    }

    // ------------------------------------------------------------------ results per code

    /**
     * "results per code": every command's outcome is counted once under its code, whether it was answered at the
     * call (INVALID, QUEUE_FULL, CLOSED) or on the apply thread. A load's completion is a command of the engine's
     * own and is counted too (OK, or STORE_ERROR when the store failed).
     * Was: a command answered CLOSED at the call after close() was not counted.
     */
    @Test
    void everyResultIsCountedUnderItsCode() throws Exception
    {
        final FailingStore store = new FailingStore(new InMemoryBackingStore());
        start(config().backingStore(store).commandQueueCapacity(4));
        final Map<ResultCode, Long> want = new EnumMap<>(ResultCode.class);
        for (final ResultCode c : ResultCode.values())
        {
            want.put(c, 0L);
        }
        final Counting counting = new Counting(want);

        counting.expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        counting.expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v"))));
        counting.expect(ResultCode.NOT_CACHED, cache.write(new WriteBatch(42, 1, 10).put(b("c"), b("v"))));
        counting.expect(ResultCode.SKIPPED, cache.setEnabled(true));
        counting.expect(ResultCode.STALE_EPOCH, cache.write(new WriteBatch(1, 0, 11).put(b("c"), b("v"))));
        counting.expect(ResultCode.INVALID, cache.write(null));
        counting.expect(ResultCode.INVALID, cache.write(new WriteBatch(1, 1, 12).put(b("x"), b("v"))));
        counting.expect(ResultCode.STATE_CONFLICT,
            cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2, RegionState.PENDING));
        counting.expect(ResultCode.EPOCH_DRIFT, cache.write(new WriteBatch(1, 3, 13).put(b("h"), b("v"))));

        // A load whose store fails: the request is OK, the load's own completion STORE_ERROR.
        store.failNextScan(new StoreException("injected"));
        counting.expect(ResultCode.OK, cache.loadRegion(new Region(5, b("o"), b("p"), 1)));
        cycleUntil("the failed load is cleaned up", () -> metric("loads.failed") == 1);
        want.merge(ResultCode.STORE_ERROR, 1L, Long::sum);
        // A load that works: the request OK, its completion OK.
        counting.expect(ResultCode.OK, cache.loadRegion(new Region(6, b("p"), b("q"), 1)));
        cycleUntil("region 6 loads", () -> cache.stateOf(6) == RegionState.ACTIVE);
        want.merge(ResultCode.OK, 1L, Long::sum);

        // QUEUE_FULL at the call (the queue holds 4: nothing runs them until we cycle).
        final List<CompletableFuture<CommandResult>> queued = new ArrayList<>();
        for (int i = 0; i < 4; i++)
        {
            queued.add(cache.evict(100 + i, EvictReason.MANUAL));
        }
        final CompletableFuture<CommandResult> full = cache.evict(200, EvictReason.MANUAL);
        assertTrue(full.isDone());
        counting.expect(ResultCode.QUEUE_FULL, full);
        assertEquals(1, cache.metrics().get("queue.full"));
        for (final CompletableFuture<CommandResult> f : queued)
        {
            counting.expect(ResultCode.NOT_CACHED, f);
        }

        // CLOSED: a command still queued at close, and one made after it.
        final CompletableFuture<CommandResult> queuedAtClose = cache.evict(300, EvictReason.MANUAL);
        cache.close();
        counting.expect(ResultCode.CLOSED, queuedAtClose);
        counting.expect(ResultCode.CLOSED, cache.write(new WriteBatch(1, 1, 20).put(b("c"), b("v"))));

        final MetricsSnapshot m = cache.metrics();
        final Map<ResultCode, Long> got = new EnumMap<>(ResultCode.class);
        for (final ResultCode c : ResultCode.values())
        {
            got.put(c, m.get("results." + c));
        }
        assertEquals(want, got);
    }

    /** Awaits a command and adds its expected code to the tally. */
    private final class Counting
    {
        private final Map<ResultCode, Long> want;

        Counting(final Map<ResultCode, Long> want)
        {
            this.want = want;
        }

        void expect(final ResultCode code, final CompletableFuture<CommandResult> f) throws Exception
        {
            ObservabilityContractTest.this.expect(code, f);
            want.merge(code, 1L, Long::sum);
        }
    }

    /** MEMORY_LIMIT: counted as a result and as an eviction reason. */
    @Test
    void memoryLimitIsCountedAsResultAndEviction() throws Exception
    {
        start(config().capacityBytes(1 << 17).segmentSize(1 << 12).evictThresholdBytes((1 << 17) - 1)
            .stopLoadThresholdBytes((1 << 17) - 1));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final WriteBatch big = new WriteBatch(1, 1, 10);
        for (int i = 0; i < 4000; i++)
        {
            big.put(b("b" + (10000 + i)), new byte[60]);
        }
        expect(ResultCode.MEMORY_LIMIT, cache.write(big));
        assertEquals(1, metric("results.MEMORY_LIMIT"));
        assertEquals(1, metric("evictions.MEMORY_LIMIT"));
        assertTrue(metric("memory.used") <= metric("memory.capacity"));
    }

    // ------------------------------------------------------------------ evictions per reason

    /** "evictions per reason": each eviction counted once under the reason its command gave. */
    @Test
    void evictionsAreCountedPerReason() throws Exception
    {
        final FailingStore store = new FailingStore(new InMemoryBackingStore());
        start(config().backingStore(store));
        final String[] starts = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"};
        for (int i = 0; i < starts.length - 1; i++)
        {
            expect(ResultCode.OK, cache.createRegion(new Region(i + 1, b(starts[i]), b(starts[i + 1]), 1)));
        }
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        expect(ResultCode.OK, cache.prepareMerge(2));
        expect(ResultCode.OK, cache.commitMerge(3, 4));
        expect(ResultCode.OK, cache.rollbackMerge(5));
        expect(ResultCode.OK, cache.deleteRange(b("f"), b("g")));
        expect(ResultCode.OK, cache.ingest(b("g"), b("h")));
        expect(ResultCode.OK, cache.applySnapshot(8));
        expect(ResultCode.OK, cache.destroy(9));
        expect(ResultCode.OK, cache.evict(10, EvictReason.BECOME_FOLLOWER));
        expect(ResultCode.EPOCH_DRIFT, cache.write(new WriteBatch(11, 2, 10).put(b("k"), b("v"))));
        store.failNextScan(new StoreException("injected"));
        expect(ResultCode.OK, cache.loadRegion(new Region(20, b("x"), b("y"), 1)));
        cycleUntil("the failed load is cleaned up", () -> cache.stateOf(20) == null && metric("loads.failed") == 1);
        expect(ResultCode.OK, cache.setEnabled(false)); // region 12 is the one left
        expect(ResultCode.OK, cache.setEnabled(true));
        expect(ResultCode.OK, cache.createRegion(new Region(30, b("s"), b("t"), 1)));
        expect(ResultCode.OK, cache.createRegion(new Region(31, b("t"), b("u"), 1)));
        cache.close(); // two regions left: SHUTDOWN

        final Map<EvictReason, Long> want = new EnumMap<>(EvictReason.class);
        for (final EvictReason r : EvictReason.values())
        {
            want.put(r, 0L);
        }
        want.put(EvictReason.MANUAL, 1L);
        want.put(EvictReason.MERGE, 4L); // prepare 1, commit 2 (both sides), rollback 1
        want.put(EvictReason.DELETE_RANGE, 1L);
        want.put(EvictReason.INGEST, 1L);
        want.put(EvictReason.APPLY_SNAPSHOT, 1L);
        want.put(EvictReason.DESTROY, 1L);
        want.put(EvictReason.BECOME_FOLLOWER, 1L);
        want.put(EvictReason.EPOCH_DRIFT, 1L);
        want.put(EvictReason.LOAD_FAILED, 1L);
        want.put(EvictReason.DISABLED, 1L);
        want.put(EvictReason.SHUTDOWN, 2L);
        final MetricsSnapshot m = cache.metrics();
        final Map<EvictReason, Long> got = new EnumMap<>(EvictReason.class);
        for (final EvictReason r : EvictReason.values())
        {
            got.put(r, m.get("evictions." + r));
        }
        assertEquals(want, got);
        // Every eviction is also timed once it is done (README, Reliability: "timed evictions = counted evictions").
        assertEquals(want.values().stream().mapToLong(Long::longValue).sum(), m.get("evict.count"));
        assertEquals(0, m.get("memory.used"));
    }

    // ------------------------------------------------------------------ durations

    /** load / evict / compaction durations: a count, a mean and a max for each, an eviction timed when it is done. */
    @Test
    void loadEvictAndCompactionDurationsAreRecorded() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 50; i++)
        {
            store.put(b("k" + (10 + i)), 5, b("a"));
            store.put(b("k" + (10 + i)), 6, b("b"));
        }
        start(config().backingStore(store));
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("k"), b("l"), 1)));
        cycleUntil("region 1 loads", () -> cache.stateOf(1) == RegionState.ACTIVE);
        assertDuration("load", 1);
        assertDuration("evict", 0);
        assertDuration("compaction", 0);

        expect(ResultCode.OK, cache.advanceSafePoint(1, 7));
        expect(ResultCode.OK, cache.compact(1));
        cycleUntil("the compaction swaps", () -> metric("compactions.finished") == 1);
        assertDuration("compaction", 1);

        // An eviction is timed when the record is gone: not while a snapshot still pins it.
        final Snapshot pinned = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, pinned.open(1, 1, 10));
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        cache.applyCycle();
        assertDuration("evict", 0);
        pinned.close();
        cycleUntil("the eviction completes", () -> metric("evict.count") == 1);
        assertDuration("evict", 1);
    }

    private void assertDuration(final String name, final long count)
    {
        final Map<String, Number> m = cache.metrics().values();
        assertEquals(count, m.get(name + ".count").longValue(), name + ".count");
        final double mean = m.get(name + ".duration.mean_ms").doubleValue();
        final double max = m.get(name + ".duration.max_ms").doubleValue();
        assertTrue(mean >= 0 && max >= mean, () -> name + ": mean " + mean + " max " + max);
        if (count == 0)
        {
            assertEquals(0.0, max, name + ": no observation, no max");
        }
        else
        {
            assertTrue(max > 0, () -> name + ": an observed duration takes time, max " + max);
        }
    }

    // ------------------------------------------------------------------ queue

    /** "queue depth and QUEUE_FULL back-pressure": queue.depth counts waiting commands; a refusal counts twice-named. */
    @Test
    void queueDepthAndQueueFullBackPressure() throws Exception
    {
        start(config().commandQueueCapacity(4));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        assertEquals(0, metric("queue.depth"));
        final List<CompletableFuture<CommandResult>> writes = new ArrayList<>();
        for (int v = 1; v <= 3; v++)
        {
            writes.add(cache.write(new WriteBatch(1, 1, v).put(b("k"), b("v" + v))));
        }
        assertEquals(3, metric("queue.depth"));
        assertEquals(3, cache.queueDepth());
        writes.add(cache.write(new WriteBatch(1, 1, 4).put(b("k"), b("v4"))));
        final CompletableFuture<CommandResult> refused = cache.write(new WriteBatch(1, 1, 5).put(b("k"), b("v5")));
        assertTrue(refused.isDone(), "QUEUE_FULL is answered at the call");
        assertEquals(ResultCode.QUEUE_FULL, refused.join().code());
        assertEquals(4, metric("queue.depth"));
        assertEquals(1, metric("queue.full"));
        assertEquals(1, metric("results.QUEUE_FULL"));
        for (final CompletableFuture<CommandResult> w : writes)
        {
            expect(ResultCode.OK, w);
        }
        assertEquals(0, metric("queue.depth"));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        assertArrayEquals(b("v4"), s.get(b("k")), "the refused write applied nothing");
        s.close();
    }

    // ------------------------------------------------------------------ memory per threshold

    /** "memory per threshold": the metrics follow updateMemoryLimits; a refused update names the setting, changes nothing. */
    @Test
    void memoryPerThresholdFollowsUpdateMemoryLimits() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v"))));
        assertEquals(cache.memoryInUse(), metric("memory.used"));
        assertTrue(metric("memory.used") > 0);

        cache.updateMemoryLimits(32L << 20, 24L << 20, 16L << 20);
        assertEquals(List.of(32L << 20, 24L << 20, 16L << 20), thresholds());

        final IllegalArgumentException capacity =
            assertThrows(IllegalArgumentException.class, () -> cache.updateMemoryLimits(0, 0, 0));
        assertTrue(capacity.getMessage().contains("capacityBytes"), capacity.getMessage());
        final IllegalArgumentException evict =
            assertThrows(IllegalArgumentException.class, () -> cache.updateMemoryLimits(8L << 20, 8L << 20, 1));
        assertTrue(evict.getMessage().contains("evictThresholdBytes"), evict.getMessage());
        final IllegalArgumentException stop =
            assertThrows(IllegalArgumentException.class, () -> cache.updateMemoryLimits(8L << 20, 4L << 20, 5L << 20));
        assertTrue(stop.getMessage().contains("stopLoadThresholdBytes"), stop.getMessage());
        assertEquals(List.of(32L << 20, 24L << 20, 16L << 20), thresholds(), "a refused update changes nothing");

        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        assertEquals(0, metric("memory.used"));
    }

    /**
     * "memory.peak": the most memory in use at once since the engine started, exact (not sampled), kept after the
     * memory is given back, never above the capacity.
     */
    @Test
    void memoryPeakIsTheHighWaterMarkOfMemoryInUse() throws Exception
    {
        start(config());
        assertEquals(0, metric("memory.peak"), "nothing taken yet");
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final WriteBatch big = new WriteBatch(1, 1, 10);
        for (int i = 0; i < 5_000; i++)
        {
            big.put(b("c" + i), new byte[60]);
        }
        expect(ResultCode.OK, cache.write(big));
        final long used = metric("memory.used");
        assertTrue(used > 0);
        assertTrue(metric("memory.peak") >= used, "the peak is at least what is in use");
        assertTrue(metric("memory.peak") <= metric("memory.capacity"));
        final long high = metric("memory.peak");

        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        assertEquals(0, metric("memory.used"));
        assertEquals(high, metric("memory.peak"), "giving the memory back keeps the high");

        expect(ResultCode.OK, cache.createRegion(new Region(2, b("m"), b("z"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(2, 1, 11).put(b("n"), b("v"))));
        assertTrue(metric("memory.used") > 0 && metric("memory.used") < high);
        assertEquals(high, metric("memory.peak"), "less in use than before: the high stays");
    }

    private List<Long> thresholds()
    {
        final MetricsSnapshot m = cache.metrics();
        return List.of(m.get("memory.capacity"), m.get("memory.evict_threshold"), m.get("memory.stop_load_threshold"));
    }

    // ------------------------------------------------------------------ GC counts

    /** GC counts: compactions started and finished, MVCC versions dropped (the older ones below the safe point). */
    @Test
    void gcCountsFollowCompactions() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("c10")).put(b("d"), b("d10"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 20).put(b("c"), b("c20"))));
        expect(ResultCode.OK, cache.write(new WriteBatch(1, 1, 30).put(b("c"), b("c30")).put(b("d"), b("d30"))));
        expect(ResultCode.OK, cache.advanceSafePoint(1, 25));
        expect(ResultCode.OK, cache.compact(1));
        cycleUntil("the compaction swaps", () -> metric("compactions.finished") == 1);
        final MetricsSnapshot m = cache.metrics();
        assertEquals(1, m.get("compactions.started"));
        assertEquals(1, m.get("compactions.finished"));
        // c@10 is older than c@20, the newest of c at or below 25; d@10 is d's newest there and stays.
        assertEquals(1, m.get("gc.versions_dropped"));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 26));
        assertArrayEquals(b("c20"), s.get(b("c")));
        assertArrayEquals(b("d10"), s.get(b("d")));
        s.close();
    }

    // ------------------------------------------------------------------ loads.index_filled_during_copy

    /**
     * "loads.index_filled_during_copy counts the loads whose index was filled this way": a large load (past the
     * 65,536-entry hand-over) from a store that estimates sizes (the in-memory store counts) is counted; a small
     * one is not, nor a large one from a store that gives no estimate (the default -1).
     */
    @Test
    void indexFilledDuringCopyCountsOnlyLoadsSizedFromTheStoresEstimate() throws Exception
    {
        final int keys = 70_000;
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < keys; i++)
        {
            store.put(b("k" + (1_000_000 + i)), 5, b("v"));
        }
        store.put(b("s1"), 5, b("v"));
        start(config().backingStore(store).pipelinedLoads(true));
        expect(ResultCode.OK, cache.loadRegion(new Region(2, b("s"), b("t"), 1)));
        cycleUntil("the small load installs", () -> cache.stateOf(2) == RegionState.ACTIVE);
        assertEquals(0, metric("loads.index_filled_during_copy"), "a small load builds its index after the copy");
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("k"), b("l"), 1)));
        cycleUntil("the large load installs", () -> cache.stateOf(1) == RegionState.ACTIVE);
        assertEquals(1, metric("loads.index_filled_during_copy"));
        assertEquals(2, metric("loads.finished"));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
        assertArrayEquals(b("v"), s.get(b("k" + (1_000_000 + keys - 1))));
        assertEquals(keys, s.asNavigableMap().size());
        s.close();
        cache.close();

        // The same data behind a store that does not override approximateSize: no estimate, no fill during the copy.
        start(config().backingStore(new FailingStore(store)).pipelinedLoads(true));
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("k"), b("l"), 1)));
        cycleUntil("the large load installs", () -> cache.stateOf(1) == RegionState.ACTIVE);
        assertEquals(0, metric("loads.index_filled_during_copy"));
        assertEquals(1, metric("loads.finished"));
    }

    // ------------------------------------------------------------------ SLF4J levels

    /**
     * "SLF4J: every transition at DEBUG, every conflict or refused move at WARN, policy decisions at INFO." Run in a
     * child JVM whose slf4j-simple logs everything to stdout: the DEBUG transition lines number exactly the moves the
     * metrics counted, none appears at another level, each conflict is one WARN line, each policy eviction and each
     * policy compaction one INFO line, and a hot region the load policy leaves out at the stop-load threshold (every
     * round) DEBUG only.
     */
    @Test
    void logLevelsAreAsDocumented(@TempDir final Path dir) throws Exception
    {
        final String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final List<String> cmd = new ArrayList<>(List.of(javaBin));
        cmd.add("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"); // Agrona's flag, the core's only one
        cmd.addAll(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=debug",
            "-Dorg.slf4j.simpleLogger.logFile=System.out", "-Dorg.slf4j.simpleLogger.showThreadName=false",
            "-cp", System.getProperty("java.class.path"), LogScenario.class.getName()));
        final Path out = dir.resolve("child.log");
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        final List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> "child failed:\n" + String.join("\n", lines));
        final String json = lines.stream().filter(l -> l.startsWith("METRICS ")).findFirst()
            .orElseThrow(() -> new AssertionError("no METRICS line:\n" + String.join("\n", lines))).substring(8);
        final JsonObject m = parseStrict(json);

        long moves = 0;
        for (final String move : LEGAL_MOVES)
        {
            moves += m.get("transitions.made." + move).getAsLong();
        }
        final String record = " io.regioncache.RegionRecord - region ";
        final long debugMoves = lines.stream()
            .filter(l -> l.startsWith("DEBUG" + record) && (l.contains(" -> ") || l.contains("): created "))).count();
        final long otherMoves = lines.stream()
            .filter(l -> !l.startsWith("DEBUG") && l.contains(record) && (l.contains(" -> ") || l.contains("created ")) &&
                !l.contains("refused illegal move"))
            .count();
        assertTrue(moves >= 10, "the scenario makes moves: " + moves);
        assertEquals(moves, debugMoves, () -> "one DEBUG line per move:\n" + String.join("\n", lines));
        assertEquals(0, otherMoves, "moves are logged at DEBUG only");

        final long conflicts = m.get("conflicts").getAsLong();
        assertEquals(2, conflicts);
        assertEquals(conflicts, lines.stream().filter(l -> l.contains("state conflict on region")).count());
        assertEquals(conflicts, lines.stream().filter(l -> l.startsWith("WARN ") && l.contains("state conflict on region"))
            .count(), "conflicts at WARN");

        final long policyEvictions = m.get("evictions.POLICY").getAsLong();
        assertTrue(policyEvictions >= 1);
        assertEquals(policyEvictions, lines.stream().filter(l -> l.contains("policy: evicting region")).count());
        assertEquals(policyEvictions,
            lines.stream().filter(l -> l.startsWith("INFO ") && l.contains("policy: evicting region")).count(),
            "policy decisions at INFO");
        assertEquals(1, lines.stream().filter(l -> l.startsWith("INFO ") && l.contains("load policy: region 9 ")).count(),
            () -> "the load policy's decision at INFO:\n" + String.join("\n", lines));
        final long compactions = m.get("compactions.started").getAsLong();
        assertTrue(compactions >= 1, "the policy compacted region 3");
        assertEquals(compactions,
            lines.stream().filter(l -> l.startsWith("INFO ") && l.contains("policy: compacting region")).count(),
            () -> "each policy compaction is a decision at INFO:\n" + String.join("\n", lines));
        final List<String> leftOut = lines.stream().filter(l -> l.contains("stop-load threshold reached")).toList();
        assertFalse(leftOut.isEmpty(), () -> "the load policy left region 10 out:\n" + String.join("\n", lines));
        assertTrue(leftOut.stream().allMatch(l -> l.startsWith("DEBUG ")),
            () -> "a hot region left out for memory is logged at DEBUG, as it recurs every round:\n" + leftOut);
    }

    /** The child JVM of {@link #logLevelsAreAsDocumented}: a few moves, two conflicts, policy decisions; then the metrics. */
    public static final class LogScenario
    {
        public static void main(final String[] args) throws Exception
        {
            final InMemoryBackingStore store = new InMemoryBackingStore();
            store.put(b("x1"), 5, b("v"));
            final RegionCache cache = RegionCache.create(config().backingStore(store).minResidencyMillis(0)
                .policyIntervalMillis(1).autoLoad(1, 2).build());
            final Runner run = f ->
            {
                while (!f.isDone())
                {
                    cache.applyCycle();
                }
                return f.join();
            };
            run.run(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            run.run(cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v"))));
            run.run(cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2, RegionState.LOADING)); // conflict 1
            final Snapshot s = cache.newSnapshot();
            s.open(2, 2, 100);
            run.run(cache.evict(2, EvictReason.MANUAL));
            s.close();
            run.run(cache.write(new WriteBatch(1, 3, 20).put(b("h"), b("v")))); // epoch drift: conflict 2
            run.run(cache.createRegion(new Region(3, b("m"), b("p"), 1)));
            run.run(cache.setKeepCached(3, true));
            run.run(cache.createRegion(new Region(4, b("p"), b("s"), 1)));
            // A policy compaction (INFO): region 3's table is all garbage at its safe point.
            run.run(cache.write(new WriteBatch(3, 1, 30).put(b("n"), b("v30"))));
            run.run(cache.write(new WriteBatch(3, 1, 31).put(b("n"), b("v31"))));
            run.run(cache.advanceSafePoint(3, 40));
            final long compactDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (cache.metrics().get("compactions.finished") == 0 && System.nanoTime() < compactDeadline)
            {
                cache.applyCycle();
            }
            // The load policy: a hot uncached region with high amplification is loaded (INFO).
            final Region hot = new Region(9, b("x"), b("y"), 1);
            cache.recordStoreRead(hot, 1_000, 10);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (cache.stateOf(9) != RegionState.ACTIVE && System.nanoTime() < deadline)
            {
                cache.applyCycle();
            }
            // The eviction policy: every threshold at 0, so the policy evicts the cold, unkept regions (INFO).
            cache.updateMemoryLimits(cache.config().capacityBytes(), 0, 0);
            while (cache.stateOf(4) != null && System.nanoTime() < deadline)
            {
                cache.applyCycle();
            }
            // A hot region the load policy leaves out at the stop-load threshold (DEBUG: it recurs every round).
            // Policy rounds are 1 ms apart on the system clock: 200 ms of duty cycles run many of them.
            cache.recordStoreRead(new Region(10, b("y"), b("z"), 1), 1_000, 10);
            final long leftOutUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            while (System.nanoTime() < leftOutUntil)
            {
                cache.applyCycle();
                cache.recordStoreRead(new Region(10, b("y"), b("z"), 1), 1_000, 10);
            }
            cache.close(); // its SHUTDOWN evictions are moves too: the metrics are read after it
            final String json = cache.metrics().toJson();
            System.out.println("METRICS " + json);
            System.out.flush();
        }

        @FunctionalInterface
        private interface Runner
        {
            CommandResult run(CompletableFuture<CommandResult> f);
        }
    }

    // ------------------------------------------------------------------ a refused transition (no public path)

    /** The refused-moves total is there (zero) even though no public call can make an illegal move. */
    @Test
    void refusedTransitionsTotalIsPublished() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final Set<String> keys = cache.metrics().values().keySet();
        assertTrue(keys.contains("transitions.refused"));
        assertNull(cache.metrics().values().get("transitions.refused.ACTIVE->LOADING"), "per-move refusals appear once non-zero");
    }
}
