package io.regioncache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.regioncache.store.FailingStore;
import io.regioncache.store.InMemoryBackingStore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Randomized model-based test: long random sequences of host commands are fed both to a {@link RegionCache} (in
 * {@link RegionCacheConfig.Threading#INVOKER} mode, loads run by a manual loader queue) and to a small reference
 * model of the host (a partition of the key space into regions, and the MVCC truth that also feeds an
 * {@link InMemoryBackingStore}) and of the cache (which regions are cached, in which state, since when).
 * Every command's result code and every snapshot read is compared with the model.
 * <p>
 * Replay one seed: {@code -Dmodel.seed=N} (and optionally {@code -Dmodel.steps=M}).
 */
class ModelBasedTest
{
    static
    {
        // Epoch drifts and state conflicts are provoked on purpose: keep the expected WARN lines out of the log.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }

    private static final long[] DEFAULT_SEEDS = {0x5EED_0001L, 0xC0FFEEL, 42L, 0xBADCAFEL, 7_777_777L};
    private static final int DEFAULT_STEPS = 100_000;

    @Test
    void randomCommandSequencesMatchTheModel()
    {
        final String one = System.getProperty("model.seed");
        final int steps = Integer.getInteger("model.steps", DEFAULT_STEPS);
        final long[] seeds = one != null ? new long[] {Long.decode(one)} : DEFAULT_SEEDS;
        long total = 0;
        for (final long seed : seeds)
        {
            final long started = System.nanoTime();
            final ModelRun run = new ModelRun(seed, steps);
            run.execute();
            total += run.commands;
            System.out.printf("model seed %d (" + ((seed & 1) == 0 ? "inline entries" : "slots only") +
                "): %d commands, %d reads checked, %d snapshot reads after changes, %d ms%n",
                seed, run.commands, run.readsChecked, run.staleSnapshotChecks,
                (System.nanoTime() - started) / 1_000_000);
            System.out.println("  coverage: " + run.coverage);
        }
        if (one == null)
        {
            assertTrue(total >= 200_000, "too few commands: " + total);
        }
    }

    // ================================================================================================ the run

    static final byte[] EMPTY = new byte[0];
    static final byte[] TOMB = new byte[0];
    static final List<byte[]> UNIVERSE = buildUniverse();

    static List<byte[]> buildUniverse()
    {
        final int[] first = {0x00, 0x10, 0x41, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x7F, 0x80, 0x81, 0xC0, 0xFF};
        final int[] second = {0x00, 0x01, 0x41, 0x7F, 0x80, 0x81, 0xFE, 0xFF};
        final TreeSet<byte[]> set = new TreeSet<>(Arrays::compareUnsigned);
        for (final int f : first)
        {
            set.add(new byte[] {(byte)f});
            for (final int s : second)
            {
                set.add(new byte[] {(byte)f, (byte)s});
            }
        }
        // Long keys with a shared 8..16 byte prefix: exercise the 8-bytes-at-a-time comparisons.
        for (final int f : new int[] {0x62, 0x80, 0xFF})
        {
            final byte[] prefix = new byte[9];
            prefix[0] = (byte)f;
            for (int i = 1; i < 9; i++)
            {
                prefix[i] = (byte)(0x7E + i * 3);
            }
            set.add(prefix);
            for (final int x : new int[] {0x00, 0x7F, 0x80, 0xFF})
            {
                final byte[] k = Arrays.copyOf(prefix, 10);
                k[9] = (byte)x;
                set.add(k);
                final byte[] k2 = Arrays.copyOf(prefix, 18);
                Arrays.fill(k2, 9, 17, (byte)0xA5);
                k2[17] = (byte)x;
                set.add(k2);
            }
        }
        return new ArrayList<>(set);
    }

    static int cmp(final byte[] a, final byte[] b)
    {
        return Arrays.compareUnsigned(a, b);
    }

    /** [start, end) contains key (empty end = +inf). */
    static boolean inRange(final byte[] key, final byte[] start, final byte[] end)
    {
        return cmp(key, start) >= 0 && (end.length == 0 || cmp(key, end) < 0);
    }

    static boolean overlaps(final byte[] s1, final byte[] e1, final byte[] s2, final byte[] e2)
    {
        return (e1.length == 0 || cmp(s2, e1) < 0) && (e2.length == 0 || cmp(s1, e2) < 0);
    }

    static String hex(final byte[] k)
    {
        return k == null ? "null" : Region.hex(k);
    }

    enum St
    {
        PENDING, LOADING, ACTIVE
    }

    static final class Host
    {
        final long id;
        final byte[] start;
        final byte[] end;
        final long epoch;

        Host(final long id, final byte[] start, final byte[] end, final long epoch)
        {
            this.id = id;
            this.start = start;
            this.end = end;
            this.epoch = epoch;
        }

        Region region()
        {
            return new Region(id, start, end, epoch);
        }

        @Override
        public String toString()
        {
            return region().toString();
        }
    }

    /** The model of one region record (one incarnation). */
    static final class Rec
    {
        final long id;
        final byte[] start;
        final byte[] end;
        final long epoch;
        St state;
        /** Cached data = truth entries with version > baseline (0 for loaded regions). */
        long baseline;
        long lastWrite;
        long applied;
        long safePoint;
        Job job;
        int pins;
        boolean live = true;
        boolean canceled;
        boolean evictedWhilePinned;

        Rec(final long id, final byte[] start, final byte[] end, final long epoch, final St state)
        {
            this.id = id;
            this.start = start;
            this.end = end;
            this.epoch = epoch;
            this.state = state;
        }

        Region region()
        {
            return new Region(id, start, end, epoch);
        }

        @Override
        public String toString()
        {
            return "Rec{" + region() + " " + state + " live=" + live + " base=" + baseline + " last=" + lastWrite +
                " applied=" + applied + " sp=" + safePoint + " pins=" + pins + "}";
        }
    }

    static final class Job
    {
        final byte[] start;
        final byte[] end;
        final long maxVersion;
        final List<Rec> targets = new ArrayList<>();
        boolean finished;

        Job(final byte[] start, final byte[] end, final long maxVersion)
        {
            this.start = start;
            this.end = end;
            this.maxVersion = maxVersion;
        }
    }

    static final class OpenSnap
    {
        final Snapshot snap;
        final Rec rec;
        final long readVersion;
        final long baseline;
        final byte[] start;
        final byte[] end;
        final long openedAtVersion;

        OpenSnap(final Snapshot snap, final Rec rec, final long readVersion, final long openedAtVersion)
        {
            this.snap = snap;
            this.rec = rec;
            this.readVersion = readVersion;
            this.baseline = rec.baseline;
            this.start = rec.start;
            this.end = rec.end;
            this.openedAtVersion = openedAtVersion;
        }
    }

    static final class ModelRun
    {
        final long seed;
        final int steps;
        final Random rnd;
        int step;
        String what = "init";
        long commands;
        long readsChecked;
        long staleSnapshotChecks;
        long compactions;
        int maxLive;
        long maxSegments;
        String coverage;

        final InMemoryBackingStore store = new InMemoryBackingStore();
        final FailingStore failing = new FailingStore(store);
        final List<Runnable> loaderQueue = new ArrayList<>();
        final RegionCache cache;

        final TreeMap<byte[], TreeMap<Long, byte[]>> truth = new TreeMap<>(Arrays::compareUnsigned);
        long version;
        long nextId = 100;
        long globalSafePoint;
        /** A region's own safe point, kept when its record is evicted: a reload starts from it (issue #13). */
        final Map<Long, Long> ownSafePoints = new HashMap<>();
        boolean paused;

        final TreeMap<byte[], Host> hostByStart = new TreeMap<>(Arrays::compareUnsigned);
        final Map<Long, Host> hostById = new HashMap<>();
        final Map<Long, Rec> live = new HashMap<>();
        final List<Rec> pendingQueue = new ArrayList<>();
        final List<Job> jobs = new ArrayList<>();
        final List<Rec> zombies = new ArrayList<>();
        final List<OpenSnap> snaps = new ArrayList<>();
        final List<Snapshot> spareHandles = new ArrayList<>();

        ModelRun(final long seed, final int steps)
        {
            this.seed = seed;
            this.steps = steps;
            this.rnd = new Random(seed);
            cache = RegionCache.create(RegionCacheConfig.builder()
                .threading(RegionCacheConfig.Threading.INVOKER)
                .segmentSize(64 * 1024)
                // Odd seeds run the memory-lean index (slots only), even seeds the default one with inline entries.
                .inlineNewestVersions((seed & 1) == 0)
                .backingStore(failing)
                .loaderExecutor(loaderQueue::add)
                // Compactions only when the test asks, run synchronously: deterministic, and the memory checks
                // below never meet a compaction in flight. GC must not change any read above the safe point.
                .gcExecutor(Runnable::run)
                .policyIntervalMillis(Long.MAX_VALUE / 4_000_000)
                .build());
        }

        String ctx()
        {
            return "[seed=" + seed + " step=" + step + " cmd=" + what + " -Dregioncache.hashSeed=" +
                io.regioncache.internal.table.KeyHash.seed() + "] ";
        }

        // ------------------------------------------------------------------------------------------ driver

        void execute()
        {
            try
            {
                setup();
                for (step = 1; step <= steps; step++)
                {
                    oneStep();
                    commands++;
                    maxLive = Math.max(maxLive, live.size());
                    maxSegments = Math.max(maxSegments, cache.pool().segmentsInUse());
                    if ((step & 15) == 0)
                    {
                        checkDirectory();
                    }
                }
                teardown();
            }
            catch (final AssertionError | RuntimeException ex)
            {
                final String msg = String.valueOf(ex.getMessage());
                throw new AssertionError(msg.startsWith("[seed=") ? msg : ctx() + "failed: " + ex, ex);
            }
        }

        void setup()
        {
            // Host partition: 4 regions over the whole key space.
            final byte[] a = UNIVERSE.get(UNIVERSE.size() / 4);
            final byte[] b = UNIVERSE.get(UNIVERSE.size() / 2);
            final byte[] c = UNIVERSE.get(3 * UNIVERSE.size() / 4);
            addHost(new Host(1, EMPTY, a, 1));
            addHost(new Host(2, a, b, 1));
            addHost(new Host(3, b, c, 1));
            addHost(new Host(4, c, EMPTY, 1));
            for (final Host h : new ArrayList<>(hostById.values()))
            {
                what = "create " + h;
                doCreate(h);
            }
        }

        void oneStep()
        {
            final int r = rnd.nextInt(1000);
            if (r < 300)
            {
                writeValid();
            }
            else if (r < 340)
            {
                writeInvalid();
            }
            else if (r < 520)
            {
                readNewSnapshot();
            }
            else if (r < 600)
            {
                recheckOpenSnapshot();
            }
            else if (r < 650)
            {
                closeRandomSnapshot();
            }
            else if (r < 690)
            {
                splitValid();
            }
            else if (r < 720)
            {
                splitInvalid();
            }
            else if (r < 745)
            {
                merge();
            }
            else if (r < 775)
            {
                evictOne();
            }
            else if (r < 785)
            {
                evictRange();
            }
            else if (r < 815)
            {
                createOrLoad(true);
            }
            else if (r < 865)
            {
                createOrLoad(false);
            }
            else if (r < 875)
            {
                createOrLoadInvalid();
            }
            else if (r < 935)
            {
                runLoader();
            }
            else if (r < 950)
            {
                togglePause();
            }
            else if (r < 965)
            {
                advanceSafePoint();
            }
            else if (r < 975)
            {
                compact();
            }
            else
            {
                writeValid();
            }
        }

        String coverage()
        {
            final StringBuilder sb = new StringBuilder();
            for (final ResultCode c : ResultCode.values())
            {
                sb.append(c).append('=').append(cache.counters().results(c)).append(' ');
            }
            for (final SnapshotStatus st : SnapshotStatus.values())
            {
                sb.append("snap:").append(st).append('=').append(cache.counters().snapshotFailures(st)).append(' ');
            }
            sb.append("splits=").append(cache.counters().splits()).append(" loadsStarted=")
                .append(cache.counters().loadsStarted()).append(" loadsFinished=")
                .append(cache.counters().loadsFinished()).append(" loadsFailed=")
                .append(cache.counters().loadsFailed()).append(" loadsCanceled=")
                .append(cache.counters().loadsCanceled()).append(" maxRegions=").append(maxLive)
                .append(" maxSegments=").append(maxSegments).append(" compactions=").append(compactions)
                .append(" gcVersionsDropped=").append(cache.counters().gcVersionsDropped());
            return sb.toString();
        }

        void teardown()
        {
            what = "teardown";
            coverage = coverage();
            while (!snaps.isEmpty())
            {
                closeSnap(snaps.get(snaps.size() - 1));
            }
            final CommandResult all = run(cache.deleteRange(EMPTY, EMPTY));
            assertEquals(live.isEmpty() ? ResultCode.NOT_CACHED : ResultCode.OK, all.code(), ctx() + all);
            for (final Rec r : new ArrayList<>(live.values()))
            {
                evictModel(r);
            }
            while (!jobs.isEmpty())
            {
                runLoaderAt(0, false);
            }
            cache.applyCycle();
            checkDirectory();
            assertEquals(0, cache.regions().size(), ctx() + "regions left");
            assertEquals(0, cache.pool().bytesInUse(), ctx() + "memory still in use with nothing cached");
            for (final Snapshot s : spareHandles)
            {
                s.dispose();
            }
            cache.close();
            assertEquals(0, cache.pool().bytesInUse(), ctx() + "bytesInUse after close");
            assertEquals(0, cache.counters().applyErrors(), ctx() + "apply errors");
            assertEquals(0, cache.counters().leakedSnapshots(), ctx() + "leaked snapshots");
            assertEquals(0, cache.counters().transitions().totalRefused(), ctx() + "refused state moves");
            store.close();
        }

        CommandResult run(final CompletableFuture<CommandResult> f)
        {
            for (int i = 0; i < 8 && !f.isDone(); i++)
            {
                cache.applyCycle();
            }
            assertTrue(f.isDone(), ctx() + "command not completed after 8 duty cycles");
            final CommandResult result = f.join();
            afterCycle();
            return result;
        }

        /** Mirrors {@code startPendingLoads} at the end of every duty cycle. */
        void afterCycle()
        {
            if (paused || pendingQueue.isEmpty())
            {
                return;
            }
            for (final Rec r : pendingQueue)
            {
                final Job job = new Job(r.start, r.end, maxTruthVersion(r.start, r.end));
                job.targets.add(r);
                r.job = job;
                r.state = St.LOADING;
                jobs.add(job);
            }
            pendingQueue.clear();
            assertEquals(jobs.size(), loaderQueue.size(), ctx() + "load jobs started");
        }

        void expect(final ResultCode expected, final CommandResult actual)
        {
            if (expected != actual.code())
            {
                fail(ctx() + "expected " + expected + " but got " + actual);
            }
        }

        // ------------------------------------------------------------------------------------------ truth

        long maxTruthVersion(final byte[] start, final byte[] end)
        {
            long max = 0;
            for (final TreeMap<Long, byte[]> versions : range(start, end).values())
            {
                max = Math.max(max, versions.lastKey());
            }
            return max;
        }

        Map<byte[], TreeMap<Long, byte[]>> range(final byte[] start, final byte[] end)
        {
            return end.length == 0 ? truth.tailMap(start, true) : truth.subMap(start, true, end, false);
        }

        /** @return {value or TOMB-less visible entry as (version, value)} or null. */
        Map.Entry<Long, byte[]> visible(final byte[] key, final long readVersion, final long baseline)
        {
            final TreeMap<Long, byte[]> versions = truth.get(key);
            if (versions == null)
            {
                return null;
            }
            final Map.Entry<Long, byte[]> e = versions.floorEntry(readVersion);
            if (e == null || e.getKey() <= baseline || e.getValue() == TOMB)
            {
                return null;
            }
            return e;
        }

        List<byte[]> keysIn(final byte[] start, final byte[] end)
        {
            final List<byte[]> out = new ArrayList<>();
            for (final byte[] k : UNIVERSE)
            {
                if (inRange(k, start, end))
                {
                    out.add(k);
                }
            }
            return out;
        }

        byte[] value(final byte[] key, final long v)
        {
            final int kind = rnd.nextInt(100);
            final int len;
            if (kind < 5)
            {
                len = 0;
            }
            else if (kind < 95)
            {
                len = 1 + rnd.nextInt(24);
            }
            else if (rnd.nextInt(400) == 0)
            {
                len = 70 * 1024; // above the segment size: a dedicated allocation
            }
            else
            {
                len = 200 + rnd.nextInt(3000);
            }
            final byte[] out = new byte[len];
            for (int i = 0; i < len; i++)
            {
                out[i] = (byte)(v * 31 + i + key.length);
            }
            if (len >= 8)
            {
                out[0] = (byte)(v >>> 24);
                out[1] = (byte)(v >>> 16);
                out[2] = (byte)(v >>> 8);
                out[3] = (byte)v;
            }
            return out;
        }

        // ------------------------------------------------------------------------------------------ host

        void addHost(final Host h)
        {
            hostByStart.put(h.start, h);
            hostById.put(h.id, h);
        }

        void removeHost(final Host h)
        {
            hostByStart.remove(h.start);
            hostById.remove(h.id);
        }

        Host randomHost()
        {
            final List<Host> all = new ArrayList<>(hostByStart.values());
            return all.get(rnd.nextInt(all.size()));
        }

        Host randomHostPreferCached()
        {
            if (!live.isEmpty() && rnd.nextInt(4) != 0)
            {
                final List<Rec> recs = new ArrayList<>(live.values());
                recs.sort((x, y) -> cmp(x.start, y.start));
                return hostById.get(recs.get(rnd.nextInt(recs.size())).id);
            }
            return randomHost();
        }

        // ------------------------------------------------------------------------------------------ writes

        void writeValid()
        {
            final Host h = randomHostPreferCached();
            final List<byte[]> keys = keysIn(h.start, h.end);
            if (keys.isEmpty())
            {
                return;
            }
            final long v = ++version;
            what = "write v" + v + " to " + h;
            final WriteBatch wb = new WriteBatch(h.id, h.epoch, v);
            final int n = 1 + rnd.nextInt(Math.min(5, keys.size()));
            final List<byte[]> chosen = new ArrayList<>(keys);
            java.util.Collections.shuffle(chosen, rnd);
            for (int i = 0; i < n; i++)
            {
                final byte[] k = chosen.get(i);
                final TreeMap<Long, byte[]> versions = truth.computeIfAbsent(k, x -> new TreeMap<>());
                if (rnd.nextInt(4) == 0)
                {
                    wb.delete(k);
                    store.delete(k, v);
                    versions.put(v, TOMB);
                }
                else
                {
                    final byte[] val = value(k, v);
                    wb.put(k, val);
                    store.put(k, v, val);
                    versions.put(v, val);
                }
            }
            if (rnd.nextInt(10) == 0)
            {
                // The same key again in the same batch: the later operation wins (as in the store).
                final byte[] k = chosen.get(0);
                if (rnd.nextBoolean())
                {
                    wb.delete(k);
                    store.delete(k, v);
                    truth.get(k).put(v, TOMB);
                }
                else
                {
                    final byte[] val = value(k, v + 1);
                    wb.put(k, val);
                    store.put(k, v, val);
                    truth.get(k).put(v, val);
                }
            }
            final Rec r = live.get(h.id);
            final CommandResult res = run(cache.write(wb));
            if (r == null)
            {
                expect(ResultCode.NOT_CACHED, res);
                return;
            }
            switch (r.state)
            {
                case PENDING:
                    expect(ResultCode.SKIPPED, res);
                    r.lastWrite = v;
                    break;
                case LOADING:
                    expect(ResultCode.OK, res);
                    r.lastWrite = v;
                    break;
                default:
                    expect(ResultCode.OK, res);
                    r.lastWrite = v;
                    r.applied = v;
                    break;
            }
        }

        void writeInvalid()
        {
            final Host h = randomHostPreferCached();
            final Rec r = live.get(h.id);
            final List<byte[]> keys = keysIn(h.start, h.end);
            final int kind = rnd.nextInt(5);
            final long v = version + 1; // never recorded: a rejected write is not in the host's store
            WriteBatch wb;
            ResultCode expected;
            boolean drift = false;
            switch (kind)
            {
                case 0:
                {
                    what = "write outside range to " + h;
                    byte[] outside = null;
                    for (int i = 0; i < 20 && outside == null; i++)
                    {
                        final byte[] k = UNIVERSE.get(rnd.nextInt(UNIVERSE.size()));
                        if (!inRange(k, h.start, h.end))
                        {
                            outside = k;
                        }
                    }
                    if (outside == null)
                    {
                        return;
                    }
                    wb = new WriteBatch(h.id, h.epoch, v);
                    if (!keys.isEmpty())
                    {
                        wb.put(keys.get(0), new byte[] {1});
                    }
                    wb.put(outside, new byte[] {2});
                    expected = ResultCode.INVALID;
                    break;
                }
                case 1:
                    if (keys.isEmpty())
                    {
                        return;
                    }
                    what = "write stale epoch to " + h;
                    wb = new WriteBatch(h.id, h.epoch - 1, v).put(keys.get(0), new byte[] {3});
                    expected = ResultCode.STALE_EPOCH;
                    break;
                case 2:
                    if (keys.isEmpty())
                    {
                        return;
                    }
                    what = "write future epoch to " + h;
                    wb = new WriteBatch(h.id, h.epoch + 1, v).put(keys.get(0), new byte[] {4});
                    if (r != null && r.state == St.PENDING)
                    {
                        expected = ResultCode.SKIPPED;
                    }
                    else
                    {
                        expected = ResultCode.EPOCH_DRIFT;
                        drift = true;
                    }
                    break;
                case 3:
                    if (keys.isEmpty() || r == null || r.lastWrite == 0)
                    {
                        return;
                    }
                    what = "write old version " + r.lastWrite + " to " + h;
                    wb = new WriteBatch(h.id, h.epoch, r.lastWrite - rnd.nextInt(2)).put(keys.get(0), new byte[] {5});
                    expected = ResultCode.INVALID;
                    break;
                default:
                    what = "write empty key to " + h;
                    wb = new WriteBatch(h.id, h.epoch, v).put(EMPTY, new byte[] {6});
                    expected = ResultCode.INVALID; // a bad key length, even in a range starting at -inf
                    break;
            }
            final CommandResult res = run(cache.write(wb));
            if (r == null)
            {
                // A key length is checked at the call, before the region is looked up; the rest needs the region.
                expect(kind == 4 ? ResultCode.INVALID : ResultCode.NOT_CACHED, res);
                return;
            }
            expect(expected, res);
            if (drift)
            {
                evictModel(r);
            }
        }

        // ------------------------------------------------------------------------------------------ reads

        void readNewSnapshot()
        {
            final Host h = randomHostPreferCached();
            final Rec r = live.get(h.id);
            long epoch = h.epoch;
            final int e = rnd.nextInt(20);
            if (e == 0)
            {
                epoch = h.epoch + 1;
            }
            else if (e == 1)
            {
                epoch = h.epoch - 1;
            }
            final long sp = r == null ? globalSafePoint : r.safePoint;
            long rv;
            final int k = rnd.nextInt(20);
            if (k == 0)
            {
                rv = sp;
            }
            else if (k == 1)
            {
                rv = sp - rnd.nextInt(3);
            }
            else if (k == 2)
            {
                rv = version + 1 + rnd.nextInt(5);
            }
            else
            {
                rv = sp + 1 + (long)(rnd.nextDouble() * Math.max(1, version - sp));
            }
            what = "open snapshot of " + h + " epoch " + epoch + " at " + rv;
            final Snapshot s = spareHandles.isEmpty() ? cache.newSnapshot() : spareHandles.remove(spareHandles.size() - 1);
            final SnapshotStatus status = s.open(h.id, epoch, rv);
            final SnapshotStatus expected;
            if (r == null)
            {
                expected = SnapshotStatus.NOT_CACHED;
            }
            else if (epoch != r.epoch)
            {
                expected = SnapshotStatus.EPOCH_MISMATCH; // whatever the state: the router must refresh its route
            }
            else if (r.state != St.ACTIVE)
            {
                expected = SnapshotStatus.LOADING;
            }
            else if (rv <= r.safePoint)
            {
                expected = SnapshotStatus.TOO_OLD_READ;
            }
            else
            {
                expected = SnapshotStatus.OK;
            }
            assertEquals(expected, status, ctx() + "snapshot status, model " + r);
            assertEquals(status == SnapshotStatus.OK, s.isOpen(), ctx() + "isOpen");
            if (status != SnapshotStatus.OK)
            {
                spareHandles.add(s);
                return;
            }
            assertEquals(Math.min(rv, r.applied), s.readVersion(), ctx() + "effective read version, model " + r);
            assertEquals(r.region(), s.region(), ctx() + "snapshot region");
            final OpenSnap os = new OpenSnap(s, r, s.readVersion(), version);
            r.pins++;
            snaps.add(os);
            verify(os);
            if (snaps.size() > 10 || rnd.nextInt(3) != 0)
            {
                closeSnap(os);
            }
        }

        void recheckOpenSnapshot()
        {
            if (snaps.isEmpty())
            {
                readNewSnapshot();
                return;
            }
            final OpenSnap os = snaps.get(rnd.nextInt(snaps.size()));
            what = "recheck snapshot of " + os.rec + " at " + os.readVersion;
            if (version != os.openedAtVersion || !os.rec.live)
            {
                staleSnapshotChecks++;
            }
            verify(os);
        }

        void closeRandomSnapshot()
        {
            if (!snaps.isEmpty())
            {
                final OpenSnap os = snaps.get(rnd.nextInt(snaps.size()));
                what = "close snapshot of " + os.rec;
                closeSnap(os);
            }
        }

        void closeSnap(final OpenSnap os)
        {
            snaps.remove(os);
            os.snap.close();
            assertTrue(!os.snap.isOpen(), ctx() + "closed snapshot still open");
            os.rec.pins--;
            spareHandles.add(os.snap);
            // The last unpin of an evicted record makes it EVICTING; the next duty cycle reclaims it.
            cache.applyCycle();
            afterCycle();
            if (os.rec.pins == 0 && os.rec.evictedWhilePinned)
            {
                zombies.remove(os.rec);
            }
        }

        void verify(final OpenSnap os)
        {
            final Snapshot s = os.snap;
            final List<byte[]> keys = keysIn(os.start, os.end);
            assertEquals(os.readVersion, s.readVersion(), ctx() + "read version changed while open");
            // point gets
            for (int i = 0; i < 6 && !keys.isEmpty(); i++)
            {
                final byte[] k = keys.get(rnd.nextInt(keys.size()));
                final Map.Entry<Long, byte[]> exp = visible(k, os.readVersion, os.baseline);
                final byte[] act = s.get(k);
                if (exp == null ? act != null : act == null || !Arrays.equals(exp.getValue(), act))
                {
                    fail(ctx() + "get " + hex(k) + " at " + os.readVersion + " in " + os.rec + ": expected " +
                        (exp == null ? "absent" : "v" + exp.getKey() + "=" + hex(exp.getValue())) + " got " + hex(act));
                }
                readsChecked++;
            }
            // iterator
            byte[] lower = null;
            byte[] upper = null;
            if (rnd.nextBoolean() && !keys.isEmpty())
            {
                lower = keys.get(rnd.nextInt(keys.size()));
            }
            if (rnd.nextBoolean())
            {
                final List<byte[]> uppers = new ArrayList<>(keys);
                if (os.end.length > 0)
                {
                    uppers.add(os.end);
                }
                if (!uppers.isEmpty())
                {
                    upper = uppers.get(rnd.nextInt(uppers.size()));
                }
            }
            final byte[] lo = lower != null ? lower : os.start;
            final byte[] hi = upper != null ? upper : os.end;
            final List<byte[]> visKeys = new ArrayList<>();
            final List<Map.Entry<Long, byte[]>> visVals = new ArrayList<>();
            if (hi.length == 0 || cmp(lo, hi) < 0)
            {
                for (final byte[] k : range(lo, hi).keySet())
                {
                    final Map.Entry<Long, byte[]> e = visible(k, os.readVersion, os.baseline);
                    if (e != null)
                    {
                        visKeys.add(k);
                        visVals.add(e);
                    }
                }
            }
            final SnapshotIterator it = s.iterator(lower, upper);
            final String itWhat = "iterator [" + hex(lower) + ", " + hex(upper) + ") at " + os.readVersion + " in " +
                os.rec + " ";
            int pos;
            boolean ok;
            int op = rnd.nextInt(4);
            final byte[] target = UNIVERSE.get(rnd.nextInt(UNIVERSE.size()));
            if (op >= 2 && !(cmp(target, os.start) >= 0 && (os.end.length == 0 || cmp(target, os.end) < 0)))
            {
                // A seek key outside the region is bad input: refused (IAE) before the iterator moves. The step goes
                // on from the first key, as a seekToFirst.
                try
                {
                    if (op == 2)
                    {
                        it.seek(target);
                    }
                    else
                    {
                        it.seekForPrev(target);
                    }
                    throw new AssertionError(itWhat + (op == 2 ? "seek " : "seekForPrev ") + hex(target) +
                        " outside the region was not refused");
                }
                catch (final IllegalArgumentException expected)
                {
                    op = 0;
                }
            }
            switch (op)
            {
                case 0:
                    ok = it.seekToFirst();
                    pos = visKeys.isEmpty() ? -1 : 0;
                    break;
                case 1:
                    ok = it.seekToLast();
                    pos = visKeys.size() - 1;
                    break;
                case 2:
                    ok = it.seek(target);
                    pos = -1;
                    for (int i = 0; i < visKeys.size(); i++)
                    {
                        if (cmp(visKeys.get(i), target) >= 0)
                        {
                            pos = i;
                            break;
                        }
                    }
                    break;
                default:
                    ok = it.seekForPrev(target);
                    pos = -1;
                    for (int i = visKeys.size() - 1; i >= 0; i--)
                    {
                        if (cmp(visKeys.get(i), target) <= 0)
                        {
                            pos = i;
                            break;
                        }
                    }
                    break;
            }
            final String opName = new String[] {"seekToFirst", "seekToLast", "seek " + hex(target),
                "seekForPrev " + hex(target)}[op];
            checkPosition(it, ok, pos, visKeys, visVals, itWhat + opName);
            final int moves = rnd.nextInt(12);
            final boolean forward = rnd.nextBoolean();
            for (int m = 0; m < moves && pos >= 0; m++)
            {
                final boolean next = rnd.nextInt(5) == 0 ? !forward : forward;
                ok = next ? it.next() : it.prev();
                pos = next ? pos + 1 : pos - 1;
                if (pos >= visKeys.size())
                {
                    pos = -1;
                }
                checkPosition(it, ok, pos, visKeys, visVals, itWhat + opName + " then " + (next ? "next" : "prev"));
            }
            if (pos < 0)
            {
                assertTrue(!it.next() && !it.prev() && !it.isValid(), ctx() + itWhat + "exhausted iterator moved");
            }
            // full forward scan: strictly increasing, inside the bounds, and exactly the model's keys
            int count = 0;
            byte[] prevKey = null;
            for (boolean more = it.seekToFirst(); more; more = it.next())
            {
                final byte[] k = it.key();
                if (prevKey != null && cmp(prevKey, k) >= 0)
                {
                    fail(ctx() + itWhat + "scan not strictly increasing: " + hex(prevKey) + " then " + hex(k));
                }
                if (count >= visKeys.size() || !Arrays.equals(visKeys.get(count), k))
                {
                    fail(ctx() + itWhat + "scan entry " + count + " is " + hex(k) + " expected " +
                        (count < visKeys.size() ? hex(visKeys.get(count)) : "end") + " (model " + visKeys.size() +
                        " keys)");
                }
                prevKey = k;
                count++;
            }
            assertEquals(visKeys.size(), count, ctx() + itWhat + "scan length");
            readsChecked++;
        }

        void checkPosition(
            final SnapshotIterator it, final boolean ok, final int pos, final List<byte[]> keys,
            final List<Map.Entry<Long, byte[]>> vals, final String what)
        {
            if (ok != (pos >= 0) || ok != it.isValid())
            {
                fail(ctx() + what + ": valid=" + ok + "/" + it.isValid() + " expected " +
                    (pos >= 0 ? hex(keys.get(pos)) : "invalid") + (ok ? " got " + hex(it.key()) : ""));
            }
            if (pos >= 0)
            {
                final byte[] k = it.key();
                if (!Arrays.equals(keys.get(pos), k))
                {
                    fail(ctx() + what + ": key " + hex(k) + " expected " + hex(keys.get(pos)));
                }
                final Map.Entry<Long, byte[]> e = vals.get(pos);
                if (it.version() != e.getKey() || !Arrays.equals(e.getValue(), it.value()))
                {
                    fail(ctx() + what + ": at " + hex(k) + " version " + it.version() + " value " + hex(it.value()) +
                        " expected v" + e.getKey() + " " + hex(e.getValue()));
                }
            }
        }

        // ------------------------------------------------------------------------------------------ splits

        long[] freshIds(final int n)
        {
            final long[] ids = new long[n];
            for (int i = 0; i < n; i++)
            {
                ids[i] = nextId++;
            }
            return ids;
        }

        byte[][] splitKeys(final Host h, final int n)
        {
            final List<byte[]> inside = new ArrayList<>();
            for (final byte[] k : keysIn(h.start, h.end))
            {
                if (cmp(k, h.start) > 0)
                {
                    inside.add(k);
                }
            }
            if (inside.size() < n)
            {
                return null;
            }
            java.util.Collections.shuffle(inside, rnd);
            final List<byte[]> chosen = new ArrayList<>(inside.subList(0, n));
            chosen.sort(Arrays::compareUnsigned);
            return chosen.toArray(new byte[0][]);
        }

        boolean isDraining(final long id)
        {
            for (final Rec z : zombies)
            {
                if (z.id == id && ((z.evictedWhilePinned && z.pins > 0) || (z.canceled && !z.job.finished)))
                {
                    return true;
                }
            }
            return false;
        }

        void splitValid()
        {
            if (hostById.size() > 24)
            {
                merge();
                return;
            }
            final Host h = randomHostPreferCached();
            final int n = 1 + rnd.nextInt(3);
            final byte[][] keys = splitKeys(h, n);
            if (keys == null)
            {
                return;
            }
            final long[] ids = freshIds(n);
            final Rec r = live.get(h.id);
            RegionState expectedState = null;
            boolean conflict = false;
            if (r != null && rnd.nextInt(8) == 0)
            {
                final RegionState actual = RegionState.valueOf(r.state.name());
                expectedState = rnd.nextBoolean() ? actual :
                    RegionState.values()[(actual.ordinal() + 1 + rnd.nextInt(2)) % 3];
                conflict = expectedState != actual;
            }
            what = "split " + h + " at " + keysToString(keys) + " ids " + Arrays.toString(ids) +
                (expectedState != null ? " expecting " + expectedState : "");
            final CommandResult res = run(expectedState == null ?
                cache.split(h.id, h.epoch, keys, ids, h.epoch + 1) :
                cache.split(h.id, h.epoch, keys, ids, h.epoch + 1, expectedState));
            if (r == null)
            {
                expect(isDraining(h.id) ? ResultCode.SKIPPED : ResultCode.NOT_CACHED, res);
            }
            else
            {
                expect(conflict ? ResultCode.STATE_CONFLICT : ResultCode.OK, res);
            }
            applySplit(h, r, keys, ids, h.epoch + 1);
        }

        static String keysToString(final byte[][] keys)
        {
            final StringBuilder sb = new StringBuilder("[");
            for (final byte[] k : keys)
            {
                sb.append(k == null ? "null" : hex(k)).append(' ');
            }
            return sb.append(']').toString();
        }

        /** Apply a split to the host model and, if cached, to the cache model. */
        void applySplit(final Host h, final Rec r, final byte[][] keys, final long[] ids, final long newEpoch)
        {
            removeHost(h);
            final int n = keys.length;
            final List<Rec> children = new ArrayList<>();
            for (int i = 0; i <= n; i++)
            {
                final byte[] start = i == 0 ? h.start : keys[i - 1];
                final byte[] end = i == n ? h.end : keys[i];
                final long id = i == n ? h.id : ids[i];
                addHost(new Host(id, start, end, newEpoch));
                if (r != null)
                {
                    final Rec c = new Rec(id, start, end, newEpoch, r.state);
                    c.baseline = r.baseline;
                    c.lastWrite = r.lastWrite;
                    c.applied = r.applied;
                    c.safePoint = r.safePoint;
                    c.job = r.job;
                    children.add(c);
                }
            }
            if (r == null)
            {
                return;
            }
            r.live = false;
            live.remove(r.id);
            for (final Rec c : children)
            {
                live.put(c.id, c);
            }
            if (r.state == St.PENDING)
            {
                pendingQueue.remove(r);
                pendingQueue.addAll(children);
            }
            else if (r.state == St.LOADING)
            {
                r.job.targets.remove(r);
                r.job.targets.addAll(children);
            }
        }

        void splitInvalid()
        {
            final Host h = randomHostPreferCached();
            final Rec r = live.get(h.id);
            final int kind = rnd.nextInt(9);
            byte[][] keys = splitKeys(h, kind == 2 ? 2 : 1 + rnd.nextInt(2));
            if (keys == null)
            {
                return;
            }
            long[] ids = freshIds(keys.length);
            long epoch = h.epoch;
            long newEpoch = h.epoch + 1;
            ResultCode expected = ResultCode.INVALID;
            switch (kind)
            {
                case 0: // split key at or before the start
                    keys[0] = h.start.length == 0 ? new byte[] {0} : h.start;
                    if (h.start.length == 0)
                    {
                        keys = new byte[][] {EMPTY};
                        ids = freshIds(1);
                    }
                    break;
                case 1: // split key at or after the end
                    if (h.end.length == 0)
                    {
                        return;
                    }
                    keys[keys.length - 1] = rnd.nextBoolean() ? h.end : UNIVERSE.get(UNIVERSE.size() - 1);
                    if (cmp(keys[keys.length - 1], h.end) < 0)
                    {
                        return;
                    }
                    break;
                case 2: // unsorted or duplicate
                    if (rnd.nextBoolean())
                    {
                        final byte[] t = keys[0];
                        keys[0] = keys[1];
                        keys[1] = t;
                    }
                    else
                    {
                        keys[1] = keys[0];
                    }
                    break;
                case 3: // duplicate new ids, or an id in use
                    if (ids.length >= 2 && rnd.nextBoolean())
                    {
                        ids[1] = ids[0];
                    }
                    else
                    {
                        final List<Long> used = new ArrayList<>(live.keySet());
                        ids[0] = used.isEmpty() || rnd.nextInt(3) == 0 ? h.id : used.get(rnd.nextInt(used.size()));
                    }
                    break;
                case 4: // id count mismatch
                    ids = freshIds(keys.length + 1);
                    break;
                case 5: // new epoch not above
                    newEpoch = h.epoch - rnd.nextInt(2);
                    break;
                case 6: // no keys
                    keys = new byte[0][];
                    ids = new long[0];
                    break;
                case 7: // stale epoch
                    epoch = h.epoch - 1;
                    newEpoch = h.epoch;
                    expected = ResultCode.STALE_EPOCH;
                    break;
                default: // future epoch
                    epoch = h.epoch + 1;
                    newEpoch = h.epoch + 2;
                    expected = r != null && r.state == St.PENDING ? ResultCode.OK : ResultCode.EPOCH_DRIFT;
                    break;
            }
            what = "bad split #" + kind + " of " + h + " epoch " + epoch + "->" + newEpoch + " at " +
                keysToString(keys) + " ids " + Arrays.toString(ids);
            final CommandResult res = run(cache.split(h.id, epoch, keys, ids, newEpoch));
            if (CommandValidation.split(h.id, epoch, keys, ids, newEpoch, cache.config().maxKeyLength()) != null)
            {
                // Argument errors that need no region state are refused at the call, whatever the region's state.
                expect(ResultCode.INVALID, res);
                return;
            }
            if (r == null)
            {
                expect(isDraining(h.id) ? ResultCode.SKIPPED : ResultCode.NOT_CACHED, res);
                return;
            }
            expect(expected, res);
            if (expected == ResultCode.EPOCH_DRIFT)
            {
                evictModel(r);
            }
            else if (expected == ResultCode.OK)
            {
                // A PENDING region's epoch may lag: the split is applied, the host was simply ahead.
                applySplit(h, r, keys, ids, newEpoch);
            }
        }

        // ------------------------------------------------------------------------------------------ evictions

        long reloadSafePoint(final long id)
        {
            return Math.max(globalSafePoint, ownSafePoints.getOrDefault(id, 0L));
        }

        void evictModel(final Rec r)
        {
            assertTrue(r.live, ctx() + "evicting a dead model record " + r);
            r.live = false;
            live.remove(r.id);
            ownSafePoints.merge(r.id, r.safePoint, Math::max);
            switch (r.state)
            {
                case PENDING:
                    pendingQueue.remove(r);
                    break;
                case LOADING:
                    r.canceled = true;
                    zombies.add(r);
                    break;
                default:
                    if (r.pins > 0)
                    {
                        r.evictedWhilePinned = true;
                        zombies.add(r);
                    }
                    break;
            }
        }

        void merge()
        {
            if (hostById.size() < 3)
            {
                splitValid();
                return;
            }
            final Host left = randomHost();
            final Host right = hostByStart.get(left.end);
            if (left.end.length == 0 || right == null)
            {
                return;
            }
            final boolean leftIsTarget = rnd.nextBoolean();
            final Host target = leftIsTarget ? left : right;
            final Host source = leftIsTarget ? right : left;
            final Rec rt = live.get(target.id);
            final Rec rs = live.get(source.id);
            if (rnd.nextBoolean())
            {
                what = "prepare merge of " + source;
                expect(rs == null ? ResultCode.NOT_CACHED : ResultCode.OK, run(cache.prepareMerge(source.id)));
                if (rs != null)
                {
                    evictModel(rs);
                }
            }
            what = "commit merge " + source + " into " + target;
            final CommandResult res = run(cache.commitMerge(target.id, source.id));
            final boolean any = live.containsKey(target.id) || live.containsKey(source.id);
            expect(any ? ResultCode.OK : ResultCode.NOT_CACHED, res);
            if (live.containsKey(target.id))
            {
                evictModel(live.get(target.id));
            }
            if (live.containsKey(source.id))
            {
                evictModel(live.get(source.id));
            }
            removeHost(left);
            removeHost(right);
            addHost(new Host(target.id, left.start, right.end, Math.max(left.epoch, right.epoch) + 1));
        }

        /** MVCC GC: compaction at the safe point swaps in a new record; every read above it must be unchanged. */
        void compact()
        {
            final Host h = randomHostPreferCached();
            final Rec r = live.get(h.id);
            what = "compact " + h;
            final CommandResult result = run(cache.compact(h.id));
            if (r == null)
            {
                expect(ResultCode.NOT_CACHED, result);
                return;
            }
            if (r.state != St.ACTIVE)
            {
                expect(ResultCode.SKIPPED, result);
                return;
            }
            expect(ResultCode.OK, result);
            final long before = cache.counters().compactionsFinished();
            cache.applyCycle(); // the job ran synchronously; this cycle swaps its table in
            afterCycle();
            assertEquals(before + 1, cache.counters().compactionsFinished(), ctx() + "compaction not swapped in");
            compactions++;
            // The swap retires the record (its open snapshots keep pinning it) and publishes a successor with no
            // pins: model it as a new incarnation, as a split does.
            final Rec successor = new Rec(r.id, r.start, r.end, r.epoch, St.ACTIVE);
            successor.baseline = r.baseline;
            successor.lastWrite = r.lastWrite;
            successor.applied = r.applied;
            successor.safePoint = r.safePoint;
            r.live = false;
            live.put(r.id, successor);
        }

        void evictOne()
        {
            final Host h = randomHostPreferCached();
            final Rec r = live.get(h.id);
            final int kind = rnd.nextInt(5);
            final CompletableFuture<CommandResult> f;
            switch (kind)
            {
                case 0:
                    what = "rollback merge " + h;
                    f = cache.rollbackMerge(h.id);
                    break;
                case 1:
                    what = "apply snapshot " + h;
                    f = cache.applySnapshot(h.id);
                    break;
                case 2:
                    what = "destroy " + h;
                    f = cache.destroy(h.id);
                    break;
                case 3:
                    what = "evict twice " + h;
                    f = cache.submit(new io.regioncache.Command.Evict(EvictReason.MANUAL, h.id, h.id));
                    break;
                default:
                    final EvictReason reason = EvictReason.values()[rnd.nextInt(EvictReason.values().length)];
                    what = "evict " + h + " " + reason;
                    f = cache.evict(h.id, reason);
                    break;
            }
            expect(r == null ? ResultCode.NOT_CACHED : ResultCode.OK, run(f));
            if (r != null)
            {
                evictModel(r);
            }
        }

        void evictRange()
        {
            byte[] a = rnd.nextInt(6) == 0 ? EMPTY : UNIVERSE.get(rnd.nextInt(UNIVERSE.size()));
            byte[] b = rnd.nextInt(6) == 0 ? EMPTY : UNIVERSE.get(rnd.nextInt(UNIVERSE.size()));
            if (b.length > 0 && cmp(a, b) > 0)
            {
                final byte[] t = a;
                a = b;
                b = t;
            }
            if (b.length > 0 && cmp(a, b) == 0)
            {
                return;
            }
            final boolean ingest = rnd.nextBoolean();
            what = (ingest ? "ingest [" : "delete range [") + hex(a) + ", " + hex(b) + ")";
            final List<Rec> hit = new ArrayList<>();
            for (final Rec r : live.values())
            {
                if (overlaps(r.start, r.end, a, b))
                {
                    hit.add(r);
                }
            }
            final CommandResult res = run(ingest ? cache.ingest(a, b) : cache.deleteRange(a, b));
            expect(hit.isEmpty() ? ResultCode.NOT_CACHED : ResultCode.OK, res);
            for (final Rec r : hit)
            {
                evictModel(r);
            }
        }

        // ------------------------------------------------------------------------------------------ create/load

        void doCreate(final Host h)
        {
            expect(ResultCode.OK, run(cache.createRegion(h.region())));
            final Rec r = new Rec(h.id, h.start, h.end, h.epoch, St.ACTIVE);
            r.baseline = version;
            r.safePoint = reloadSafePoint(h.id);
            live.put(h.id, r);
        }

        void createOrLoad(final boolean create)
        {
            final Host h = randomHost();
            final Rec existing = live.get(h.id);
            if (create)
            {
                what = "create " + h;
                if (existing != null)
                {
                    expect(ResultCode.INVALID, run(cache.createRegion(h.region())));
                    return;
                }
                doCreate(h);
                return;
            }
            final boolean pinned = rnd.nextInt(4) == 0;
            what = (pinned ? "load pinned " : "load ") + h;
            final CommandResult res = run(pinned ? cache.loadRegionKeepCached(h.region()) : cache.loadRegion(h.region()));
            if (existing != null)
            {
                expect(ResultCode.SKIPPED, res);
                return;
            }
            expect(ResultCode.OK, res);
            final Rec r = new Rec(h.id, h.start, h.end, h.epoch, St.PENDING);
            r.safePoint = reloadSafePoint(h.id);
            live.put(h.id, r);
            if (paused)
            {
                pendingQueue.add(r);
            }
            else
            {
                // the load started in the same duty cycle
                final Job job = new Job(r.start, r.end, maxTruthVersion(r.start, r.end));
                job.targets.add(r);
                r.job = job;
                r.state = St.LOADING;
                jobs.add(job);
                assertEquals(jobs.size(), loaderQueue.size(), ctx() + "load jobs started");
            }
        }

        void createOrLoadInvalid()
        {
            final Host h = randomHost();
            final int kind = rnd.nextInt(3);
            final Region bad;
            switch (kind)
            {
                case 0: // a fresh id over an existing cached range
                {
                    if (live.isEmpty())
                    {
                        return;
                    }
                    final Rec r = live.values().iterator().next();
                    bad = new Region(nextId++, r.start, r.end, r.epoch);
                    break;
                }
                case 1: // inverted range
                    if (h.end.length == 0)
                    {
                        return;
                    }
                    bad = new Region(nextId++, h.end, h.start.length == 0 ? new byte[] {0} : h.start, 1);
                    if (cmp(bad.start(), bad.end()) < 0)
                    {
                        return;
                    }
                    break;
                default: // a cached id at the same epoch but another range
                {
                    final Rec r = live.get(h.id);
                    if (r == null || h.end.length == 0)
                    {
                        return;
                    }
                    bad = new Region(h.id, h.start, EMPTY, h.epoch);
                    break;
                }
            }
            final boolean create = rnd.nextBoolean();
            what = (create ? "bad create " : "bad load ") + bad;
            expect(ResultCode.INVALID, run(create ? cache.createRegion(bad) : cache.loadRegion(bad)));
        }

        void runLoader()
        {
            if (jobs.isEmpty())
            {
                createOrLoad(false);
                return;
            }
            runLoaderAt(rnd.nextInt(jobs.size()), rnd.nextInt(25) == 0);
        }

        void runLoaderAt(final int i, final boolean injectFailure)
        {
            final Job job = jobs.remove(i);
            final Runnable task = loaderQueue.remove(i);
            what = "run load of [" + hex(job.start) + ", " + hex(job.end) + ")" + (injectFailure ? " failing" : "");
            if (injectFailure)
            {
                failing.failNextScan(new RuntimeException("injected"));
            }
            task.run();
            cache.applyCycle();
            job.finished = true;
            for (final Rec t : job.targets)
            {
                if (t.canceled)
                {
                    zombies.remove(t);
                    continue;
                }
                assertTrue(t.live && t.state == St.LOADING, ctx() + "load target " + t);
                if (injectFailure)
                {
                    t.live = false;
                    live.remove(t.id);
                    ownSafePoints.merge(t.id, t.safePoint, Math::max);
                }
                else
                {
                    t.state = St.ACTIVE;
                    t.baseline = 0;
                    t.applied = Math.max(job.maxVersion, t.lastWrite);
                }
            }
            afterCycle();
        }

        void togglePause()
        {
            paused = !paused;
            what = paused ? "pause loads" : "resume loads";
            cache.pauseLoads(paused);
            cache.applyCycle();
            afterCycle();
        }

        void advanceSafePoint()
        {
            final long sp = Math.max(0, version - rnd.nextInt(40));
            if (rnd.nextBoolean())
            {
                what = "advance safe point to " + sp;
                expect(ResultCode.OK, run(cache.advanceSafePoint(sp)));
                globalSafePoint = Math.max(globalSafePoint, sp);
                for (final Rec r : live.values())
                {
                    r.safePoint = Math.max(r.safePoint, sp);
                }
            }
            else
            {
                final Host h = randomHostPreferCached();
                final Rec r = live.get(h.id);
                what = "advance safe point of " + h + " to " + sp;
                final CommandResult res = run(cache.advanceSafePoint(h.id, sp));
                if (r == null)
                {
                    expect(ResultCode.NOT_CACHED, res);
                }
                else if (sp > r.safePoint)
                {
                    expect(ResultCode.OK, res);
                    r.safePoint = sp;
                }
                else
                {
                    expect(ResultCode.SKIPPED, res);
                }
            }
        }

        // ------------------------------------------------------------------------------------------ invariants

        void checkDirectory()
        {
            final List<RegionInfo> infos = cache.regions();
            assertEquals(live.size(), infos.size(), ctx() + "cached region count; model " + live.values());
            for (final Host h : hostById.values())
            {
                final Rec r = live.get(h.id);
                final RegionState state = cache.stateOf(h.id);
                if (r == null)
                {
                    assertEquals(null, state, ctx() + "state of uncached " + h);
                }
                else
                {
                    assertEquals(r.state.name(), String.valueOf(state), ctx() + "state of " + r);
                    assertEquals(r.region(), cache.region(h.id), ctx() + "region of " + r);
                    if (h.start.length > 0)
                    {
                        assertEquals(r.region(), cache.regionFor(h.start), ctx() + "regionFor start of " + r);
                    }
                }
            }
            if (live.isEmpty() && snaps.isEmpty() && jobs.isEmpty())
            {
                assertEquals(0, cache.pool().bytesInUse(), ctx() + "memory in use with nothing cached");
            }
        }
    }
}
