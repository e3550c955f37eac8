package io.regioncache;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.regioncache.store.InMemoryBackingStore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The hostile-input generator (issue #13 item 4): per run, {@value #DEFAULT_CALLS} random public calls from one
 * seed, valid ones mixed with malformed ones of every kind the boundary knows (nulls, reserved ids, bad ranges,
 * bad lengths and offsets, epochs out of range, loads with no store, stale epochs, commands after close), on the
 * invoker and on the dedicated apply thread. Asserted throughout:
 * <ul>
 *     <li>every future completes within a bound ({@value #BOUND_SECONDS} s, or a bounded number of apply cycles);</li>
 *     <li>each malformed call gets its documented answer (INVALID with a reason for every call answered by a
 *     future; NPE / IAE at the call for the synchronous snapshot and batch calls);</li>
 *     <li>no healthy region changes state, epoch or range because of a malformed call;</li>
 *     <li>reads of healthy regions match the reference model (point gets and whole-region scans);</li>
 *     <li>after close: zero bytes in use, and every counted eviction timed exactly once.</li>
 * </ul>
 * Even seeds run with a backing store (evicted regions come back by {@code loadRegion}), odd seeds without one
 * (a load is then INVALID, regions come back by {@code createRegion}). Replay one run with
 * {@code -Dhostile.seed=N}; change the size with {@code -Dhostile.calls=N}.
 */
class HostileInputTest
{
    static final int DEFAULT_CALLS = 20_000;
    static final int BOUND_SECONDS = 10;
    private static final int CALLS = Integer.getInteger("hostile.calls", DEFAULT_CALLS);
    private static final int KEYS = 1024;
    private static final int INITIAL_REGIONS = 16;
    private static final int MAX_REGIONS = 64;
    private static final int MAX_KEY = 64;
    private static final int MAX_VALUE = 256;

    static Stream<Arguments> runs()
    {
        final String one = System.getProperty("hostile.seed");
        final LongStream seeds = one != null ? LongStream.of(Long.parseLong(one)) : LongStream.rangeClosed(1, 5);
        return seeds.boxed().flatMap(seed -> Stream.of(
            Arguments.of(seed, RegionCacheConfig.Threading.INVOKER),
            Arguments.of(seed, RegionCacheConfig.Threading.DEDICATED_THREAD)));
    }

    @ParameterizedTest(name = "seed {0}, {1}")
    @MethodSource("runs")
    void malformedCallsChangeNothingHealthy(final long seed, final RegionCacheConfig.Threading threading)
    {
        final Run run = new Run(seed, threading);
        try
        {
            run.run();
        }
        catch (final Throwable t)
        {
            throw new AssertionError("hostile run failed: seed " + seed + ", " + threading + ", call " + run.call +
                " (" + run.what + "); replay with -Dhostile.seed=" + seed, t);
        }
    }

    static byte[] key(final int i)
    {
        return new byte[] {(byte)(1 + (i >> 8)), (byte)i};
    }

    /** ACTIVE: cached and observed ACTIVE (healthy); RELOADING: a load was requested; ABSENT: not cached. */
    enum St
    {
        ACTIVE, RELOADING, ABSENT
    }

    /** A region of the host, as the model sees it. */
    static final class Host
    {
        final long id;
        int start;
        int end;
        long epoch;
        St state;
        /** Version of the last write the cache's current record accepted (0 right after it was cached). */
        long recordLastWrite;
        long safePoint;

        Host(final long id, final int start, final int end, final long epoch)
        {
            this.id = id;
            this.start = start;
            this.end = end;
            this.epoch = epoch;
            this.state = St.ACTIVE;
        }

        Region region()
        {
            return new Region(id, key(start), end >= KEYS ? key(KEYS) : key(end), epoch);
        }
    }

    static final class Run
    {
        final long seed;
        final Random rnd;
        final RegionCacheConfig.Threading threading;
        final boolean withStore;
        final InMemoryBackingStore store;
        final RegionCache cache;
        final List<Host> hosts = new ArrayList<>();
        /** The reference: the newest value of every key (null = deleted), i.e. what the store holds. */
        final TreeMap<Integer, byte[]> data = new TreeMap<>();
        final Snapshot snap;
        long version = 1;
        long nextId = INITIAL_REGIONS;
        long globalSafePoint;
        int call;
        String what = "setup";
        int malformed;

        Run(final long seed, final RegionCacheConfig.Threading threading)
        {
            this.seed = seed;
            this.rnd = new Random(seed * 31 + threading.ordinal());
            this.threading = threading;
            this.withStore = seed % 2 == 0;
            this.store = withStore ? new InMemoryBackingStore() : null;
            final RegionCacheConfig.Builder b = RegionCacheConfig.builder()
                .capacityBytes(256L << 20)
                .segmentSize(1 << 16)
                .maxKeyLength(MAX_KEY)
                .maxValueLength(MAX_VALUE)
                .threading(threading)
                .idleStrategy(new YieldingIdleStrategy())
                .policyIntervalMillis(200)
                .backingStore(store);
            if (threading == RegionCacheConfig.Threading.INVOKER)
            {
                b.loaderExecutor(Runnable::run).gcExecutor(Runnable::run).pipelinedLoads(false);
            }
            cache = RegionCache.create(b.build());
            snap = cache.newSnapshot();
        }

        void run()
        {
            final int per = KEYS / INITIAL_REGIONS;
            for (int i = 0; i < INITIAL_REGIONS; i++)
            {
                final Host h = new Host(i, i * per, (i + 1) * per, 1);
                hosts.add(h);
                expect(ResultCode.OK, cache.createRegion(h.region()));
            }
            for (call = 0; call < CALLS; call++)
            {
                if (rnd.nextInt(100) < 30)
                {
                    malformedCall();
                }
                else
                {
                    validCall();
                }
            }
            what = "final scan";
            for (final Host h : hosts)
            {
                read(h, true);
            }
            afterClose();
        }

        // ------------------------------------------------------------------ waiting with a bound

        CommandResult await(final CompletableFuture<CommandResult> f)
        {
            assertNotNull(f, "a command returned no future");
            if (threading == RegionCacheConfig.Threading.INVOKER)
            {
                for (int cycles = 0; !f.isDone(); cycles++)
                {
                    assertTrue(cycles < 100_000, "future not complete after 100,000 apply cycles: " + what);
                    cache.applyCycle();
                }
                return f.join();
            }
            try
            {
                return f.get(BOUND_SECONDS, TimeUnit.SECONDS);
            }
            catch (final TimeoutException ex)
            {
                return fail("future not complete within " + BOUND_SECONDS + " s: " + what);
            }
            catch (final Exception ex)
            {
                throw new AssertionError("future completed exceptionally: " + what, ex);
            }
        }

        CommandResult expect(final ResultCode code, final CompletableFuture<CommandResult> f)
        {
            final CommandResult r = await(f);
            assertEquals(code, r.code(), what + ": " + r);
            if (code == ResultCode.INVALID)
            {
                assertTrue(!r.detail().isEmpty(), "INVALID must carry its reason: " + what);
            }
            return r;
        }

        /** Let the apply thread make progress (loads, compactions) without a command. */
        void idle()
        {
            if (threading == RegionCacheConfig.Threading.INVOKER)
            {
                cache.applyCycle();
            }
        }

        // ------------------------------------------------------------------ model helpers

        Host anyHost()
        {
            return hosts.get(rnd.nextInt(hosts.size()));
        }

        Host hostIn(final St state)
        {
            for (int i = 0; i < 8; i++)
            {
                final Host h = anyHost();
                if (h.state == state)
                {
                    return h;
                }
            }
            return null;
        }

        int keyIn(final Host h)
        {
            return h.start + rnd.nextInt(h.end - h.start);
        }

        byte[] value(final int k, final long v)
        {
            final int len = 12 + rnd.nextInt(20);
            final ByteBuffer bb = ByteBuffer.allocate(len);
            bb.putInt(k).putLong(v);
            return bb.array();
        }

        long safePointOf(final Host h)
        {
            return Math.max(globalSafePoint, h.safePoint);
        }

        /** Healthy = observed ACTIVE: state, epoch and range must be exactly what the model says. */
        void assertHealthyUnchanged()
        {
            for (final Host h : hosts)
            {
                if (h.state == St.ACTIVE)
                {
                    assertEquals(RegionState.ACTIVE, cache.stateOf(h.id), what + ": healthy region " + h.id);
                    assertEquals(h.region(), cache.region(h.id), what + ": healthy region " + h.id);
                }
            }
        }

        // ------------------------------------------------------------------ valid calls

        void validCall()
        {
            final int p = rnd.nextInt(1000);
            if (p < 560)
            {
                write(anyHost());
            }
            else if (p < 900)
            {
                read(anyHost(), rnd.nextInt(50) == 0);
            }
            else if (p < 925)
            {
                split();
            }
            else if (p < 945)
            {
                evict();
            }
            else if (p < 970)
            {
                recache();
            }
            else if (p < 985)
            {
                safePoint();
            }
            else if (p < 993)
            {
                final Host h = anyHost();
                what = "compact " + h.id;
                final CommandResult r = await(cache.compact(h.id));
                assertTrue(r.code() == (h.state == St.ABSENT ? ResultCode.NOT_CACHED : r.code()) &&
                    r.code() != ResultCode.INVALID && r.code() != ResultCode.INTERNAL_ERROR, what + ": " + r);
            }
            else
            {
                final Host h = anyHost();
                what = "keep cached " + h.id;
                expect(h.state == St.ABSENT ? ResultCode.NOT_CACHED : ResultCode.OK,
                    cache.setKeepCached(h.id, rnd.nextBoolean()));
            }
            idle();
        }

        void write(final Host h)
        {
            final long v = ++version;
            final WriteBatch wb = new WriteBatch(h.id, h.epoch, v);
            final int n = 1 + rnd.nextInt(4);
            final List<Object[]> ops = new ArrayList<>();
            for (int i = 0; i < n; i++)
            {
                final int k = keyIn(h);
                final byte[] val = rnd.nextInt(10) == 0 ? null : value(k, v);
                if (val == null)
                {
                    wb.delete(key(k));
                }
                else
                {
                    wb.put(key(k), val);
                }
                ops.add(new Object[] {k, val});
            }
            submitWrite(h, wb, ops);
        }

        void submitWrite(final Host h, final WriteBatch wb, final List<Object[]> ops)
        {
            what = "write " + wb + " to " + h.state + " region";
            // The host writes its store first, then the cache (the store is the truth a load copies), and a batch goes
            // into the store whole, as the README asks: written op by op, a load's snapshot opened between two ops
            // (the apply thread opens it while this thread is preempted) held part of the batch's version, the load
            // counted that version as copied, and the cache then SKIPPED the batch, losing the ops the snapshot missed.
            if (store != null)
            {
                store.applyBatch(wb);
            }
            final CommandResult r = await(cache.write(wb));
            if (h.state == St.ACTIVE)
            {
                assertEquals(ResultCode.OK, r.code(), what + ": " + r);
                h.recordLastWrite = wb.version();
            }
            else if (h.state == St.ABSENT)
            {
                assertEquals(ResultCode.NOT_CACHED, r.code(), what + ": " + r);
            }
            else
            {
                // PENDING: skipped (the load reads it from the store); LOADING: buffered; ACTIVE: applied.
                assertTrue(r.code() == ResultCode.OK || r.code() == ResultCode.SKIPPED, what + ": " + r);
                h.recordLastWrite = wb.version();
            }
            // Later ops on a key win, as in the store.
            for (final Object[] op : ops)
            {
                data.put((Integer)op[0], (byte[])op[1]);
            }
        }

        void read(final Host h, final boolean scan)
        {
            final long sp = safePointOf(h);
            // Reads at the safe point, more often just after a reload (its own safe point must have survived).
            final boolean tooOld = sp > 0 && rnd.nextInt(h.state == St.RELOADING ? 2 : 20) == 0;
            final long rv = tooOld ? sp : Long.MAX_VALUE;
            what = "read " + h.id + " (" + h.state + ") at " + rv + (scan ? " with a scan" : "");
            final SnapshotStatus s = snap.open(h.id, h.epoch, rv);
            try
            {
                switch (h.state)
                {
                    case ABSENT:
                        assertEquals(SnapshotStatus.NOT_CACHED, s, what);
                        return;
                    case RELOADING:
                        if (s == SnapshotStatus.LOADING)
                        {
                            return;
                        }
                        if (s == SnapshotStatus.OK || s == SnapshotStatus.TOO_OLD_READ)
                        {
                            h.state = St.ACTIVE; // observed ACTIVE: healthy from now on
                        }
                        break;
                    default:
                        break;
                }
                assertEquals(tooOld ? SnapshotStatus.TOO_OLD_READ : SnapshotStatus.OK, s, what);
                if (s != SnapshotStatus.OK)
                {
                    return;
                }
                for (int i = 0; i < 4; i++)
                {
                    final int k = keyIn(h);
                    assertArrayEquals(data.get(k), snap.get(key(k)), what + ": key " + k);
                }
                if (scan)
                {
                    final SnapshotIterator it = snap.iterator();
                    final UnsafeBuffer kv = new UnsafeBuffer(0, 0);
                    final UnsafeBuffer vv = new UnsafeBuffer(0, 0);
                    final List<Integer> seen = new ArrayList<>();
                    for (boolean ok = it.seekToFirst(); ok; ok = it.next())
                    {
                        it.keyView(kv);
                        it.valueView(vv);
                        final int k = ((kv.getByte(0) & 0xFF) - 1) * 256 + (kv.getByte(1) & 0xFF);
                        final byte[] v = new byte[vv.capacity()];
                        vv.getBytes(0, v);
                        assertArrayEquals(data.get(k), v, what + ": scanned key " + k);
                        seen.add(k);
                    }
                    final List<Integer> expected = new ArrayList<>();
                    for (final Map.Entry<Integer, byte[]> e : data.subMap(h.start, h.end).entrySet())
                    {
                        if (e.getValue() != null)
                        {
                            expected.add(e.getKey());
                        }
                    }
                    assertEquals(expected, seen, what + ": keys of a scan");
                }
            }
            finally
            {
                snap.close();
            }
        }

        void split()
        {
            final Host h = hostIn(St.ACTIVE);
            if (h == null || h.end - h.start < 2 || hosts.size() >= MAX_REGIONS)
            {
                return;
            }
            final int at = h.start + 1 + rnd.nextInt(h.end - h.start - 1);
            final long id = nextId++;
            what = "split " + h.id + " at " + at + " -> " + id;
            expect(ResultCode.OK, cache.split(h.id, h.epoch, new byte[][] {key(at)}, new long[] {id}, h.epoch + 1));
            final Host left = new Host(id, h.start, at, h.epoch + 1);
            left.recordLastWrite = h.recordLastWrite;
            left.safePoint = h.safePoint;
            hosts.add(left);
            h.start = at;
            h.epoch++;
        }

        void evict()
        {
            final Host h = anyHost();
            if (h.state == St.ABSENT)
            {
                what = "evict absent " + h.id;
                expect(ResultCode.NOT_CACHED, cache.evict(h.id, EvictReason.MANUAL));
                return;
            }
            what = "evict " + h.id + " (" + h.state + ")";
            switch (rnd.nextInt(4))
            {
                case 0:
                    expect(ResultCode.OK, cache.prepareMerge(h.id));
                    break;
                case 1:
                    expect(ResultCode.OK, cache.applySnapshot(h.id));
                    break;
                case 2:
                    expect(ResultCode.OK, cache.destroy(h.id));
                    break;
                default:
                    expect(ResultCode.OK, cache.evict(h.id, EvictReason.MANUAL));
                    break;
            }
            h.state = St.ABSENT;
        }

        void recache()
        {
            final Host h = hostIn(St.ABSENT);
            if (h == null)
            {
                return;
            }
            if (withStore)
            {
                what = "load " + h.id;
                expect(ResultCode.OK, cache.loadRegion(h.region()));
                h.state = St.RELOADING; // ACTIVE once a read sees it
            }
            else
            {
                what = "create " + h.id;
                expect(ResultCode.OK, cache.createRegion(h.region()));
                h.state = St.ACTIVE;
                data.subMap(h.start, h.end).clear(); // a created region starts empty
            }
            h.recordLastWrite = 0;
        }

        void safePoint()
        {
            // Per-region safe points run ahead of the global one, so a reload that forgot its own would show.
            final boolean global = rnd.nextBoolean();
            final long sp = Math.max(0, version - (global ? 500 + rnd.nextInt(500) : rnd.nextInt(50)));
            if (global)
            {
                what = "global safe point " + sp;
                expect(ResultCode.OK, cache.advanceSafePoint(sp));
                globalSafePoint = Math.max(globalSafePoint, sp);
                return;
            }
            final Host h = anyHost();
            what = "safe point " + sp + " of " + h.id + " (" + h.state + ")";
            final CommandResult r = await(cache.advanceSafePoint(h.id, sp));
            if (h.state == St.ABSENT)
            {
                assertEquals(ResultCode.NOT_CACHED, r.code(), what + ": " + r);
                return;
            }
            // The cache's record holds max(global, own); it moves only forward.
            final boolean moves = sp > safePointOf(h);
            assertEquals(moves ? ResultCode.OK : ResultCode.SKIPPED, r.code(), what + ": " + r);
            h.safePoint = Math.max(h.safePoint, sp);
        }

        // ------------------------------------------------------------------ malformed calls

        void malformedCall()
        {
            malformed++;
            final Host h = anyHost();
            final Host healthy = hostIn(St.ACTIVE);
            final int kind = rnd.nextInt(34);
            what = "malformed #" + kind + " near region " + h.id;
            final byte[] a = key(h.start);
            final byte[] z = key(h.end);
            switch (kind)
            {
                case 0:
                    invalid(cache.createRegion(null));
                    break;
                case 1:
                    invalid(cache.createRegion(new Region(-1 - rnd.nextInt(3), a, z, 1)));
                    break;
                case 2:
                    invalid(cache.createRegion(new Region(nextId + 1000, z, a, 1))); // inverted
                    break;
                case 3:
                    invalid(cache.createRegion(new Region(nextId + 1000, a, z,
                        rnd.nextBoolean() ? -1 : StateWord.MAX_EPOCH_VERSION + 1)));
                    break;
                case 4: // a fresh id over a cached range, or a cached id anywhere
                    if (h.state == St.ABSENT)
                    {
                        return;
                    }
                    invalid(cache.createRegion(rnd.nextBoolean() ? new Region(nextId + 1000, a, z, h.epoch) :
                        new Region(h.id, key(KEYS + 5), key(KEYS + 6), h.epoch)));
                    break;
                case 5:
                    invalid(rnd.nextBoolean() ? cache.loadRegion(null) : cache.loadRegionKeepCached(null));
                    break;
                case 6:
                    invalid(cache.loadRegion(new Region(Long.MIN_VALUE, a, z, 1)));
                    break;
                case 7: // a load with no backing store, or (with one) over a cached range under a fresh id
                    if (!withStore)
                    {
                        invalid(cache.loadRegion(new Region(nextId + 1000, key(KEYS + 2), key(KEYS + 3), 1)));
                    }
                    else if (h.state != St.ABSENT)
                    {
                        invalid(cache.loadRegion(new Region(nextId + 1000, a, z, h.epoch)));
                    }
                    break;
                case 8:
                    invalid(cache.write(null));
                    break;
                case 9:
                    invalid(cache.write(new WriteBatch(-1, h.epoch, version + 1).put(a, a)));
                    break;
                case 10: // a key outside the region
                {
                    if (h.state == St.ABSENT || h.end >= KEYS)
                    {
                        return;
                    }
                    invalid(cache.write(new WriteBatch(h.id, h.epoch, version + 1).put(a, a).put(z, z)));
                    break;
                }
                case 11:
                    invalid(cache.write(new WriteBatch(h.id, h.epoch, version + 1).put(new byte[0], a)));
                    break;
                case 12:
                    invalid(cache.write(new WriteBatch(h.id, h.epoch, version + 1).delete(new byte[MAX_KEY + 1])));
                    break;
                case 13:
                    invalid(cache.write(new WriteBatch(h.id, h.epoch, version + 1).put(a, new byte[MAX_VALUE + 1])));
                    break;
                case 14: // versions going backwards
                    if (h.state == St.ABSENT || h.recordLastWrite == 0)
                    {
                        return;
                    }
                    invalid(cache.write(new WriteBatch(h.id, h.epoch, h.recordLastWrite - rnd.nextInt(2)).put(a, a)));
                    break;
                case 15: // an epoch no state word can hold: refused, never taken for an epoch drift
                    invalid(cache.write(new WriteBatch(h.id, rnd.nextBoolean() ? -1 : StateWord.MAX_EPOCH_VERSION + 1,
                        version + 1).put(a, a)));
                    break;
                case 16:
                    invalid(cache.write(new WriteBatch(h.id, h.epoch, -5).put(a, a)));
                    break;
                case 17: // stale epoch: refused, the region unchanged
                    if (h.state == St.ABSENT || h.epoch == 1)
                    {
                        return;
                    }
                    expect(ResultCode.STALE_EPOCH, cache.write(new WriteBatch(h.id, h.epoch - 1, version + 1).put(a, a)));
                    break;
                case 18:
                    splitMalformed(h);
                    break;
                case 19:
                    splitMalformed(h);
                    break;
                case 20: // split key outside, or a new id in use
                {
                    if (h.state != St.ACTIVE || h.end >= KEYS)
                    {
                        return;
                    }
                    // Outside the range, or inside with a new id that a healthy region already uses.
                    final boolean outside = rnd.nextBoolean() || healthy == null || healthy.id == h.id;
                    final long id = outside ? nextId + 1000 : healthy.id;
                    invalid(cache.split(h.id, h.epoch, new byte[][] {outside ? z : key(h.start + (h.end - h.start) / 2)},
                        new long[] {id}, h.epoch + 1));
                    break;
                }
                case 21: // stale split
                    if (h.state != St.ACTIVE || h.epoch == 1)
                    {
                        return;
                    }
                    expect(ResultCode.STALE_EPOCH, cache.split(h.id, h.epoch - 1, new byte[][] {z}, new long[] {nextId + 1000},
                        h.epoch));
                    break;
                case 22:
                    invalid(cache.evict(-1, EvictReason.MANUAL));
                    break;
                case 23:
                    invalid(cache.evict(h.id, null));
                    break;
                case 24: // a merge naming a reserved id beside a healthy one: the healthy one is not touched
                    invalid(rnd.nextBoolean() ? cache.commitMerge(h.id, -1) : cache.commitMerge(-1, h.id));
                    break;
                case 25:
                    invalid(rnd.nextBoolean() ? cache.prepareMerge(-2) :
                        rnd.nextBoolean() ? cache.rollbackMerge(-3) : rnd.nextBoolean() ? cache.destroy(-4) :
                            cache.applySnapshot(-5));
                    break;
                case 26: // null range bounds
                    invalid(rnd.nextBoolean() ? cache.deleteRange(null, z) : rnd.nextBoolean() ?
                        cache.ingest(a, null) : cache.deleteRange(a, null, version));
                    break;
                case 27: // inverted ranges, a null reason
                    invalid(rnd.nextBoolean() ? cache.ingest(z, a) : rnd.nextBoolean() ?
                        cache.deleteRange(z, a) : cache.evictRange(a, z, null));
                    break;
                case 28:
                    invalid(rnd.nextBoolean() ? cache.advanceSafePoint(CommandValidation.ALL_REGIONS, version) :
                        rnd.nextBoolean() ? cache.advanceSafePoint(-7) : cache.advanceSafePoint(h.id, -1));
                    break;
                case 29:
                    invalid(rnd.nextBoolean() ? cache.setKeepCached(-1, true) : cache.compact(-1));
                    break;
                case 30: // synchronous snapshot calls: argument errors throw at the call, the pin is still released
                    snapshotMisuse(healthy);
                    break;
                case 31: // batch building: a refused op leaves the batch usable
                    batchMisuse(h);
                    break;
                case 32: // a snapshot of a reserved id, or at a stale epoch
                    what = "snapshot of a reserved id or stale epoch";
                    assertEquals(SnapshotStatus.NOT_CACHED, snap.open(-1, 1, Long.MAX_VALUE), what);
                    if (h.state != St.ABSENT && h.epoch > 1)
                    {
                        // Whatever the state (PENDING and LOADING too): the router must refresh its route.
                        assertEquals(SnapshotStatus.EPOCH_MISMATCH, snap.open(h.id, h.epoch - 1, Long.MAX_VALUE), what);
                    }
                    snap.close();
                    break;
                default: // a split with an epoch out of range, or a reserved source id
                    invalid(rnd.nextBoolean() ? cache.split(-1, 1, new byte[][] {a}, new long[] {nextId + 1000}, 2) :
                        cache.split(h.id, h.epoch, new byte[][] {a}, new long[] {nextId + 1000},
                            StateWord.MAX_EPOCH_VERSION + 1));
                    break;
            }
            idle();
            assertHealthyUnchanged();
        }

        void invalid(final CompletableFuture<CommandResult> f)
        {
            expect(ResultCode.INVALID, f);
        }

        void splitMalformed(final Host h)
        {
            final byte[] mid = key(h.start + (h.end - h.start) / 2);
            final long fresh = nextId + 1000;
            switch (rnd.nextInt(9))
            {
                case 0:
                    invalid(cache.split(h.id, h.epoch, null, new long[] {fresh}, h.epoch + 1));
                    break;
                case 1:
                    invalid(cache.split(h.id, h.epoch, new byte[][] {mid}, null, h.epoch + 1));
                    break;
                case 2:
                    invalid(cache.split(h.id, h.epoch, new byte[][] {null}, new long[] {fresh}, h.epoch + 1));
                    break;
                case 3:
                    invalid(cache.split(h.id, h.epoch, new byte[][] {mid, mid}, new long[] {fresh, fresh + 1},
                        h.epoch + 1));
                    break;
                case 4:
                    invalid(cache.split(h.id, h.epoch, new byte[][] {mid}, new long[] {fresh, fresh + 1},
                        h.epoch + 1));
                    break;
                case 5:
                    invalid(cache.split(h.id, h.epoch, new byte[][] {mid}, new long[] {-1}, h.epoch + 1));
                    break;
                case 6:
                    invalid(cache.split(h.id, h.epoch, new byte[][] {mid}, new long[] {h.id}, h.epoch + 1));
                    break;
                case 7:
                    invalid(cache.split(h.id, h.epoch, new byte[][] {mid}, new long[] {fresh}, h.epoch));
                    break;
                default:
                    invalid(cache.split(h.id, h.epoch, new byte[0][], new long[0], h.epoch + 1));
                    break;
            }
        }

        void snapshotMisuse(final Host h)
        {
            if (h == null)
            {
                return;
            }
            what = "snapshot misuse on " + h.id;
            assertEquals(SnapshotStatus.OK, snap.open(h.id, h.epoch, Long.MAX_VALUE), what);
            try
            {
                final UnsafeBuffer k = new UnsafeBuffer(key(h.start));
                final UnsafeBuffer dst = new UnsafeBuffer(new byte[MAX_VALUE]);
                switch (rnd.nextInt(8))
                {
                    case 0:
                        throwsAtCall(NullPointerException.class, () -> snap.get((byte[])null));
                        break;
                    case 1:
                        throwsAtCall(NullPointerException.class, () -> snap.get(null, 0, 2, dst, 0));
                        break;
                    case 2:
                        throwsAtCall(NullPointerException.class, () -> snap.get(k, 0, 2, null, 0));
                        break;
                    case 3:
                        throwsAtCall(IllegalArgumentException.class, () -> snap.get(k, -1, 2, dst, 0));
                        break;
                    case 4:
                        throwsAtCall(IllegalArgumentException.class, () -> snap.get(k, 1, Integer.MAX_VALUE, dst, 0));
                        break;
                    case 5:
                        throwsAtCall(IllegalArgumentException.class, () -> snap.get(k, 0, 2, dst, -3));
                        break;
                    case 6:
                        throwsAtCall(NullPointerException.class, () -> snap.iterator().seek((byte[])null));
                        break;
                    default:
                        throwsAtCall(IllegalArgumentException.class, () -> snap.iterator().seek(k, 2, 5));
                        break;
                }
                // The handle still works after a refused call.
                final int kk = keyIn(h);
                assertArrayEquals(data.get(kk), snap.get(key(kk)), what + ": get after a refused call");
            }
            finally
            {
                snap.close();
            }
        }

        void throwsAtCall(final Class<? extends Throwable> type, final Runnable call)
        {
            try
            {
                call.run();
            }
            catch (final Throwable t)
            {
                assertEquals(type, t.getClass(), what + ": " + t);
                return;
            }
            fail(what + ": expected " + type.getSimpleName());
        }

        void batchMisuse(final Host h)
        {
            what = "batch misuse on " + h.id;
            final long v = ++version;
            final WriteBatch wb = new WriteBatch(h.id, h.epoch, v);
            final int k = keyIn(h);
            final byte[] val = value(k, v);
            wb.put(key(k), val);
            final UnsafeBuffer buf = new UnsafeBuffer(new byte[4]);
            switch (rnd.nextInt(4))
            {
                case 0:
                    throwsAtCall(NullPointerException.class, () -> wb.put(null, val));
                    break;
                case 1:
                    throwsAtCall(IllegalArgumentException.class, () -> wb.put(buf, 3, 2, buf, 0, 1));
                    break;
                case 2:
                    throwsAtCall(IllegalArgumentException.class, () -> wb.delete(buf, -1, 1));
                    break;
                default:
                    throwsAtCall(IllegalArgumentException.class, () -> wb.put(buf, 0, 1, buf, 2, Integer.MAX_VALUE));
                    break;
            }
            assertEquals(1, wb.count(), what + ": a refused op must leave the batch as it was");
            final List<Object[]> ops = new ArrayList<>();
            ops.add(new Object[] {k, val});
            submitWrite(h, wb, ops); // the batch is still good: it applies like any other
        }

        // ------------------------------------------------------------------ close

        void afterClose()
        {
            what = "close";
            final long evictionsBefore = Arrays.stream(EvictReason.values()).mapToLong(cache.counters()::evictions)
                .sum();
            assertTrue(evictionsBefore > 0 || CALLS < 1000, "the run evicted nothing: the generator is too tame");
            cache.close();
            assertEquals(0, cache.memoryInUse(), "bytes in use after close");
            final long evictions = Arrays.stream(EvictReason.values()).mapToLong(cache.counters()::evictions).sum();
            assertEquals(evictions, cache.counters().evictDurations().count(),
                "every eviction, whatever state it began in, is timed exactly once");
            assertTrue(malformed > CALLS / 5, "malformed calls: " + malformed);
            // After close: every command still completes, malformed ones with INVALID, the rest with CLOSED.
            final Host h = hosts.get(0);
            what = "after close";
            expect(ResultCode.CLOSED, cache.write(new WriteBatch(h.id, h.epoch, ++version).put(key(h.start), key(0))));
            expect(ResultCode.CLOSED, cache.createRegion(new Region(nextId + 5000, key(KEYS + 8), key(KEYS + 9), 1)));
            expect(ResultCode.CLOSED, cache.evict(h.id, EvictReason.MANUAL));
            expect(ResultCode.CLOSED, cache.advanceSafePoint(version));
            expect(ResultCode.CLOSED, cache.split(h.id, h.epoch, new byte[][] {key(h.start + 1)}, new long[] {nextId},
                h.epoch + 1));
            invalid(cache.write(null));
            invalid(cache.evict(-1, EvictReason.MANUAL));
            assertEquals(SnapshotStatus.CLOSED, snap.open(h.id, h.epoch, Long.MAX_VALUE));
        }
    }
}
