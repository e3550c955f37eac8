package io.regioncache;

import static io.regioncache.ObservabilityContractTest.b;
import static io.regioncache.ObservabilityContractTest.config;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.regioncache.store.InMemoryBackingStore;

/**
 * README.md "## How it works" (Policies, entries under memory pressure): promises no earlier audit pinned. Engines run
 * in {@code Threading.INVOKER} mode on an injected {@link CachedNanoClock}; nothing sleeps.
 */
class ReadmeAuditPoliciesTest
{
    private RegionCache cache;

    @AfterEach
    void closeCache()
    {
        if (cache != null)
        {
            cache.close();
        }
    }

    private RegionCache start(final RegionCacheConfig.Builder builder)
    {
        cache = RegionCache.create(builder.build());
        return cache;
    }

    private CommandResult expect(final ResultCode code, final CompletableFuture<CommandResult> f) throws Exception
    {
        for (int i = 0; i < 10_000 && !f.isDone(); i++)
        {
            cache.applyCycle();
        }
        final CommandResult r = f.get(5, TimeUnit.SECONDS);
        assertEquals(code, r.code(), () -> "result: " + r);
        return r;
    }

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
        return cache.metrics().get(name);
    }

    private void at(final CachedNanoClock clock, final long millis)
    {
        clock.update(TimeUnit.MILLISECONDS.toNanos(millis));
        cache.applyCycle();
        cache.applyCycle();
    }

    private void fill(final long id, final String prefix, final int keys, final long version) throws Exception
    {
        final WriteBatch wb = new WriteBatch(id, 1, version);
        for (int k = 0; k < keys; k++)
        {
            wb.put(b(prefix + String.format("%05d", k)), b("value-" + k));
        }
        expect(ResultCode.OK, cache.write(wb));
    }

    // ------------------------------------------------------------------ residency age

    /**
     * "A region's age counts from when its record was made (the createRegion or loadRegion call, PENDING included),
     * and the pieces of a split and a compacted region keep their predecessor's age." Minimum residency 10 s: regions
     * made at t=0 and split, compacted or loaded (finishing) at t=9 s are all old enough at t=10.001 s; a region
     * created at t=9 s is not.
     */
    @Test
    void splitPiecesCompactedSuccessorsAndPendingTimeKeepTheirAge() throws Exception
    {
        final CachedNanoClock clock = new CachedNanoClock();
        clock.update(0);
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int k = 0; k < 20; k++)
        {
            store.put(b("p" + k), 1, b("v" + k));
        }
        start(config().backingStore(store).nanoClock(clock).policyIntervalMillis(1_000).minResidencyMillis(10_000)
            .maxEvictFractionPerRound(1.0));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("h"), 1)));
        fill(1, "b", 20, 10);
        expect(ResultCode.OK, cache.createRegion(new Region(4, b("h"), b("o"), 1)));
        fill(4, "i", 20, 10);
        cache.pauseLoads(true);
        expect(ResultCode.OK, cache.loadRegion(new Region(5, b("o"), b("q"), 1)));
        assertEquals(RegionState.PENDING, cache.stateOf(5));

        at(clock, 9_000);
        cache.pauseLoads(false);
        cycleUntil("region 5 loaded at t=9 s", () -> cache.stateOf(5) == RegionState.ACTIVE);
        expect(ResultCode.OK, cache.split(1, 1, new byte[][] {b("b00010")}, new long[] {2}, 2));
        expect(ResultCode.OK, cache.compact(4));
        cycleUntil("region 4 compacted at t=9 s", () -> metric("compactions.finished") == 1);
        expect(ResultCode.OK, cache.createRegion(new Region(3, b("x"), b("y"), 1)));
        fill(3, "x", 20, 10);
        cache.updateMemoryLimits(cache.config().capacityBytes(), 0, 0);

        at(clock, 10_001);
        assertEquals(RegionState.ACTIVE, cache.stateOf(3), "created at t=9 s: younger than the minimum residency");
        assertNull(cache.stateOf(1), "right piece of a split made at t=0 keeps its age");
        assertNull(cache.stateOf(2), "left piece of a split made at t=0 keeps its age");
        assertNull(cache.stateOf(4), "compacted successor of a region made at t=0 keeps its age");
        assertNull(cache.stateOf(5), "loadRegion at t=0: the age counts from the call, PENDING included");
        assertEquals(4, metric("evictions.POLICY"));
    }

    // ------------------------------------------------------------------ entries under memory pressure

    /**
     * "a new index generation ... gets the one-miss entry column only if no sign of memory pressure was seen within
     * loadBackoffMillis and memory in use plus the entries stays below the stop-load threshold": with no sign at all,
     * a stop-load threshold just above memory in use makes the next table's generations slots-only.
     */
    @Test
    void entriesOnlyWhileMemoryInUsePlusTheEntriesStaysBelowTheStopLoadThreshold() throws Exception
    {
        start(config());
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("h"), 1)));
        fill(1, "b", 100, 10);
        assertEquals(0, metric("index.slots_only_for_memory"), "room to spare: entries");
        final long used = cache.memoryInUse();
        cache.updateMemoryLimits(cache.config().capacityBytes(), used + (32L << 20), used + 64);
        expect(ResultCode.OK, cache.createRegion(new Region(2, b("h"), b("o"), 1)));
        fill(2, "i", 100, 10);
        assertTrue(metric("index.slots_only_for_memory") > 0, "entries would pass the stop-load threshold");
        assertArrayEquals(b("value-42"), read(2, "i00042"));
    }

    /**
     * "Signs of pressure: a load refused at the stop-load threshold, ..., eviction for memory, a MEMORY_LIMIT
     * eviction": after each, with the limits raised again so that entries fit, a new table is built slots-only until
     * loadBackoffMillis has passed, and gets its entries again after that.
     */
    @Test
    void eachSignOfPressureMakesNewGenerationsSlotsOnlyForTheBackOffPeriod() throws Exception
    {
        for (final String sign : new String[] {"stop-load refusal", "MEMORY_LIMIT", "policy eviction"})
        {
            final CachedNanoClock clock = new CachedNanoClock();
            clock.update(0);
            start(config().backingStore(new InMemoryBackingStore()).nanoClock(clock).loadBackoffMillis(5_000)
                .policyIntervalMillis(1_000).minResidencyMillis(0));
            final long cap = cache.config().capacityBytes();
            final long evict = cache.config().evictThresholdBytes();
            final long stopLoad = cache.config().stopLoadThresholdBytes();
            expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("h"), 1)));
            fill(1, "b", 100, 10);
            final long used = cache.memoryInUse();
            switch (sign)
            {
                case "stop-load refusal":
                    cache.updateMemoryLimits(cap, used + (1 << 20), used);
                    assertTrue(expect(ResultCode.SKIPPED, cache.loadRegion(new Region(9, b("y"), b("z"), 1))).detail()
                        .contains("stop-load"));
                    break;
                case "MEMORY_LIMIT":
                    cache.updateMemoryLimits(used + 4_096, used + 2_048, used + 1_024);
                    final WriteBatch big = new WriteBatch(1, 1, 11);
                    for (int k = 0; k < 2_000; k++)
                    {
                        big.put(b("c" + String.format("%05d", k)), new byte[60]);
                    }
                    expect(ResultCode.MEMORY_LIMIT, cache.write(big));
                    assertEquals(1, metric("evictions.MEMORY_LIMIT"));
                    break;
                default:
                    cache.updateMemoryLimits(cap, used - 1, used - 2);
                    at(clock, 1_000);
                    assertEquals(1, metric("evictions.POLICY"), "evicted for memory");
                    break;
            }
            cache.updateMemoryLimits(cap, evict, stopLoad);
            final long before = metric("index.slots_only_for_memory");
            expect(ResultCode.OK, cache.createRegion(new Region(2, b("h"), b("o"), 1)));
            fill(2, "i", 100, 10);
            assertTrue(metric("index.slots_only_for_memory") > before, sign + ": built slots-only within the period");
            at(clock, 6_100);
            final long after = metric("index.slots_only_for_memory");
            expect(ResultCode.OK, cache.createRegion(new Region(3, b("o"), b("u"), 1)));
            fill(3, "p", 100, 10);
            assertEquals(after, metric("index.slots_only_for_memory"), sign + ": entries again after the period");
            cache.close();
            cache = null;
        }
    }

    /**
     * "Under pressure a table that still carries entries is compacted (rebuilt slots-only, ~250 B per key back) when
     * the copy fits below the copy ceiling": the next policy round compacts a region built with entries, with no
     * garbage to collect, and gives memory back; its data reads the same.
     */
    @Test
    void underPressureATableWithEntriesIsCompactedSlotsOnly() throws Exception
    {
        final CachedNanoClock clock = new CachedNanoClock();
        clock.update(0);
        start(config().backingStore(new InMemoryBackingStore()).nanoClock(clock).policyIntervalMillis(1_000)
            .minResidencyMillis(3_600_000));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("h"), 1)));
        fill(1, "b", 5_000, 10);
        at(clock, 1);
        assertEquals(0, metric("compactions.started"), "no garbage, no pressure: no compaction");
        assertEquals(0, metric("index.slots_only_for_memory"));
        final long withEntries = cache.memoryInUse();
        final long cap = cache.config().capacityBytes();
        final long evict = cache.config().evictThresholdBytes();
        final long stopLoad = cache.config().stopLoadThresholdBytes();
        cache.updateMemoryLimits(cap, evict, withEntries); // a sign: a load refused at the stop-load threshold
        expect(ResultCode.SKIPPED, cache.loadRegion(new Region(9, b("y"), b("z"), 1)));
        cache.updateMemoryLimits(cap, evict, stopLoad);
        at(clock, 1_001);
        cycleUntil("the policy's compaction finished", () -> metric("compactions.finished") == 1);
        assertTrue(metric("index.slots_only_for_memory") > 0, "the copy was built slots-only");
        final long slotsOnly = cache.memoryInUse();
        assertTrue(slotsOnly < withEntries - 5_000L * 200,
            () -> "memory " + withEntries + " B with entries, " + slotsOnly + " B after the compaction");
        assertArrayEquals(b("value-4321"), read(1, "b04321"));
    }

    /**
     * "The estimate is the data it held when evicted ... plus a slots-only index for its keys: the index a load
     * builds, not the generations the old table happened to hold": a region evicted with its entry column (~270 B
     * per key) is estimated at its data and ~16 B of slots per key; a stop-load threshold one byte above that
     * estimate lets it load again, though below what it held.
     */
    @Test
    void anEvictedRegionsEstimateIsItsDataPlusASlotsOnlyIndex() throws Exception
    {
        final int keys = 5_000;
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int k = 0; k < keys; k++)
        {
            store.put(b("b" + String.format("%05d", k)), 5, new byte[60]);
        }
        start(config().backingStore(store));
        expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("h"), 1)));
        final WriteBatch wb = new WriteBatch(1, 1, 10);
        for (int k = 0; k < keys; k++)
        {
            wb.put(b("b" + String.format("%05d", k)), new byte[60]);
        }
        expect(ResultCode.OK, cache.write(wb));
        assertEquals(0, metric("index.slots_only_for_memory"), "built with entries");
        final long held = cache.memoryInUse();
        expect(ResultCode.OK, cache.evict(1, EvictReason.MANUAL));
        cycleUntil("memory back", () -> cache.memoryInUse() == 0);

        cache.updateMemoryLimits(cache.config().capacityBytes(), 32L << 20, 1_000);
        final String detail = expect(ResultCode.SKIPPED, cache.loadRegion(new Region(1, b("a"), b("h"), 1))).detail();
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("estimated size (\\d+) bytes").matcher(detail);
        assertTrue(m.find(), detail);
        final long estimate = Long.parseLong(m.group(1));
        assertTrue(estimate >= keys * (6L + 60), () -> "estimate " + estimate + " below the data");
        assertTrue(estimate < held - keys * 200L,
            () -> "estimate " + estimate + " B counts the entry column: the region held " + held + " B");
        cache.updateMemoryLimits(cache.config().capacityBytes(), 32L << 20, estimate + 1);
        expect(ResultCode.OK, cache.loadRegion(new Region(1, b("a"), b("h"), 1)));
        cycleUntil("loaded again", () -> cache.stateOf(1) == RegionState.ACTIVE);
    }

    /**
     * Ten cold regions (ids 1..10, 50 keys of 60 bytes each) and a region 11 pinned by an open snapshot and then
     * evicted, so that its memory is still in use, draining. The evict threshold lies between memory in use without
     * region 11 and with it. @return the open snapshot.
     */
    private Snapshot tenColdRegionsAndOneDraining(final CachedNanoClock clock) throws Exception
    {
        clock.update(0);
        start(config().policyIntervalMillis(1_000).minResidencyMillis(0).maxEvictFractionPerRound(0.5)
            .nanoClock(clock));
        for (int i = 1; i <= 11; i++)
        {
            expect(ResultCode.OK, cache.createRegion(new Region(i, b("r" + (char)('a' + i)), b("r" + (char)('a' + i) + "~"), 1)));
            fill(i, "r" + (char)('a' + i) + "/", 50, 10);
        }
        final Snapshot pin = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, pin.open(11, 1, 10));
        final long before = cache.memoryInUse();
        expect(ResultCode.OK, cache.evict(11, EvictReason.MANUAL));
        cache.applyCycle();
        assertEquals(1, metric("regions.draining"), "the pinned evicted record drains");
        assertEquals(before, cache.memoryInUse(), "its memory is still in use");
        final long used = cache.memoryInUse();
        final long perRegion = used / 11;
        cache.updateMemoryLimits(cache.config().capacityBytes(), used - perRegion / 2, used - perRegion / 2 - 1);
        return pin;
    }

    /**
     * "While usage stays above the threshold, eviction-only rounds run every tenth of the policy interval (memory that
     * comes back when evicted or retired records drain is not counted twice ...)": usage above the threshold only
     * because of an evicted record still pinned makes no eviction-only round evict anything.
     */
    @Test
    void anEvictionOnlyRoundDoesNotCountDrainingMemoryTwice() throws Exception
    {
        final CachedNanoClock clock = new CachedNanoClock();
        final Snapshot pin = tenColdRegionsAndOneDraining(clock);
        at(clock, 150);
        at(clock, 300);
        at(clock, 450);
        assertEquals(0, metric("evictions.POLICY"), "no eviction-only round evicts for memory that is coming back");
        pin.dispose();
        cycleUntil("drained", () -> metric("regions.draining") == 0);
    }

    /**
     * The same for a full policy round: README "memory that comes back when evicted or retired records drain is not
     * counted twice" (ApplyPolicy's own comment: counting it again "would over-evict").
     */
    @Test
    void aFullPolicyRoundDoesNotCountDrainingMemoryTwice() throws Exception
    {
        final CachedNanoClock clock = new CachedNanoClock();
        final Snapshot pin = tenColdRegionsAndOneDraining(clock);
        at(clock, 1_000);
        assertEquals(0, metric("evictions.POLICY"), "a full round evicted a cold region for memory that is coming back");
        pin.dispose();
        cycleUntil("drained", () -> metric("regions.draining") == 0);
    }

    /**
     * "{@code hugePages(true)} (off by default) backs every pool buffer of 2 MiB or more with transparent huge pages
     * ... the pool charges the bytes asked for, not the rounding" (and on a JDK 17 runtime the flag only logs): with
     * 2 MiB segments the same data costs the same charged bytes either way, and reads the same.
     */
    @Test
    void hugePagesChargeTheBytesAskedForAndReadTheSame() throws Exception
    {
        final long[] used = new long[2];
        for (final boolean huge : new boolean[] {false, true})
        {
            start(config().segmentSize(2 << 20).hugePages(huge));
            assertEquals(huge, cache.config().hugePages());
            expect(ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("h"), 1)));
            fill(1, "b", 20_000, 10);
            used[huge ? 1 : 0] = cache.memoryInUse();
            assertArrayEquals(b("value-12345"), read(1, "b12345"));
            cache.close();
            assertEquals(0, cache.memoryInUse(), "every byte back after close");
            cache = null;
        }
        assertEquals(used[0], used[1], "huge pages charge the bytes asked for");
    }

    private byte[] read(final long id, final String key)
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(id, 1, 10), () -> "region " + id);
        try
        {
            return s.get(b(key));
        }
        finally
        {
            s.dispose();
        }
    }
}
