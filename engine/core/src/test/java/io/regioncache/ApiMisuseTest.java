package io.regioncache;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.hybrid.HybridView;
import io.regioncache.store.InMemoryBackingStore;
import io.regioncache.store.MvccKeyCodec;

/**
 * The public Javadoc's promises that no README contract test pins down: what each builder setting does with zero,
 * negative and absurd values; what each synchronous call does with null; {@code Region}, {@code MvccKeyCodec},
 * {@code CountersFile}, {@code MetricsSnapshot} and the store SPI's defaults at their edges; and lifecycle misuse of
 * every handle: {@code RegionCache}, {@code HybridEngine}, {@code HybridReader}, {@code Snapshot},
 * {@code SnapshotIterator}, {@code HybridScan} and {@code HybridView} called after their own close or their
 * engine's, closed twice, used before they are positioned. Each refused call must give the documented type (a
 * {@code CLOSED} future, {@code IllegalStateException}, ...), never an exception from inside, a hang or a read of
 * freed memory, and the engine serves a write and a read correctly afterwards.
 * <p>
 * What {@code ReadmeContractTest}, {@code ReliabilityContractTest}, {@code ObservabilityContractTest},
 * {@code HowItWorksContractTest}, {@code NavigableMapViewContractTest}, {@code HostileInputTest} and
 * {@code CountersFileTest} already check is not repeated. Engines run in {@code Threading.INVOKER} mode: the test
 * runs the apply thread's cycles, so nothing depends on timing. Where a test failed on the code it was written
 * against, its Javadoc says what the code did then ("Was: ...").
 */
class ApiMisuseTest
{
    private static final int MAX_KEY = InvokerCommands.MAX_KEY;
    private static final int MAX_VALUE = InvokerCommands.MAX_VALUE;
    private static final long TIMEOUT_SECONDS = 30; // a bound for a hang, not a latency check
    private static final byte[] OPEN = new byte[0];

    @TempDir
    Path dir;

    /** Closed after each test, last first. */
    private final ArrayDeque<AutoCloseable> resources = new ArrayDeque<>();
    /** The next version {@link #assertServes} writes at. */
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

    private static RegionCacheConfig.Builder config()
    {
        return InvokerCommands.config();
    }

    private RegionCache start(final RegionCacheConfig.Builder builder)
    {
        final RegionCache cache = RegionCache.create(builder.build());
        resources.push(cache);
        return cache;
    }

    /** Runs apply duty cycles until the future completes (bounded), then returns its result. */
    private static CommandResult await(final RegionCache cache, final CompletableFuture<CommandResult> f)
        throws Exception
    {
        return InvokerCommands.await(cache, f);
    }

    private static void expect(final RegionCache cache, final ResultCode code, final CompletableFuture<CommandResult> f)
        throws Exception
    {
        InvokerCommands.expect(cache, code, f);
    }

    /** A future answered at the call (before any apply cycle) with {@code code}. */
    private static void atCall(final String what, final ResultCode code, final CompletableFuture<CommandResult> f)
        throws Exception
    {
        assertTrue(f.isDone(), what + ": must complete at the call");
        final CommandResult r = f.get(10, TimeUnit.SECONDS);
        assertEquals(code, r.code(), () -> what + ": " + r);
    }

    /** Region 1 = [a, m) at epoch 1 with c=v1 at version 10. */
    private static void region1(final RegionCache cache) throws Exception
    {
        expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        expect(cache, ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v1"))));
    }

    /** The engine still serves region 1 (ACTIVE at epoch 1): a write at a new version, then a read of it. */
    private void assertServes(final RegionCache cache) throws Exception
    {
        final long v = nextVersion++;
        final byte[] value = b("s" + v);
        expect(cache, ResultCode.OK, cache.write(new WriteBatch(1, 1, v).put(b("k"), value)));
        final Snapshot s = cache.newSnapshot();
        try
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, v));
            assertArrayEquals(value, s.get(b("k")), "the engine serves after a refused call");
            assertArrayEquals(b("v1"), s.get(b("c")));
        }
        finally
        {
            s.dispose();
        }
    }

    /** The exact type, not a subclass and not something thrown from inside. */
    private static <T extends Throwable> T throwsExactly(final Class<T> type, final Executable call)
    {
        final Throwable t = assertThrows(Throwable.class, call);
        assertEquals(type, t.getClass(), () -> "expected " + type.getSimpleName() + " but got " + t);
        return type.cast(t);
    }

    /** A documented null check: the NPE names the argument (Objects.requireNonNull), it is not one from inside. */
    private static void nullArgument(final String name, final Executable call)
    {
        final NullPointerException npe = throwsExactly(NullPointerException.class, call);
        assertEquals(name, npe.getMessage(), "the NPE must name the null argument, not come from inside");
    }

    // ================================================================== RegionCacheConfig.Builder

    private static void refused(final String setting, final Consumer<RegionCacheConfig.Builder> set)
    {
        final RegionCacheConfig.Builder builder = RegionCacheConfig.builder();
        set.accept(builder);
        final IllegalArgumentException ex = throwsExactly(IllegalArgumentException.class, builder::build);
        assertTrue(ex.getMessage().contains(setting), () -> setting + ": the message must name it: " + ex.getMessage());
    }

    /**
     * {@code build()}: "@throws IllegalArgumentException naming the first bad setting", for zero, negative,
     * not-a-number and absurdly large values of every setting that has a range.
     * Was: {@code commandQueueCapacity(1 << 30)} was accepted (and {@code create} then allocated a 2^30-slot array,
     * 4 GiB or more); {@code regionSizeHint(-1)} and {@code autoLoad(1, NaN)} (load-based caching silently off) were
     * accepted.
     */
    @Test
    void everyBuilderSettingRefusesZeroNegativeAndAbsurdValuesNamingIt()
    {
        refused("segmentSize", b -> b.segmentSize(0));
        refused("segmentSize", b -> b.segmentSize(-4096));
        refused("segmentSize", b -> b.segmentSize(2048));
        refused("segmentSize", b -> b.segmentSize(3000));
        refused("segmentSize", b -> b.segmentSize(Integer.MIN_VALUE));
        refused("capacityBytes", b -> b.capacityBytes(0));
        refused("capacityBytes", b -> b.capacityBytes(-1));
        refused("capacityBytes", b -> b.segmentSize(1 << 20).capacityBytes((1 << 20) - 1));
        refused("maxKeyLength", b -> b.maxKeyLength(0));
        refused("maxKeyLength", b -> b.maxKeyLength(-1));
        refused("maxKeyLength", b -> b.maxKeyLength(65536));
        refused("maxValueLength", b -> b.maxValueLength(-1));
        refused("maxValueLength", b -> b.maxValueLength((1 << 30) + 1));
        refused("maxValueLength", b -> b.maxValueLength(Integer.MAX_VALUE));
        refused("commandQueueCapacity", b -> b.commandQueueCapacity(0));
        refused("commandQueueCapacity", b -> b.commandQueueCapacity(1));
        refused("commandQueueCapacity", b -> b.commandQueueCapacity(3));
        refused("commandQueueCapacity", b -> b.commandQueueCapacity(-2));
        refused("commandQueueCapacity", b -> b.commandQueueCapacity(Integer.MIN_VALUE));
        refused("commandQueueCapacity", b -> b.commandQueueCapacity(1 << 30));
        refused("commandDrainLimit", b -> b.commandDrainLimit(0));
        refused("commandDrainLimit", b -> b.commandDrainLimit(-1));
        refused("threading", b -> b.threading(null));
        refused("idleStrategy", b -> b.idleStrategy(null));
        refused("countersIntervalMillis", b -> b.countersIntervalMillis(0));
        refused("countersIntervalMillis", b -> b.countersIntervalMillis(-1));
        refused("closeTimeoutMillis", b -> b.closeTimeoutMillis(-1));
        refused("closeTimeoutMillis", b -> b.closeTimeoutMillis(Long.MIN_VALUE));
        refused("evictThresholdBytes", b -> b.evictThresholdBytes(-1));
        refused("stopLoadThresholdBytes", b -> b.stopLoadThresholdBytes(-1));
        refused("regionSizeHint", b -> b.regionSizeHint(-1));
        refused("regionSizeHint", b -> b.regionSizeHint(Long.MIN_VALUE));
        refused("policyIntervalMillis", b -> b.policyIntervalMillis(0));
        refused("policyIntervalMillis", b -> b.policyIntervalMillis(-1));
        refused("minResidencyMillis", b -> b.minResidencyMillis(-1));
        refused("maxEvictFractionPerRound", b -> b.maxEvictFractionPerRound(0));
        refused("maxEvictFractionPerRound", b -> b.maxEvictFractionPerRound(-0.5));
        refused("maxEvictFractionPerRound", b -> b.maxEvictFractionPerRound(1.01));
        refused("maxEvictFractionPerRound", b -> b.maxEvictFractionPerRound(Double.NaN));
        refused("maxEvictFractionPerRound", b -> b.maxEvictFractionPerRound(Double.POSITIVE_INFINITY));
        refused("gcGarbageRatio", b -> b.gcGarbageRatio(0));
        refused("gcGarbageRatio", b -> b.gcGarbageRatio(-1));
        refused("gcGarbageRatio", b -> b.gcGarbageRatio(1.5));
        refused("gcGarbageRatio", b -> b.gcGarbageRatio(Double.NaN));
        refused("autoLoad", b -> b.autoLoad(-1, 10));
        refused("autoLoad", b -> b.autoLoad(1, -1));
        refused("autoLoad", b -> b.autoLoad(1, Double.NaN));
        refused("loadBackoffMillis", b -> b.loadBackoffMillis(-1));
        refused("loadBackoffMillis", b -> b.loadBackoffMillis(Long.MIN_VALUE));

        // The edges of every range are accepted and kept.
        final RegionCacheConfig edges = RegionCacheConfig.builder()
            .segmentSize(4096).capacityBytes(4096).maxKeyLength(65535).maxValueLength(1 << 30)
            .commandQueueCapacity(2).commandDrainLimit(Integer.MAX_VALUE).closeTimeoutMillis(0)
            .countersIntervalMillis(Long.MAX_VALUE).policyIntervalMillis(Long.MAX_VALUE).minResidencyMillis(0)
            .maxEvictFractionPerRound(1).gcGarbageRatio(Double.MIN_VALUE).autoLoad(0, 0).loadBackoffMillis(0)
            .regionSizeHint(0).build();
        assertEquals(4096, edges.segmentSize());
        assertEquals(4096, edges.capacityBytes());
        assertEquals(65535, edges.maxKeyLength());
        assertEquals(1 << 30, edges.maxValueLength());
        assertEquals(2, edges.commandQueueCapacity());
        assertEquals(Integer.MAX_VALUE, edges.commandDrainLimit());
        assertEquals(0, edges.closeTimeoutMillis());
        assertEquals(Long.MAX_VALUE, edges.countersIntervalMillis());
        assertEquals(Long.MAX_VALUE, edges.policyIntervalMillis());
        assertEquals(0, edges.autoLoadTopN());
        final RegionCacheConfig large = RegionCacheConfig.builder().segmentSize(1 << 30).capacityBytes(Long.MAX_VALUE)
            .maxKeyLength(1).maxValueLength(0).commandQueueCapacity(1 << 24).closeTimeoutMillis(Long.MAX_VALUE)
            .minResidencyMillis(Long.MAX_VALUE).loadBackoffMillis(Long.MAX_VALUE)
            .autoLoad(Integer.MAX_VALUE, Double.POSITIVE_INFINITY).build();
        assertEquals(1 << 30, large.segmentSize());
        assertEquals(Long.MAX_VALUE, large.capacityBytes());
        assertEquals(1 << 24, large.commandQueueCapacity());
        assertEquals(Long.MAX_VALUE, large.closeTimeoutMillis());
        assertEquals(Long.MAX_VALUE, large.minResidencyMillis());
        assertEquals(Long.MAX_VALUE, large.loadBackoffMillis());
    }

    /**
     * The derived thresholds follow the documented rules ({@code capacity - min(capacity / 10, 200 MiB)}, then
     * {@code evict - min(15% of capacity, 2 * regionSize + 200 MiB)}) for any capacity and region size, not only
     * small ones. Was: {@code capacity * 15 / 100} and {@code 2 * regionSize} overflowed: at 2^62 bytes the
     * stop-load threshold came out equal to the evict threshold, and {@code regionSizeHint(Long.MAX_VALUE)} took
     * 200 MiB off a 4 GiB cache instead of 15%.
     */
    @Test
    void derivedThresholdsFollowTheDocumentedRulesForAbsurdlyLargeSizes()
    {
        final long mib200 = 200L << 20;
        final long huge = 1L << 62;
        final RegionCacheConfig big = RegionCacheConfig.builder().capacityBytes(huge).build();
        assertEquals(huge - mib200, big.evictThresholdBytes());
        assertEquals(huge - mib200 - (2 * (96L << 20) + mib200), big.stopLoadThresholdBytes());

        final long gib4 = 4L << 30;
        final RegionCacheConfig hinted = RegionCacheConfig.builder().capacityBytes(gib4)
            .regionSizeHint(Long.MAX_VALUE).build();
        assertEquals(gib4 - mib200, hinted.evictThresholdBytes());
        assertEquals(gib4 - mib200 - gib4 * 15 / 100, hinted.stopLoadThresholdBytes());

        final RegionCacheConfig max = RegionCacheConfig.builder().capacityBytes(Long.MAX_VALUE).build();
        assertEquals(Long.MAX_VALUE - mib200, max.evictThresholdBytes());
        assertEquals(Long.MAX_VALUE - mib200 - (2 * (96L << 20) + mib200), max.stopLoadThresholdBytes());
    }

    /**
     * {@code minResidencyMillis}: "a region loaded more recently than this is never chosen by the eviction policy";
     * an absurdly large value means never, not always. Was: the millis were multiplied into nanoseconds with
     * overflow, so {@code Long.MAX_VALUE} became a negative residency and the policy evicted a region the moment it
     * was cached.
     */
    @Test
    void anAbsurdlyLongMinimumResidencyMeansNeverEvictedByThePolicy() throws Exception
    {
        for (final long residency : new long[] {0, Long.MAX_VALUE})
        {
            final CachedNanoClock clock = new CachedNanoClock();
            final RegionCache cache = start(config().nanoClock(clock).minResidencyMillis(residency)
                .evictThresholdBytes(0).stopLoadThresholdBytes(0).policyIntervalMillis(1));
            region1(cache);
            assertTrue(cache.memoryInUse() > 0, "above the evict threshold (0)");
            for (int i = 0; i < 20; i++)
            {
                clock.advance(TimeUnit.MILLISECONDS.toNanos(5));
                cache.applyCycle();
            }
            if (residency == 0)
            {
                assertNull(cache.stateOf(1), "control: with no minimum residency the policy evicts the region");
            }
            else
            {
                assertEquals(RegionState.ACTIVE, cache.stateOf(1), "a region younger than the minimum residency");
                assertServes(cache);
            }
            resources.remove(cache);
            cache.close();
        }
    }

    /**
     * {@code closeTimeoutMillis}: "how long close waits for open snapshots to drain"; an absurdly large value waits
     * until they do. Was: the deadline {@code now + toNanos(Long.MAX_VALUE)} overflowed to the past, so close() did
     * not wait at all and left the region's memory to the GC.
     */
    @Test
    void anAbsurdlyLongCloseTimeoutWaitsForTheLastSnapshot() throws Exception
    {
        final RegionCache cache = start(config().closeTimeoutMillis(Long.MAX_VALUE));
        region1(cache);
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        final CompletableFuture<Void> closing = CompletableFuture.runAsync(cache::close);
        assertThrows(TimeoutException.class, () -> closing.get(300, TimeUnit.MILLISECONDS),
            "close() must wait for the open snapshot");
        assertArrayEquals(b("v1"), s.get(b("c")), "still readable while close waits");
        s.close();
        closing.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertEquals(0, cache.memoryInUse(), "every byte back once the last snapshot closed");
        s.dispose();
    }

    // ================================================================== RegionCache: creation, nulls, modes

    /**
     * {@code RegionCache.create}: a null config is a documented NPE; a counters file that cannot be created is an
     * unchecked, typed error at create (the directory named as the file is left alone) and leaves nothing running.
     * Was: a missing directory threw Agrona's sneaky-rethrown checked {@code NoSuchFileException} (no
     * {@code RuntimeException}: a host's {@code catch (RuntimeException)} missed it), and an empty directory given as
     * the file was deleted and replaced by the counters file.
     */
    @Test
    void createRefusesANullConfigAndAnUnusableCountersFileTyped() throws Exception
    {
        nullArgument("config", () -> RegionCache.create(null));
        final long threadsBefore = regionCacheThreads();
        final Path missing = dir.resolve("no-such-dir").resolve("counters");
        final Throwable t = assertThrows(Throwable.class, () -> RegionCache.create(config().countersFile(missing).build()));
        assertTrue(t instanceof RuntimeException, "an unchecked exception, was " + t);
        assertEquals(UncheckedIOException.class, t.getClass(), t::toString);
        final Path aDirectory = Files.createDirectory(dir.resolve("a-directory"));
        throwsExactly(IllegalArgumentException.class,
            () -> RegionCache.create(config().countersFile(aDirectory).build()));
        assertTrue(Files.isDirectory(aDirectory), "the directory is left as it was");
        assertEquals(threadsBefore, regionCacheThreads(), "a failed create leaves no thread running");
        final RegionCache cache = start(config());
        region1(cache);
        assertServes(cache);
    }

    private static long regionCacheThreads()
    {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().startsWith("regioncache-")).count();
    }

    /**
     * The synchronous calls with a null or negative argument throw the documented type naming it, and change
     * nothing; {@code regionFor(null)} answers null ("a null key is in no region"), even with a region open at
     * -infinity cached. Was: {@code recordStoreRead(null, ..)} threw an NPE from inside the tracker and
     * {@code recordStoreRead} took negative counts.
     */
    @Test
    void synchronousCallsRefuseNullAndNegativeArguments() throws Exception
    {
        final RegionCache cache = start(config().backingStore(new InMemoryBackingStore()));
        region1(cache);
        expect(cache, ResultCode.OK, cache.createRegion(new Region(2, OPEN, b("a"), 1)));
        assertNull(cache.regionFor(null));
        assertEquals(2, cache.regionFor(OPEN).id(), "the empty key is in (-inf, a)");
        nullArgument("region", () -> cache.recordStoreRead(null, 1, 1));
        throwsExactly(IllegalArgumentException.class, () -> cache.recordStoreRead(new Region(5, b("x"), b("y"), 1), -1, 0));
        throwsExactly(IllegalArgumentException.class, () -> cache.recordStoreRead(new Region(5, b("x"), b("y"), 1), 1, -1));
        throwsExactly(IllegalArgumentException.class, () -> cache.updateMemoryLimits(-1, 0, 0));
        assertEquals(64L << 20, cache.metrics().get("memory.capacity"), "a refused update changes nothing");
        // null is not a key of any region; absent ids are simply not cached.
        assertNull(cache.stateOf(-1));
        assertNull(cache.region(Long.MIN_VALUE));
        assertEquals(new Region(1, b("a"), b("m"), 1), cache.regionFor(b("a")));
        assertNull(cache.regionFor(b("m")), "end is exclusive");
        assertServes(cache);
    }

    /** {@code applyCycle()}: "INVOKER mode only"; on a dedicated apply thread it is an IllegalStateException. */
    @Test
    void applyCycleNeedsTheInvokerMode() throws Exception
    {
        final RegionCache cache = start(config().threading(RegionCacheConfig.Threading.DEDICATED_THREAD));
        throwsExactly(IllegalStateException.class, cache::applyCycle);
        cache.createRegion(new Region(1, b("a"), b("m"), 1)).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertEquals(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v1")))
            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).code());
        try (Snapshot s = cache.snapshot(1, 1, 10))
        {
            assertArrayEquals(b("v1"), s.get(b("c")));
        }
    }

    // ================================================================== RegionCache after close

    /**
     * Every public method of {@code RegionCache} after {@code close()} (called twice): each command completes at the
     * call with {@code CLOSED} (bad input still {@code INVALID}), queries answer "nothing cached", memory is zero,
     * {@code publishCounters} fails with {@code IllegalStateException}, snapshots answer {@code CLOSED} (the
     * convenience call throws {@code SnapshotUnavailableException(CLOSED)}), and no call throws from inside.
     */
    @Test
    void everyRegionCacheMethodAfterCloseAnswersTyped() throws Exception
    {
        final Path counters = dir.resolve("counters");
        final RegionCache cache = start(config().backingStore(new InMemoryBackingStore()).countersFile(counters));
        region1(cache);
        assertServes(cache);
        final Snapshot neverOpened = cache.newSnapshot();
        cache.close();
        cache.close();
        assertTrue(cache.isClosed());

        final Map<String, Supplier<CompletableFuture<CommandResult>>> commands = new LinkedHashMap<>();
        commands.put("createRegion", () -> cache.createRegion(new Region(2, b("x"), b("y"), 1)));
        commands.put("loadRegion", () -> cache.loadRegion(new Region(3, b("x"), b("y"), 1)));
        commands.put("loadRegionKeepCached", () -> cache.loadRegionKeepCached(new Region(3, b("x"), b("y"), 1)));
        commands.put("write", () -> cache.write(new WriteBatch(1, 1, 50).put(b("c"), b("x"))));
        commands.put("split", () -> cache.split(1, 1, new byte[][] {b("g")}, new long[] {5}, 2));
        commands.put("split(expected)", () -> cache.split(1, 1, new byte[][] {b("g")}, new long[] {5}, 2,
            RegionState.ACTIVE));
        commands.put("prepareMerge", () -> cache.prepareMerge(1));
        commands.put("commitMerge", () -> cache.commitMerge(1, 2));
        commands.put("rollbackMerge", () -> cache.rollbackMerge(1));
        commands.put("deleteRange", () -> cache.deleteRange(b("a"), b("b")));
        commands.put("deleteRange(version)", () -> cache.deleteRange(b("a"), b("b"), 50));
        commands.put("ingest", () -> cache.ingest(b("a"), b("b")));
        commands.put("evictRange", () -> cache.evictRange(OPEN, OPEN, EvictReason.MANUAL));
        commands.put("applySnapshot", () -> cache.applySnapshot(1));
        commands.put("destroy", () -> cache.destroy(1));
        commands.put("evict", () -> cache.evict(1, EvictReason.MANUAL));
        commands.put("advanceSafePoint", () -> cache.advanceSafePoint(5));
        commands.put("advanceSafePoint(region)", () -> cache.advanceSafePoint(1, 5));
        commands.put("setKeepCached", () -> cache.setKeepCached(1, true));
        commands.put("compact", () -> cache.compact(1));
        commands.put("setEnabled(false)", () -> cache.setEnabled(false));
        commands.put("setEnabled(true)", () -> cache.setEnabled(true));
        for (final Map.Entry<String, Supplier<CompletableFuture<CommandResult>>> c : commands.entrySet())
        {
            atCall(c.getKey() + " after close", ResultCode.CLOSED, c.getValue().get());
        }
        atCall("a bad command after close", ResultCode.INVALID, cache.compact(-3));

        assertNull(cache.stateOf(1));
        assertNull(cache.region(1));
        assertNull(cache.regionFor(b("c")));
        assertTrue(cache.regions().isEmpty());
        assertEquals(0, cache.memoryInUse());
        assertEquals(0, cache.metrics().get("memory.used"));
        assertEquals(0, cache.metrics().get("regions.ACTIVE"));
        assertEquals(0, cache.queueDepth());
        assertFalse(cache.isEnabled(), "closing disables the cache for good (isEnabled's Javadoc)");
        atCall("setEnabled(true) after close", ResultCode.CLOSED, cache.setEnabled(true));
        assertFalse(cache.isEnabled());
        assertNotNull(cache.config());
        assertEquals(0, cache.applyCycle(), "the invoker is closed: no work, no exception");
        cache.pauseLoads(true);
        cache.pauseLoads(false);
        cache.recordStoreRead(new Region(3, b("x"), b("y"), 1), 10, 1);
        final ExecutionException ex = assertThrows(ExecutionException.class,
            () -> cache.publishCounters().get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertEquals(IllegalStateException.class, ex.getCause().getClass(), ex::toString);
        assertEquals(0L, CountersFile.read(counters).get("memory.used").longValue(), "the file keeps its final values");

        assertEquals(SnapshotStatus.CLOSED, neverOpened.open(1, 1, 100));
        assertEquals(SnapshotStatus.CLOSED, cache.newSnapshot().open(1, 1, 100));
        final SnapshotUnavailableException unavailable =
            throwsExactly(SnapshotUnavailableException.class, () -> cache.snapshot(1, 1, 100));
        assertEquals(SnapshotStatus.CLOSED, unavailable.status());
        neverOpened.dispose();
    }

    // ================================================================== Snapshot handles

    /** Every read of a handle that is not open: IllegalStateException (documented), after any way of not being open. */
    private static void assertNotOpen(final String what, final Snapshot s)
    {
        final UnsafeBuffer key = new UnsafeBuffer(b("c"));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[MAX_VALUE]);
        assertFalse(s.isOpen(), what);
        throwsExactly(IllegalStateException.class, s::region);
        throwsExactly(IllegalStateException.class, s::readVersion);
        throwsExactly(IllegalStateException.class, () -> s.get(key, 0, 1, dst, 0));
        throwsExactly(IllegalStateException.class, () -> s.get(b("c")));
        throwsExactly(IllegalStateException.class, () -> s.getView(key, 0, 1, new UnsafeBuffer(0, 0)));
        throwsExactly(IllegalStateException.class,
            () -> s.multiGet(key, new int[] {0}, new int[] {1}, 1, dst, 0, new int[1], new int[1]));
        throwsExactly(IllegalStateException.class, s::iterator);
        throwsExactly(IllegalStateException.class, () -> s.iterator(b("b"), b("d")));
        throwsExactly(IllegalStateException.class, s::asNavigableMap);
        throwsExactly(IllegalStateException.class, s::asBytesMap);
        s.close(); // harmless when not open
    }

    /**
     * A handle never opened, one whose open was refused (each reason), and one closed (twice): every read throws
     * {@code IllegalStateException} ("if the snapshot is not open"), close is harmless, and the engine serves.
     */
    @Test
    void aSnapshotHandleThatIsNotOpenRefusesEveryRead() throws Exception
    {
        final RegionCache cache = start(config());
        region1(cache);
        expect(cache, ResultCode.OK, cache.advanceSafePoint(1, 5));
        final Snapshot s = cache.newSnapshot();
        assertNotOpen("never opened", s);
        assertEquals(SnapshotStatus.NOT_CACHED, s.open(99, 1, 100));
        assertNotOpen("NOT_CACHED", s);
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 0, 100));
        assertNotOpen("EPOCH_MISMATCH (stale)", s);
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 2, 100));
        assertNotOpen("EPOCH_MISMATCH (future)", s);
        assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 5));
        assertNotOpen("TOO_OLD_READ", s);
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        assertArrayEquals(b("v1"), s.get(b("c")));
        s.close();
        s.close();
        assertNotOpen("closed", s);
        // The same handle opens again and reads.
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        assertArrayEquals(b("v1"), s.get(b("c")));
        s.dispose();
        assertServes(cache);
    }

    /**
     * {@code dispose()}: "Release the handle for good". A disposed handle cannot be opened again: it is no longer
     * watched for leaks, so a pin it took could be forgotten and hold its region's memory forever. Was: open()
     * pinned the region again, untracked.
     */
    @Test
    void aDisposedSnapshotHandleCannotBeOpenedAgain() throws Exception
    {
        final RegionCache cache = start(config());
        region1(cache);
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        s.dispose();
        assertNotOpen("disposed", s);
        throwsExactly(IllegalStateException.class, () -> s.open(1, 1, 100));
        assertNotOpen("disposed, after a refused open", s);
        s.dispose(); // harmless twice
        assertEquals(0, cache.regions().get(0).pins(), "no pin left behind");
        assertServes(cache);
        expect(cache, ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        for (int i = 0; i < 100 && cache.memoryInUse() != 0; i++)
        {
            cache.applyCycle();
        }
        assertNull(cache.stateOf(1), "nothing pins the region: its eviction completes");
        assertEquals(0, cache.memoryInUse());
    }

    /** Every method of an iterator whose snapshot is not open (any more): IllegalStateException. */
    private static void assertIteratorRefuses(final String what, final SnapshotIterator it)
    {
        final UnsafeBuffer key = new UnsafeBuffer(b("c"));
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[MAX_VALUE]);
        assertFalse(it.isValid(), what);
        final List<Executable> calls = List.of(
            () -> it.seek(b("c")), () -> it.seek(key, 0, 1), () -> it.seekForPrev(b("c")),
            () -> it.seekForPrev(key, 0, 1), it::seekToFirst, it::seekToLast, it::next, it::prev, it::keyLength,
            it::valueLength, it::version, () -> it.keyView(view), () -> it.valueView(view), () -> it.copyKey(dst, 0),
            () -> it.copyValue(dst, 0), it::key, it::value);
        for (final Executable call : calls)
        {
            throwsExactly(IllegalStateException.class, call);
        }
        assertEquals(MAX_KEY, it.maxKeyLength(), "a constant: answered always");
    }

    /**
     * "valid only while its snapshot is open": an iterator of a snapshot that was closed, re-opened (also at the same
     * region and version, also by {@code open} without a close) or whose engine closed refuses every method with
     * {@code IllegalStateException} until the snapshot hands it out again; it never reads freed memory.
     */
    @Test
    void anIteratorOfAClosedOrReopenedSnapshotRefusesEveryMethod() throws Exception
    {
        final RegionCache cache = start(config());
        region1(cache);
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        final SnapshotIterator it = s.iterator();
        assertTrue(it.seekToFirst());
        assertArrayEquals(b("c"), it.key());
        s.close();
        assertIteratorRefuses("snapshot closed", it);
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        assertIteratorRefuses("snapshot re-opened at the same region and version", it);
        assertSame(it, s.iterator(), "one iterator per snapshot: obtaining it again resets it");
        assertTrue(it.seekToFirst());
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100)); // open closes the previous open first
        assertIteratorRefuses("snapshot re-opened without a close", it);
        assertServes(cache);
        s.close();
        expect(cache, ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        cache.close();
        assertIteratorRefuses("engine closed, its memory freed", it);
        assertEquals(SnapshotStatus.CLOSED, s.open(1, 1, 100));
        assertIteratorRefuses("engine closed, open refused", it);
        throwsExactly(IllegalStateException.class, s::iterator);
        s.dispose();
    }

    /**
     * An iterator that is not positioned on a key (never moved, or a move returned false) answers its accessors
     * with {@code IllegalStateException}; {@code next}/{@code prev} from there return false, and a seek positions it
     * again.
     */
    @Test
    void anIteratorNotPositionedOnAKeyRefusesItsAccessors() throws Exception
    {
        final RegionCache cache = start(config());
        region1(cache);
        expect(cache, ResultCode.OK, cache.write(new WriteBatch(1, 1, 20).put(b("e"), b("v2"))));
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
        try
        {
            final SnapshotIterator it = s.iterator();
            assertAccessorsRefuse("never moved", it);
            assertFalse(it.next(), "next() of an unpositioned iterator");
            assertFalse(it.prev(), "prev() of an unpositioned iterator");
            assertAccessorsRefuse("after next() on an unpositioned iterator", it);
            assertTrue(it.seek(b("d")));
            assertArrayEquals(b("e"), it.key());
            assertFalse(it.next(), "past the last key");
            assertAccessorsRefuse("after next() returned false", it);
            assertFalse(it.next(), "stays off the end");
            assertFalse(it.seek(b("f")), "no key at or after f");
            assertAccessorsRefuse("after a seek found nothing", it);
            assertTrue(it.seekForPrev(b("d")));
            assertArrayEquals(b("c"), it.key());
            assertArrayEquals(b("v1"), it.value());
            assertFalse(it.prev());
            assertAccessorsRefuse("after prev() returned false", it);
        }
        finally
        {
            s.dispose();
        }
        assertServes(cache);
    }

    private static void assertAccessorsRefuse(final String what, final SnapshotIterator it)
    {
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[MAX_VALUE]);
        assertFalse(it.isValid(), what);
        for (final Executable call : List.<Executable>of(it::keyLength, it::valueLength, it::version,
            () -> it.keyView(view), () -> it.valueView(view), () -> it.copyKey(dst, 0), () -> it.copyValue(dst, 0),
            it::key, it::value))
        {
            throwsExactly(IllegalStateException.class, call);
        }
    }

    // ================================================================== Region, WriteBatch, MetricsSnapshot

    /**
     * {@code Region.validate()}: "why this description is invalid, or null if it is valid", in agreement with what
     * every command answers when given it; {@code contains}/{@code overlaps} at their edges; bounds are copied.
     * Was: a negative (reserved) id passed validate() although every command refused the region INVALID.
     */
    @Test
    void regionValidateAgreesWithTheCommandsAndTheRangeMethodsKeepTheirEdges() throws Exception
    {
        final RegionCache cache = start(config());
        final Region[] invalid = {
            new Region(2, b("m"), b("a"), 1), // reversed
            new Region(2, b("g"), b("g"), 1), // equal bounds: empty
            new Region(2, null, b("g"), 1),
            new Region(2, b("g"), null, 1),
            new Region(2, b("a"), b("b"), -1),
            new Region(2, b("a"), b("b"), (1L << 32)),
            new Region(-2, b("a"), b("b"), 1),
        };
        for (final Region r : invalid)
        {
            final String why = r.validate();
            assertNotNull(why, () -> r + " must be invalid");
            final CommandResult answer = cache.createRegion(r).get(10, TimeUnit.SECONDS);
            assertEquals(ResultCode.INVALID, answer.code(), () -> r + ": " + answer);
        }
        assertNull(new Region(2, OPEN, OPEN, 0).validate(), "the whole key space");
        assertNull(new Region(2, b("a"), OPEN, (1L << 32) - 1).validate(), "[a, +inf) at the largest epoch");
        assertNull(new Region(Long.MAX_VALUE, OPEN, b("a"), 1).validate(), "(-inf, a) with the largest id");
        assertNotEquals(new Region(2, null, b("g"), 1), new Region(2, OPEN, b("g"), 1));

        final byte[] start = b("b");
        final Region r = new Region(3, start, b("d"), 1, 7);
        start[0] = 'z';
        assertArrayEquals(b("b"), r.start(), "the bounds are copied");
        assertTrue(r.contains(b("b")));
        assertTrue(r.contains(new byte[] {'c', (byte)0xff}));
        assertFalse(r.contains(b("d")), "end is exclusive");
        assertFalse(r.contains(new byte[] {'a', (byte)0xff}));
        assertTrue(new Region(4, b("b"), OPEN, 1).contains(new byte[] {(byte)0xff, (byte)0xff}), "+inf end");
        assertTrue(r.overlaps(b("c"), b("e")));
        assertFalse(r.overlaps(b("d"), b("e")), "adjacent ranges share no key");
        assertFalse(r.overlaps(b("a"), b("b")), "adjacent ranges share no key");
        assertFalse(r.overlaps(b("c"), b("c")), "an empty range overlaps nothing");
        assertFalse(r.overlaps(b("e"), b("c")), "an inverted range overlaps nothing");
        assertTrue(r.overlaps(OPEN, OPEN), "the whole key space");
        final Region child = r.derive(9, b("b"), b("c"), 2);
        assertEquals(7, child.confVersion(), "derive keeps the conf version");
        assertEquals(new Region(9, b("b"), b("c"), 2, 7), child);
        assertFalse(r.contains(null), "null is in no range (Arrays.compareUnsigned sorts it first)");
        assertServesAfterCreate(cache);
    }

    private static void assertNotEquals(final Object a, final Object b)
    {
        assertFalse(a.equals(b), a + " must differ from " + b);
    }

    private static void nullArgumentAnyMessage(final Executable call)
    {
        throwsExactly(NullPointerException.class, call);
    }

    private void assertServesAfterCreate(final RegionCache cache) throws Exception
    {
        region1(cache);
        assertServes(cache);
    }

    /**
     * {@code WriteBatch.validate(config)}: "why the batch is bad input (INVALID's reason), or null" is exactly what
     * {@code write} answers at the call, for each rule; a batch built with a negative initial capacity is usable.
     */
    @Test
    void writeBatchValidateIsWhatWriteAnswers() throws Exception
    {
        final RegionCache cache = start(config());
        region1(cache);
        final RegionCacheConfig cfg = cache.config();
        final WriteBatch[] bad = {
            new WriteBatch(-1, 1, 11).put(b("c"), b("x")),
            new WriteBatch(1, -1, 11).put(b("c"), b("x")),
            new WriteBatch(1, 1L << 32, 11).put(b("c"), b("x")),
            new WriteBatch(1, 1, -11).put(b("c"), b("x")),
            new WriteBatch(1, 1, 11).put(new byte[0], b("x")),
            new WriteBatch(1, 1, 11).put(new byte[MAX_KEY + 1], b("x")),
            new WriteBatch(1, 1, 11).delete(new byte[MAX_KEY + 1]),
            new WriteBatch(1, 1, 11).put(b("c"), new byte[MAX_VALUE + 1]),
        };
        for (final WriteBatch wb : bad)
        {
            final String why = wb.validate(cfg);
            assertNotNull(why, wb::toString);
            final CompletableFuture<CommandResult> f = cache.write(wb);
            atCall(wb.toString(), ResultCode.INVALID, f);
            assertEquals(why, f.get().detail());
            wb.put(b("c"), b("y")); // refused at the call: still open
        }
        final WriteBatch good = new WriteBatch(1, 1, 11, -5).put(b("d"), new byte[MAX_VALUE]).delete(b("e"));
        assertNull(good.validate(cfg));
        expect(cache, ResultCode.OK, cache.write(good));
        assertServes(cache);
    }

    /** {@code MetricsSnapshot}: a copy ("point-in-time"), read-only, 0 for an absent name, null values as JSON null. */
    @Test
    void metricsSnapshotIsAReadOnlyCopy()
    {
        nullArgumentAnyMessage(() -> new MetricsSnapshot(null));
        final Map<String, Number> source = new LinkedHashMap<>();
        source.put("a", 1);
        source.put("b", null);
        final MetricsSnapshot m = new MetricsSnapshot(source);
        source.put("a", 2);
        source.put("c", 3);
        assertEquals(1, m.get("a"), "a copy");
        assertEquals(0, m.get("c"));
        assertEquals(0, m.get("b"), "a null value reads 0");
        assertEquals(0, m.get(null));
        assertThrows(UnsupportedOperationException.class, () -> m.values().put("x", 1));
        assertEquals("{\"a\":1,\"b\":null}", m.toJson());
    }

    // ================================================================== MvccKeyCodec

    /**
     * Round trips through every public encode and decode (keys of 0..25 bytes of 0x00, 0xff and random bytes;
     * versions 0, 1 and Long.MAX_VALUE), the documented length, and the order (user key ascending, version
     * descending) for every pair.
     */
    @Test
    void mvccKeyCodecRoundTripsAndKeepsTheOrder()
    {
        final Random rnd = new Random(7);
        final List<byte[]> keys = new ArrayList<>();
        for (int len = 0; len <= 25; len++)
        {
            final byte[] zeros = new byte[len];
            final byte[] ones = new byte[len];
            Arrays.fill(ones, (byte)0xff);
            final byte[] random = new byte[len];
            rnd.nextBytes(random);
            keys.add(zeros);
            keys.add(ones);
            keys.add(random);
        }
        final long[] versions = {0, 1, Long.MAX_VALUE};
        for (final byte[] key : keys)
        {
            final byte[] encoded = MvccKeyCodec.encodeKey(key);
            assertEquals(MvccKeyCodec.encodedLength(key.length), encoded.length);
            assertEquals((key.length / 8 + 1) * 9, encoded.length);
            final ExpandableArrayBuffer decoded = new ExpandableArrayBuffer(1);
            final int n = MvccKeyCodec.decodeKey(new UnsafeBuffer(encoded), 0, encoded.length, decoded, 0);
            assertArrayEquals(key, Arrays.copyOf(decoded.byteArray(), n), "expandable destination grows");
            for (final long v : versions)
            {
                final byte[] stored = MvccKeyCodec.encode(key, v);
                assertArrayEquals(key, MvccKeyCodec.decodeUserKey(stored));
                assertEquals(v, MvccKeyCodec.decodeVersion(stored));
                assertEquals(v, MvccKeyCodec.getVersion(new UnsafeBuffer(stored), encoded.length));
            }
        }
        for (final byte[] a : keys)
        {
            for (final byte[] c : keys)
            {
                final int raw = Integer.signum(Arrays.compareUnsigned(a, c));
                for (final long va : versions)
                {
                    for (final long vc : versions)
                    {
                        final int expected = raw != 0 ? raw : Integer.signum(Long.compare(vc, va));
                        assertEquals(expected, Integer.signum(Arrays.compareUnsigned(
                            MvccKeyCodec.encode(a, va), MvccKeyCodec.encode(c, vc))));
                    }
                }
            }
        }
    }

    /**
     * "@throws IllegalArgumentException if the bytes are not a valid encoding", for every way an encoding can be
     * corrupt, and for buffers too small for the documented sizes (an exception at the call, never a read or
     * write past a buffer, which matters once Agrona's bounds checks are off). Was: a final group whose padding was
     * not zero decoded (so two encodings gave one key), and a stored key shorter than its version, a source slice
     * past its buffer or a destination too small threw Agrona's IndexOutOfBoundsException (or, with the bounds checks
     * off, read and wrote outside the buffers).
     */
    @Test
    void mvccKeyCodecRefusesCorruptInputTyped()
    {
        final byte[] abc = MvccKeyCodec.encodeKey(b("abc"));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
        corrupt("empty", new byte[0], dst);
        corrupt("not a multiple of 9", Arrays.copyOf(abc, 8), dst);
        corrupt("not a multiple of 9", Arrays.copyOf(abc, 10), dst);
        final byte[] badMarker = abc.clone();
        badMarker[8] = 0;
        corrupt("marker 0x00", badMarker, dst);
        final byte[] lowMarker = abc.clone();
        lowMarker[8] = (byte)0xf6; // 9 bytes of padding in an 8-byte group
        corrupt("marker below 0xf7", lowMarker, dst);
        final byte[] noFinal = MvccKeyCodec.encodeKey(b("abcdefgh"));
        corrupt("no final group", Arrays.copyOf(noFinal, 9), dst);
        final byte[] finalTooEarly = new byte[18];
        System.arraycopy(abc, 0, finalTooEarly, 0, 9);
        System.arraycopy(abc, 0, finalTooEarly, 9, 9);
        corrupt("a final group before the end", finalTooEarly, dst);
        final byte[] dirtyPadding = abc.clone();
        dirtyPadding[6] = 1; // inside the padding of "abc" (5 padding bytes: indexes 3..7)
        corrupt("non-zero padding", dirtyPadding, dst);

        throwsExactly(IllegalArgumentException.class, () -> MvccKeyCodec.decodeUserKey(new byte[7]));
        throwsExactly(IllegalArgumentException.class, () -> MvccKeyCodec.decodeUserKey(new byte[8]));
        throwsExactly(IllegalArgumentException.class, () -> MvccKeyCodec.decodeVersion(new byte[7]));
        throwsExactly(IllegalArgumentException.class, () -> MvccKeyCodec.getVersion(new UnsafeBuffer(new byte[8]), 1));
        throwsExactly(IllegalArgumentException.class, () -> MvccKeyCodec.getVersion(new UnsafeBuffer(new byte[8]), -1));
        throwsExactly(IllegalArgumentException.class,
            () -> MvccKeyCodec.putVersion(new UnsafeBuffer(new byte[8]), 1, 5));
        // A negative version would sort before Long.MAX_VALUE's (its inverted suffix is the smallest): refused.
        throwsExactly(IllegalArgumentException.class,
            () -> MvccKeyCodec.putVersion(new UnsafeBuffer(new byte[8]), 0, -1));
        throwsExactly(IllegalArgumentException.class, () -> MvccKeyCodec.encode(b("abc"), Long.MIN_VALUE));
        // A source slice past its buffer, a destination too small for the decoded key.
        throwsExactly(IllegalArgumentException.class,
            () -> MvccKeyCodec.decodeKey(new UnsafeBuffer(abc), 1, 9, dst, 0));
        throwsExactly(IllegalArgumentException.class,
            () -> MvccKeyCodec.decodeKey(new UnsafeBuffer(abc), 0, 9, new UnsafeBuffer(new byte[2]), 0));
        throwsExactly(IllegalArgumentException.class,
            () -> MvccKeyCodec.decodeKey(new UnsafeBuffer(abc), 0, 9, dst, -1));
        // Encoding: a key slice past its buffer, a destination shorter than encodedLength.
        throwsExactly(IllegalArgumentException.class,
            () -> MvccKeyCodec.encodeKey(new UnsafeBuffer(b("abc")), 1, 3, dst, 0));
        throwsExactly(IllegalArgumentException.class,
            () -> MvccKeyCodec.encodeKey(new UnsafeBuffer(b("abc")), 0, 3, new UnsafeBuffer(new byte[8]), 0));
        throwsExactly(IllegalArgumentException.class,
            () -> MvccKeyCodec.encodeKey(new UnsafeBuffer(b("abc")), 0, -1, dst, 0));
        nullArgumentAnyMessage(() -> MvccKeyCodec.encodeKey(null));
        // The exact sizes are accepted.
        assertEquals(9, MvccKeyCodec.encodeKey(new UnsafeBuffer(b("abc")), 0, 3, new UnsafeBuffer(new byte[9]), 0));
        assertEquals(3, MvccKeyCodec.decodeKey(new UnsafeBuffer(abc), 0, 9, new UnsafeBuffer(new byte[3]), 0));
        assertEquals(0, MvccKeyCodec.decodeKey(new UnsafeBuffer(MvccKeyCodec.encodeKey(OPEN)), 0, 9,
            new UnsafeBuffer(new byte[0]), 0));
    }

    private static void corrupt(final String what, final byte[] encoded, final UnsafeBuffer dst)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> MvccKeyCodec.decodeKey(new UnsafeBuffer(encoded), 0, encoded.length, dst, 0), what);
        assertEquals(IllegalArgumentException.class, ex.getClass(), what);
        final byte[] stored = Arrays.copyOf(encoded, encoded.length + MvccKeyCodec.VERSION_LENGTH);
        throwsExactly(IllegalArgumentException.class, () -> MvccKeyCodec.decodeUserKey(stored));
    }

    // ================================================================== CountersFile

    /**
     * {@code CountersFile.read}: "@throws IllegalArgumentException if the file is not a RegionCache counters file",
     * for every way a file can fail to be one, including a header that is right over metadata that is not. Was: a
     * counter record claiming a label of 2^31 - 1 bytes made the reader allocate a string that long (an
     * OutOfMemoryError).
     */
    @Test
    void countersFileReadRefusesEveryKindOfBadFileTyped() throws Exception
    {
        final Path good = dir.resolve("good");
        final RegionCache cache = start(config().countersFile(good));
        region1(cache);
        cache.publishCounters().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        final byte[] bytes = Files.readAllBytes(good);
        assertTrue(CountersFile.read(good).containsKey("memory.used"));

        notACountersFile("a directory", Files.createDirectory(dir.resolve("d")));
        notACountersFile("empty", write("empty", new byte[0]));
        notACountersFile("shorter than the header", write("short", Arrays.copyOf(bytes, 63)));
        final byte[] wrongMagic = bytes.clone();
        wrongMagic[0] ^= 1;
        notACountersFile("wrong magic", write("magic", wrongMagic));
        final byte[] wrongLayout = bytes.clone();
        wrongLayout[4] ^= 1;
        notACountersFile("another layout version", write("layout", wrongLayout));
        notACountersFile("truncated", write("truncated", Arrays.copyOf(bytes, bytes.length / 2)));
        final byte[] negative = bytes.clone();
        ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putInt(8, -1);
        notACountersFile("negative metadata length", write("negative", negative));
        final byte[] badLabel = bytes.clone();
        ByteBuffer.wrap(badLabel).order(ByteOrder.LITTLE_ENDIAN)
            .putInt(64 + CountersReader.LABEL_OFFSET, Integer.MAX_VALUE);
        notACountersFile("a label longer than its record", write("label", badLabel));
        final byte[] misaligned = bytes.clone();
        ByteBuffer.wrap(misaligned).order(ByteOrder.LITTLE_ENDIAN).putInt(8, CountersReader.METADATA_LENGTH + 1);
        notACountersFile("metadata not a whole number of records", write("misaligned", misaligned));
        nullArgumentAnyMessage(() -> CountersFile.read(null));
        assertServes(cache);
    }

    private Path write(final String name, final byte[] bytes) throws Exception
    {
        return Files.write(dir.resolve(name), bytes);
    }

    private static void notACountersFile(final String what, final Path file)
    {
        final Throwable t = assertThrows(Throwable.class, () -> CountersFile.read(file), what);
        assertEquals(IllegalArgumentException.class, t.getClass(), () -> what + ": " + t);
    }

    // ================================================================== store SPI and InMemoryBackingStore

    /**
     * {@code InMemoryBackingStore} after close: every operation throws {@code StoreException}, including a cursor
     * opened before the close ({@code StoreCursor}: "@throws StoreException if the store fails or is closed"); a
     * second close is harmless. Was: a cursor opened before the close went on returning entries of the cleared store
     * (its iterator is weakly consistent), so a scan over a closed store answered instead of failing.
     */
    @Test
    void inMemoryStoreAfterCloseThrowsStoreException()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("a"), 1, b("x"));
        store.put(b("b"), 1, b("y"));
        throwsExactly(StoreException.class, () -> store.put(b("a"), -1, b("x")));
        final StoreCursor open = store.newCursor(OPEN, OPEN, 5);
        assertTrue(open.next());
        assertArrayEquals(b("a"), open.keyBytes());
        store.close();
        store.close();
        throwsExactly(StoreException.class, open::next);
        throwsExactly(StoreException.class, open::seekToFirst);
        open.close();
        open.close();
        final UnsafeBuffer key = new UnsafeBuffer(b("a"));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[8]);
        final List<Executable> calls = List.of(
            () -> store.put(b("c"), 2, b("z")), () -> store.delete(b("a"), 2),
            () -> store.applyBatch(new WriteBatch(1, 1, 2).put(b("c"), b("z"))),
            () -> store.deleteRange(OPEN, OPEN, 2), () -> store.gcBelow(1), store::openSnapshot,
            () -> store.newCursor(OPEN, OPEN, 5), () -> store.get(key, 0, 1, 5, dst, 0),
            () -> store.multiGet(key, new int[] {0}, new int[] {1}, 0, 1, 5, dst, 0, new int[1], new int[1]));
        for (final Executable call : calls)
        {
            throwsExactly(StoreException.class, call);
        }
        assertEquals(-1, store.gcSafePoint());
    }

    /**
     * The SPI's defaults, on a store that implements only {@code openSnapshot} and {@code close}: {@code get}
     * (value length, NOT_FOUND, {@code -2 - length} with nothing copied, each snapshot it opens closed),
     * {@code multiGet} over {@code [from, from + count)} only, {@code newCursor} with empty and null bounds
     * (unbounded) at its read version, {@code gcSafePoint} -1 and {@code approximateSize} -1.
     */
    @Test
    void storeSpiDefaultsKeepTheirContracts()
    {
        final InMemoryBackingStore data = new InMemoryBackingStore();
        data.put(b("a"), 1, b("one"));
        data.put(b("b"), 1, b("two"));
        data.put(b("b"), 3, b("three"));
        data.delete(b("c"), 2);
        data.put(b("c"), 1, b("c1"));
        final int[] opened = new int[1];
        final int[] closed = new int[1];
        final BackingStore minimal = new BackingStore()
        {
            @Override
            public BackingSnapshot openSnapshot()
            {
                final BackingSnapshot s = data.openSnapshot();
                opened[0]++;
                return new BackingSnapshot()
                {
                    @Override
                    public void scan(final byte[] start, final byte[] end, final EntryVisitor visitor)
                    {
                        s.scan(start, end, visitor);
                    }

                    @Override
                    public int get(final org.agrona.DirectBuffer key, final int keyOffset, final int keyLength,
                        final long readVersion, final org.agrona.MutableDirectBuffer dst, final int dstOffset)
                    {
                        return s.get(key, keyOffset, keyLength, readVersion, dst, dstOffset);
                    }

                    @Override
                    public void close()
                    {
                        closed[0]++;
                        s.close();
                    }
                };
            }

            @Override
            public void close()
            {
            }
        };
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
        assertEquals(3, minimal.get(new UnsafeBuffer(b("b")), 0, 1, 2, dst, 0));
        assertEquals(5, minimal.get(new UnsafeBuffer(b("b")), 0, 1, 3, dst, 0));
        assertEquals(BackingSnapshot.NOT_FOUND, minimal.get(new UnsafeBuffer(b("c")), 0, 1, 2, dst, 0), "deleted");
        assertEquals(BackingSnapshot.NOT_FOUND, minimal.get(new UnsafeBuffer(b("z")), 0, 1, 9, dst, 0), "absent");
        final UnsafeBuffer small = new UnsafeBuffer(new byte[] {'#', '#'});
        assertEquals(-2 - 5, minimal.get(new UnsafeBuffer(b("b")), 0, 1, 3, small, 0));
        assertArrayEquals(new byte[] {'#', '#'}, small.byteArray(), "nothing copied");
        assertEquals(opened[0], closed[0], "every snapshot the default get opened is closed");

        final UnsafeBuffer keys = new UnsafeBuffer(b("zabc"));
        final int[] offsets = {0, 1, 2, 3};
        final int[] lengths = {1, 1, 1, 1};
        final int[] valueOffsets = {-9, -9, -9, -9};
        final int[] valueLengths = {-9, -9, -9, -9};
        final UnsafeBuffer values = new UnsafeBuffer(new byte[16]);
        final int end = minimal.multiGet(keys, offsets, lengths, 1, 2, 3, values, 4, valueOffsets, valueLengths);
        assertEquals(4 + 3 + 5, end);
        assertArrayEquals(new int[] {-9, 3, 5, -9}, valueLengths, "only keys 1 and 2");
        assertArrayEquals(new int[] {-9, 4, 7, -9}, valueOffsets);

        for (final byte[] bound : new byte[][] {null, OPEN})
        {
            final List<String> seen = new ArrayList<>();
            try (StoreCursor c = minimal.newCursor(bound, bound, 2))
            {
                while (c.next())
                {
                    seen.add(new String(c.keyBytes(), US_ASCII) + "=" + new String(c.valueBytes(), US_ASCII));
                }
            }
            assertEquals(List.of("a=one", "b=two"), seen, "unbounded at version 2 (c deleted at 2)");
        }
        assertEquals(-1, minimal.gcSafePoint());
        try (BackingSnapshot s = minimal.openSnapshot())
        {
            assertEquals(-1, s.approximateSize(OPEN, OPEN));
        }
        assertEquals(opened[0], closed[0]);
    }

    // ================================================================== HybridEngine

    /** An INVOKER hybrid engine over {@code store} with region 1 = [a, m) cached and ACTIVE, c=v1 at version 10. */
    private HybridEngine hybrid(final WritableStore store, final boolean owning) throws Exception
    {
        final HybridEngine engine = owning ? HybridEngine.owning(store, config()) : HybridEngine.create(store, config());
        resources.push(engine);
        assertEquals(ResultCode.NOT_CACHED, engine.await(engine.write(new WriteBatch(1, 1, 10).put(b("c"), b("v1"))))
            .code());
        assertEquals(ResultCode.OK, engine.await(engine.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
        for (int i = 0; i < 100 && engine.cache().stateOf(1) != RegionState.ACTIVE; i++)
        {
            engine.applyCycle();
        }
        assertEquals(RegionState.ACTIVE, engine.cache().stateOf(1));
        return engine;
    }

    /** A hybrid engine still serves: a write reaches store and cache, a reader reads it from the cache. */
    private void assertHybridServes(final HybridEngine engine) throws Exception
    {
        final long v = nextVersion++;
        final byte[] value = b("h" + v);
        assertEquals(ResultCode.OK, engine.await(engine.write(new WriteBatch(1, 1, v).put(b("k"), value))).code());
        try (HybridReader reader = engine.newReader())
        {
            assertArrayEquals(value, reader.get(1, 1, v, b("k")));
            assertEquals(SnapshotStatus.OK, reader.lastStatus(), "served by the cache");
        }
    }

    private static byte[] storeGet(final WritableStore store, final String key, final long version)
    {
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(16);
        final byte[] kb = b(key);
        final int n = store.get(new UnsafeBuffer(kb), 0, kb.length, version, dst, 0);
        return n < 0 ? null : Arrays.copyOf(dst.byteArray(), n);
    }

    /**
     * A {@code HybridEngine} after {@code close()} (twice), over a store the host keeps: every command answers
     * {@code CLOSED} at the call (bad input {@code INVALID}), and nothing reaches the store: a write or delete-range
     * the engine answers {@code CLOSED} must not be in the store, and {@code gc} sweeps nothing. Readers made after
     * close read the store (the cache answers {@code CLOSED}); {@code CrossCheck} reports nothing cached. Was: write
     * and deleteRange wrote the store first and then answered the cache's {@code CLOSED} (a write the host was told
     * failed, durable all the same), and gc swept the store although the cache had refused the safe point.
     */
    @Test
    void aClosedHybridEngineAnswersClosedAndTouchesNoStore() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        resources.push(store);
        final HybridEngine engine = hybrid(store, false);
        assertEquals(ResultCode.OK, engine.await(engine.write(new WriteBatch(1, 1, 20).put(b("c"), b("v2")))).code());
        assertHybridServes(engine);
        final int entries = store.entryCount();
        engine.close();
        engine.close();
        assertTrue(engine.isClosed());

        atCall("write", ResultCode.CLOSED, engine.write(new WriteBatch(1, 1, 30).put(b("d"), b("late"))));
        assertNull(storeGet(store, "d", 30), "a write answered CLOSED never reaches the store");
        atCall("deleteRange", ResultCode.CLOSED, engine.deleteRange(b("a"), b("m"), 31));
        assertArrayEquals(b("v2"), storeGet(store, "c", 31), "a delete-range answered CLOSED deletes nothing");
        throwsExactly(IllegalStateException.class, () -> engine.gc(25));
        assertArrayEquals(b("v1"), storeGet(store, "c", 15), "gc after close sweeps nothing");
        assertEquals(entries, store.entryCount(), "the store is as it was at close");
        atCall("write(null)", ResultCode.INVALID, engine.write(null));
        atCall("write of a bad batch", ResultCode.INVALID, engine.write(new WriteBatch(1, 1, -1).put(b("d"), b("x"))));
        atCall("deleteRange inverted", ResultCode.INVALID, engine.deleteRange(b("m"), b("a"), 32));

        final Map<String, Supplier<CompletableFuture<CommandResult>>> commands = new LinkedHashMap<>();
        commands.put("createRegion", () -> engine.createRegion(new Region(2, b("x"), b("y"), 1)));
        commands.put("loadRegion", () -> engine.loadRegion(new Region(2, b("x"), b("y"), 1)));
        commands.put("loadRegionKeepCached", () -> engine.loadRegionKeepCached(new Region(2, b("x"), b("y"), 1)));
        commands.put("split", () -> engine.split(1, 1, new byte[][] {b("g")}, new long[] {5}, 2));
        commands.put("split(expected)", () -> engine.split(1, 1, new byte[][] {b("g")}, new long[] {5}, 2, null));
        commands.put("prepareMerge", () -> engine.prepareMerge(1));
        commands.put("commitMerge", () -> engine.commitMerge(1, 2));
        commands.put("rollbackMerge", () -> engine.rollbackMerge(1));
        commands.put("ingest", () -> engine.ingest(b("a"), b("b")));
        commands.put("applySnapshot", () -> engine.applySnapshot(1));
        commands.put("destroy", () -> engine.destroy(1));
        commands.put("evict", () -> engine.evict(1, EvictReason.MANUAL));
        commands.put("advanceSafePoint", () -> engine.advanceSafePoint(5));
        commands.put("advanceSafePoint(region)", () -> engine.advanceSafePoint(1, 5));
        for (final Map.Entry<String, Supplier<CompletableFuture<CommandResult>>> c : commands.entrySet())
        {
            final CompletableFuture<CommandResult> f = c.getValue().get();
            atCall(c.getKey() + " after close", ResultCode.CLOSED, f);
            assertEquals(ResultCode.CLOSED, engine.await(f).code());
        }
        assertEquals(0, engine.applyCycle());

        try (HybridReader reader = engine.newReader())
        {
            assertArrayEquals(b("v2"), reader.get(1, 1, 25, b("c")), "the store serves");
            assertEquals(SnapshotStatus.CLOSED, reader.lastStatus());
            try (HybridScan scan = reader.scan(1, 1, 25, b("a"), b("m")))
            {
                assertFalse(scan.servedByCache());
                assertTrue(scan.next());
                assertArrayEquals(b("c"), scan.keyBytes());
            }
            try (HybridView view = reader.view(new Region(1, b("a"), b("m"), 1), 25))
            {
                assertFalse(view.servedByCache());
                assertArrayEquals(b("v2"), view.asNavigableMap().get(b("c")));
            }
        }
        assertEquals(SnapshotStatus.NOT_CACHED, CrossCheck.check(engine, 1).status());
        assertTrue(CrossCheck.checkAll(engine).isEmpty());
    }

    /**
     * An owning engine after close: its store is closed too, so a reader made afterwards throws the documented
     * {@code StoreException} ("if the store serves and fails"), never anything from inside; a write answers
     * {@code CLOSED}. Was: a write after close answered {@code STORE_ERROR} (the store refused it) instead of
     * {@code CLOSED}.
     */
    @Test
    void aClosedOwningHybridEngineRefusesReadsWithStoreException() throws Exception
    {
        final HybridEngine engine = hybrid(new InMemoryBackingStore(), true);
        final HybridReader before = engine.newReader();
        resources.push(before);
        engine.close();
        atCall("write", ResultCode.CLOSED, engine.write(new WriteBatch(1, 1, 30).put(b("d"), b("late"))));
        atCall("deleteRange", ResultCode.CLOSED, engine.deleteRange(b("a"), b("m"), 31));
        for (final HybridReader reader : new HybridReader[] {before, engine.newReader()})
        {
            final UnsafeBuffer key = new UnsafeBuffer(b("c"));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
            throwsExactly(StoreException.class, () -> reader.get(1, 1, 25, b("c")));
            throwsExactly(StoreException.class, () -> reader.get(1, 1, 25, key, 0, 1, dst, 0));
            throwsExactly(StoreException.class, () -> reader.multiGet(1, 1, 25, key, new int[] {0}, new int[] {1}, 1,
                dst, 0, new int[1], new int[1]));
            throwsExactly(StoreException.class, () -> reader.scan(1, 1, 25, b("a"), b("m")));
            assertEquals(SnapshotStatus.CLOSED, reader.lastStatus());
            reader.close();
        }
    }

    /**
     * A {@code HybridReader} after its own close (twice): every read throws {@code IllegalStateException} and
     * pins nothing; the engine keeps serving. Was: the reader re-opened its disposed snapshot handles, pinning the
     * region outside leak detection (a scan left open after that held the region's memory for good).
     */
    @Test
    void aClosedHybridReaderRefusesEveryRead() throws Exception
    {
        final HybridEngine engine = hybrid(new InMemoryBackingStore(), true);
        final HybridReader reader = engine.newReader();
        assertArrayEquals(b("v1"), reader.get(1, 1, 10, b("c")));
        reader.close();
        reader.close();
        final UnsafeBuffer key = new UnsafeBuffer(b("c"));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
        throwsExactly(IllegalStateException.class, () -> reader.get(1, 1, 10, b("c")));
        throwsExactly(IllegalStateException.class, () -> reader.get(1, 1, 10, key, 0, 1, dst, 0));
        throwsExactly(IllegalStateException.class, () -> reader.multiGet(1, 1, 10, key, new int[] {0}, new int[] {1},
            1, dst, 0, new int[1], new int[1]));
        throwsExactly(IllegalStateException.class, () -> reader.scan(1, 1, 10, b("a"), b("m")));
        throwsExactly(IllegalStateException.class, () -> reader.view(new Region(1, b("a"), b("m"), 1), 10));
        assertEquals(0, engine.cache().regions().get(0).pins(), "nothing pinned by the closed reader");
        assertHybridServes(engine);
    }

    /**
     * {@code HybridScan}'s accessors answer only while it is positioned: before the first {@code next()}, after
     * {@code next()} returned false (which it then keeps returning) and after {@code close()} they throw
     * {@code IllegalStateException}, on the cache path and on the store path alike. Was: before next() they
     * returned an empty view or the previous scan's views (over a region a later eviction frees); after close,
     * {@code key()} threw a NullPointerException from inside.
     */
    @Test
    void aHybridScanAnswersItsAccessorsOnlyWhilePositioned() throws Exception
    {
        final HybridEngine engine = hybrid(new InMemoryBackingStore(), true);
        try (HybridReader reader = engine.newReader())
        {
            for (final long epoch : new long[] {1, 9}) // 1: the cache serves; 9: the store
            {
                final HybridScan scan = reader.scan(1, epoch, 10, b("a"), b("m"));
                assertEquals(epoch == 1, scan.servedByCache());
                assertScanAccessorsRefuse("epoch " + epoch + ", before next()", scan);
                assertTrue(scan.next());
                assertArrayEquals(b("c"), scan.keyBytes());
                assertArrayEquals(b("v1"), scan.valueBytes());
                assertEquals(1, scan.keyLength());
                assertFalse(scan.next());
                assertScanAccessorsRefuse("epoch " + epoch + ", after next() returned false", scan);
                assertFalse(scan.next(), "stays at the end");
                scan.close();
                scan.close();
                assertScanAccessorsRefuse("epoch " + epoch + ", closed", scan);
                throwsExactly(IllegalStateException.class, scan::next);
                // An inverted range [k, b) holds no key, whichever source serves.
                try (HybridScan inverted = reader.scan(1, epoch, 10, b("k"), b("b")))
                {
                    assertFalse(inverted.next(), "epoch " + epoch + ": [k, b) is empty");
                }
            }
            // A new scan does not expose the previous scan's position.
            final HybridScan first = reader.scan(1, 1, 10, b("a"), b("m"));
            assertTrue(first.next());
            final HybridScan second = reader.scan(1, 1, 10, b("d"), b("m"));
            assertScanAccessorsRefuse("a new scan before next()", second);
            assertFalse(second.next(), "nothing in [d, m)");
            second.close();
        }
        assertHybridServes(engine);
    }

    private static void assertScanAccessorsRefuse(final String what, final HybridScan scan)
    {
        for (final Executable call : List.<Executable>of(scan::key, scan::value, scan::keyLength, scan::valueLength,
            scan::keyBytes, scan::valueBytes))
        {
            final Throwable t = assertThrows(Throwable.class, call, what);
            assertEquals(IllegalStateException.class, t.getClass(), () -> what + ": " + t);
        }
    }

    /**
     * {@code HybridView}: its maps throw {@code IllegalStateException} once it is closed (a map taken before the
     * close too), close is idempotent, on both paths; {@code view} refuses a region description that
     * {@code Region.validate()} refuses, on both paths, since "null never means everything". Was: a region with a
     * null bound got, on the store path, a view over everything below its end.
     */
    @Test
    void aHybridViewRefusesReadsOnceClosedAndARegionThatIsNotValid() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine engine = hybrid(store, true);
        store.put(b("0"), 5, b("outside"));
        try (HybridReader reader = engine.newReader())
        {
            for (final long epoch : new long[] {1, 9})
            {
                final HybridView view = reader.view(new Region(1, b("a"), b("m"), epoch), 10);
                assertEquals(epoch == 1, view.servedByCache());
                final NavigableMap<byte[], byte[]> map = view.asNavigableMap();
                assertArrayEquals(b("c"), map.firstKey());
                view.close();
                view.close();
                throwsExactly(IllegalStateException.class, view::asNavigableMap);
                throwsExactly(IllegalStateException.class, view::asBytesMap);
                throwsExactly(IllegalStateException.class, map::firstKey);
                throwsExactly(IllegalStateException.class, () -> map.get(b("c")));

                throwsExactly(IllegalArgumentException.class,
                    () -> reader.view(new Region(1, null, b("m"), epoch), 10));
                throwsExactly(IllegalArgumentException.class,
                    () -> reader.view(new Region(1, b("m"), b("a"), epoch), 10));
            }
            nullArgument("region", () -> reader.view(null, 10));
            assertEquals(0, engine.cache().regions().get(0).pins(), "no view left a pin");
        }
        assertHybridServes(engine);
    }

    /**
     * Null arguments of the hybrid entry points are documented NPEs naming the argument, checked before anything
     * starts; an owning engine refused that way leaves no cache running. Was: {@code owning(null, config)} and
     * {@code create(null, config)} started an engine with no store (its first write threw an NPE from inside);
     * {@code reader.get(.., (byte[]) null)} threw from inside Agrona.
     */
    @Test
    void hybridEntryPointsRefuseNullArguments() throws Exception
    {
        final long threadsBefore = regionCacheThreads();
        nullArgument("store", () -> HybridEngine.owning(null, config()));
        nullArgument("store", () -> HybridEngine.create(null, config()));
        final InMemoryBackingStore store = new InMemoryBackingStore();
        nullArgument("cacheConfig", () -> HybridEngine.create(store, null));
        nullArgument("cacheConfig", () -> HybridEngine.owning(store, null));
        throwsExactly(StoreException.class, store::openSnapshot); // owning: closed on a failure to start
        assertEquals(threadsBefore, regionCacheThreads());
        final HybridEngine engine = hybrid(new InMemoryBackingStore(), true);
        try (HybridReader reader = engine.newReader())
        {
            nullArgument("key", () -> reader.get(1, 1, 10, (byte[])null));
            nullArgument("key", () -> reader.get(1, 9, 10, (byte[])null));
        }
        assertHybridServes(engine);
    }

    /**
     * {@code gc(safePoint)} "first raise[s] the cache's safe point ... then sweep[s] the store": a safe point the
     * cache refuses (negative) is an {@code IllegalArgumentException} and the store is not swept. Was: the store was
     * swept anyway and gc returned 0.
     */
    @Test
    void gcWithASafePointTheCacheRefusesSweepsNothing() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine engine = hybrid(store, true);
        throwsExactly(IllegalArgumentException.class, () -> engine.gc(-1));
        throwsExactly(IllegalArgumentException.class, () -> engine.gc(Long.MIN_VALUE));
        assertEquals(-1, store.gcSafePoint(), "the store was not swept");
        assertEquals(0, engine.gc(5));
        assertEquals(5, store.gcSafePoint());
        assertHybridServes(engine);
    }

}
