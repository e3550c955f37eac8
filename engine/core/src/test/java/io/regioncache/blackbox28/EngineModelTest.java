package io.regioncache.blackbox28;

import static io.regioncache.blackbox28.K28.TOMB;
import static io.regioncache.blackbox28.K28.cmp;
import static io.regioncache.blackbox28.K28.hex;
import static io.regioncache.blackbox28.K28.inRange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import io.regioncache.Bytes;
import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionInfo;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Audit 28: a randomized model test of the engine alone (README "The engine alone", "How it works", "Reliability",
 * the {@code NavigableMap} view; the public Javadoc of {@code io.regioncache}), public API only.
 * <p>
 * The host owns a partition of the key space into regions (ids, ranges, epochs) and an {@link InMemoryBackingStore}
 * it writes first, whole batch by batch, as the README asks. The cache holds some of the host's regions. The model
 * keeps the store's history ({@code key -> version -> value or tombstone}) and, for each region the cache must hold,
 * its id, range, epoch, safe point, the last version its stream delivered, and the version from which it holds data
 * (0 for a loaded region; the version at creation for a created one, which starts empty). Every command's
 * {@link ResultCode}, every snapshot status, and every read (get, multiGet, iterators, both map views) is compared
 * with the model; snapshots are kept open across later commands and must keep reading their version.
 * <p>
 * {@code -Dblackbox28.seed=N} replays one seed; {@code -Dblackbox28.seeds=N} runs seeds 2801..2800+N (default 8);
 * {@code -Dblackbox28.steps=N} changes the length (default 3,000); {@code -Dblackbox28.probe=true} also splits every
 * uncached, unpinned host region after each step (must answer NOT_CACHED); {@code -Dblackbox28.trace=N} keeps the last
 * N commands for the failure message (default 12). Seeds whose number
 * is odd run with a small memory budget (the {@code MEMORY_LIMIT} / load-refused answers).
 */
class EngineModelTest
{
    private static final int STEPS = Integer.getInteger("blackbox28.steps", 3_000);

    @Test
    void randomCommandSequencesMatchTheModel() throws Exception
    {
        final int many = Integer.getInteger("blackbox28.seeds", 8);
        final long[] defaults = new long[many];
        for (int i = 0; i < many; i++)
        {
            defaults[i] = 2801 + i;
        }
        for (final long seed : K28.seeds("blackbox28.seed", defaults))
        {
            new Sim(seed, seed % 2 == 1).run(STEPS);
        }
    }

    // ------------------------------------------------------------------ the model

    static final class HostRegion
    {
        long id;
        byte[] start;
        byte[] end;
        long epoch;

        HostRegion(final long id, final byte[] start, final byte[] end, final long epoch)
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
            return "host#" + id + "[" + hex(start) + "," + hex(end) + ")@" + epoch;
        }
    }

    /** What the cache must hold for one region. */
    static final class Cached
    {
        long id;
        byte[] start;
        byte[] end;
        long epoch;
        /** Data in (base, ...] is the region's; a created region starts empty. */
        long base;
        /** The last version its stream delivered (the clamp of a snapshot's read version). */
        long applied;
        /** The last version a write delivered to the cache, -1 when unknown (a loaded region before any write). */
        long lastWrite;
        /** What a load copied (writes at or below it are SKIPPED), 0 for a created region. */
        long loadedUpTo;

        Cached(final long id, final byte[] start, final byte[] end, final long epoch, final long base,
            final long applied)
        {
            this.id = id;
            this.start = start;
            this.end = end;
            this.epoch = epoch;
            this.base = base;
            this.applied = applied;
            this.lastWrite = base == 0 ? -1 : 0;
            this.loadedUpTo = base == 0 ? applied : 0;
        }

        Cached child(final long id, final byte[] start, final byte[] end, final long epoch)
        {
            final Cached c = new Cached(id, start, end, epoch, base, applied);
            c.lastWrite = lastWrite;
            c.loadedUpTo = loadedUpTo;
            return c;
        }

        @Override
        public String toString()
        {
            return "cached#" + id + "[" + hex(start) + "," + hex(end) + ")@" + epoch + " base=" + base + " applied=" +
                applied;
        }
    }

    record Vis(long version, byte[] value)
    {
    }

    /** A snapshot kept open across commands, with what it must read. */
    static final class Held
    {
        Snapshot snap;
        Cached at;
        long readVersion;
        TreeMap<byte[], Vis> expected;
        NavigableMap<Bytes, Bytes> view;
        String label;
    }

    static final class Sim
    {
        final long seed;
        final boolean small;
        final Random rnd;
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final TreeMap<byte[], TreeMap<Long, byte[]>> truth = K28.arrayMap();
        final List<byte[]> universe = new ArrayList<>();
        final List<HostRegion> host = new ArrayList<>();
        final Map<Long, Cached> cached = new LinkedHashMap<>();
        final Map<Long, Long> ownSafePoint = new HashMap<>();
        final List<Held> held = new ArrayList<>();
        final Map<String, Integer> counts = new TreeMap<>();
        RegionCache cache;
        long ver;
        long globalSp;
        long nextId = 100;
        boolean enabled = true;
        int step;
        String lastCommand = "";
        final java.util.ArrayDeque<String> recent = new java.util.ArrayDeque<>();

        Sim(final long seed, final boolean small)
        {
            this.seed = seed;
            this.small = small;
            this.rnd = new Random(seed);
        }

        String at()
        {
            return "seed " + seed + " step " + step + " (" + lastCommand + "): ";
        }

        AssertionError fail(final String what)
        {
            return new AssertionError(at() + what + "\n  model: " + cached.values() + "\n  enabled: " + enabled +
                "\n  host: " + host + "\n  held: " + held.stream().map(x -> x.label).toList() +
                "\n  cache.regions(): " + cache.regions() + "\n  draining: " +
                cache.metrics().values().get("regions.draining") + " memory " + cache.memoryInUse() +
                "\n  last commands: " + String.join("\n    ", recent));
        }

        void expect(final Object expected, final Object actual, final String what)
        {
            if (!java.util.Objects.equals(expected, actual))
            {
                throw fail(what + ": expected " + expected + ", got " + actual);
            }
        }

        void count(final String what)
        {
            counts.merge(what, 1, Integer::sum);
        }

        void run(final int steps) throws Exception
        {
            final Set<String> keys = new HashSet<>();
            while (universe.size() < 40)
            {
                final byte[] k = new byte[1 + rnd.nextInt(3)];
                for (int i = 0; i < k.length; i++)
                {
                    k[i] = (byte)K28.ALPHABET[rnd.nextInt(K28.ALPHABET.length)];
                }
                if (keys.add(hex(k)))
                {
                    universe.add(k);
                }
            }
            universe.sort(Arrays::compareUnsigned);
            // the host's partition: 4 regions over the whole key space
            final TreeMap<byte[], Boolean> cuts = K28.arrayMap();
            while (cuts.size() < 3)
            {
                cuts.put(universe.get(1 + rnd.nextInt(universe.size() - 1)), true);
            }
            byte[] s = new byte[0];
            long id = 1;
            for (final byte[] cut : cuts.keySet())
            {
                host.add(new HostRegion(id++, s, cut, 1));
                s = cut;
            }
            host.add(new HostRegion(id, s, new byte[0], 1));

            final long capacity = small ? 40 << 10 : 64L << 20;
            cache = RegionCache.create(K28.invoker(capacity).backingStore(store).build());
            try
            {
                for (step = 0; step < steps; step++)
                {
                    if (!lastCommand.startsWith("read"))
                    {
                        recent.addLast(step - 1 + ": " + lastCommand);
                        if (recent.size() > Integer.getInteger("blackbox28.trace", 12))
                        {
                            recent.removeFirst();
                        }
                    }
                    oneStep();
                    checkRegionMap();
                    if (Boolean.getBoolean("blackbox28.probe"))
                    {
                        probeSplits();
                    }
                }
                for (final Held h : new ArrayList<>(held))
                {
                    checkHeld(h);
                    release(h);
                }
                for (final Cached c : new ArrayList<>(cached.values()))
                {
                    step++;
                    checkReads(c, true);
                }
            }
            finally
            {
                for (final Held h : held)
                {
                    h.snap.close();
                }
                cache.close();
            }
            if (cache.memoryInUse() != 0)
            {
                throw fail("memory in use after close: " + cache.memoryInUse());
            }
            // README: after close() every command completes CLOSED at the call, and a snapshot opens CLOSED
            final HostRegion h = anyHost();
            lastCommand = "after close";
            expect(ResultCode.CLOSED, cache.write(new WriteBatch(h.id, h.epoch, ver + 1).put(new byte[] {1}, new byte[0]))
                .getNow(null).code(), "write after close");
            expect(ResultCode.CLOSED, cache.loadRegion(h.region()).getNow(null).code(), "load after close");
            final Snapshot afterClose = cache.newSnapshot();
            expect(SnapshotStatus.CLOSED, afterClose.open(h.id, h.epoch, ver), "open after close");
            System.out.println("blackbox28 seed " + seed + (small ? " (small budget)" : "") + ": " + counts);
        }

        // ------------------------------------------------------------ steps

        void oneStep() throws Exception
        {
            if (!enabled && rnd.nextInt(3) == 0)
            {
                lastCommand = "setEnabled(true)";
                expect(ResultCode.OK, K28.run(cache, cache.setEnabled(true)).code(), "enable");
                enabled = true;
                return;
            }
            final int p = rnd.nextInt(1000);
            if (p < 330)
            {
                write();
            }
            else if (p < 370)
            {
                badWrite();
            }
            else if (p < 420)
            {
                load();
            }
            else if (p < 440)
            {
                create();
            }
            else if (p < 480)
            {
                split();
            }
            else if (p < 510)
            {
                merge();
            }
            else if (p < 560)
            {
                evictions();
            }
            else if (p < 565)
            {
                lastCommand = "setEnabled(" + !enabled + ")";
                final CommandResult r = K28.run(cache, cache.setEnabled(!enabled));
                expect(ResultCode.OK, r.code(), "setEnabled " + r);
                enabled = !enabled;
                if (!enabled)
                {
                    cached.clear();
                }
                lastCommand = "setEnabled(" + enabled + ") again";
                expect(ResultCode.SKIPPED, K28.run(cache, cache.setEnabled(enabled)).code(), "setEnabled twice");
            }
            else if (p < 600)
            {
                safePoint();
            }
            else if (p < 630)
            {
                compact();
            }
            else if (p < 640)
            {
                drift();
            }
            else if (p < 665)
            {
                hold();
            }
            else if (p < 680 && !held.isEmpty())
            {
                final Held h = held.get(rnd.nextInt(held.size()));
                checkHeld(h);
                release(h);
            }
            else
            {
                reads();
            }
        }

        HostRegion anyHost()
        {
            return host.get(rnd.nextInt(host.size()));
        }

        /** A host region, a cached one two times in three when there is one. */
        HostRegion likelyCached()
        {
            if (!cached.isEmpty() && rnd.nextInt(3) != 0)
            {
                final List<Long> ids = new ArrayList<>(cached.keySet());
                final long id = ids.get(rnd.nextInt(ids.size()));
                for (final HostRegion x : host)
                {
                    if (x.id == id)
                    {
                        return x;
                    }
                }
            }
            return anyHost();
        }

        List<byte[]> keysIn(final byte[] start, final byte[] end)
        {
            final List<byte[]> out = new ArrayList<>();
            for (final byte[] k : universe)
            {
                if (inRange(k, start, end))
                {
                    out.add(k);
                }
            }
            return out;
        }

        byte[] value(final long version)
        {
            final int len = rnd.nextInt(20) == 0 ? 0 : rnd.nextInt(small ? 2 : 4) == 0 ? 100 + rnd.nextInt(small ? 400 : 200) :
                rnd.nextInt(40);
            final byte[] v = new byte[len];
            rnd.nextBytes(v);
            if (len >= 8)
            {
                for (int i = 0; i < 8; i++)
                {
                    v[i] = (byte)(version >>> (8 * i));
                }
            }
            return v;
        }

        /** Store first, whole (the host's duty), then the model. */
        void toStore(final WriteBatch batch, final List<Object[]> ops)
        {
            store.applyBatch(batch);
            for (final Object[] op : ops)
            {
                truth.computeIfAbsent((byte[])op[0], x -> new TreeMap<>()).put(batch.version(), (byte[])op[1]);
            }
        }

        void write() throws Exception
        {
            HostRegion h = anyHost();
            if (!cached.isEmpty() && rnd.nextInt(10) < 7)
            {
                final List<Long> ids = new ArrayList<>(cached.keySet());
                final long id = ids.get(rnd.nextInt(ids.size()));
                for (final HostRegion x : host)
                {
                    if (x.id == id)
                    {
                        h = x;
                    }
                }
            }
            final List<byte[]> in = keysIn(h.start, h.end);
            if (in.isEmpty())
            {
                reads();
                return;
            }
            final long v = ++ver;
            final WriteBatch batch = new WriteBatch(h.id, h.epoch, v);
            final List<Object[]> ops = new ArrayList<>();
            final int n = 1 + rnd.nextInt(6);
            for (int i = 0; i < n; i++)
            {
                final byte[] k = in.get(rnd.nextInt(in.size()));
                if (rnd.nextInt(4) == 0)
                {
                    batch.delete(k);
                    ops.add(new Object[] {k, TOMB});
                }
                else
                {
                    final byte[] val = value(v);
                    batch.put(k, val);
                    ops.add(new Object[] {k, val});
                }
            }
            lastCommand = "write " + h + " v" + v + " ops " + n;
            toStore(batch, ops);
            final CommandResult r = K28.run(cache, cache.write(batch));
            final Cached c = cached.get(h.id);
            if (c == null)
            {
                expect(ResultCode.NOT_CACHED, r.code(), "write to an uncached region " + r);
            }
            else if (c.epoch < h.epoch)
            {
                expect(ResultCode.EPOCH_DRIFT, r.code(), "write at a newer epoch " + r);
                evicted(c);
            }
            else if (r.code() == ResultCode.MEMORY_LIMIT && small)
            {
                count("write MEMORY_LIMIT");
                evicted(c);
            }
            else
            {
                expect(ResultCode.OK, r.code(), "write " + r);
                c.applied = v;
                c.lastWrite = v;
            }
            count("write " + r.code());
        }

        void badWrite() throws Exception
        {
            final HostRegion h = likelyCached();
            final Cached c = cached.get(h.id);
            final int kind = rnd.nextInt(6);
            final List<byte[]> in = keysIn(h.start, h.end);
            final byte[] inKey = in.isEmpty() ? null : in.get(rnd.nextInt(in.size()));
            CompletableFuture<CommandResult> f = null;
            ResultCode want = ResultCode.INVALID;
            boolean staleUnknown = false;
            switch (kind)
            {
                case 0 ->
                {
                    // a key outside the cached range
                    if (c == null || c.epoch != h.epoch)
                    {
                        break;
                    }
                    byte[] out = null;
                    for (final byte[] k : universe)
                    {
                        if (!inRange(k, c.start, c.end) && (out == null || rnd.nextBoolean()))
                        {
                            out = k;
                        }
                    }
                    if (out == null || inKey == null)
                    {
                        break;
                    }
                    lastCommand = "write with a key outside " + c + ": " + hex(out);
                    f = cache.write(new WriteBatch(h.id, h.epoch, ver + 1).put(inKey, value(ver + 1)).put(out, new byte[1]));
                }
                case 1 ->
                {
                    // a version not above the last delivered
                    if (c == null || c.epoch != h.epoch || c.applied == 0 || inKey == null)
                    {
                        break;
                    }
                    final long v = rnd.nextBoolean() ? c.applied : 1 + rnd.nextInt((int)c.applied);
                    lastCommand = "write at an old version " + v + " to " + c + " lastWrite " + c.lastWrite +
                        " loadedUpTo " + c.loadedUpTo;
                    if (c.lastWrite < 0 || v > c.lastWrite)
                    {
                        // README: "a write above it but at or below what a load copied is SKIPPED"
                        want = v <= c.loadedUpTo ? ResultCode.SKIPPED : ResultCode.INVALID;
                        if (c.lastWrite < 0)
                        {
                            staleUnknown = true;
                        }
                    }
                    f = cache.write(new WriteBatch(h.id, h.epoch, v).put(inKey, new byte[] {1}));
                }
                case 2 ->
                {
                    // a stale epoch
                    if (c == null || c.epoch == 0 || inKey == null)
                    {
                        break;
                    }
                    lastCommand = "write at a stale epoch to " + c;
                    want = ResultCode.STALE_EPOCH;
                    f = cache.write(new WriteBatch(h.id, c.epoch - 1, ver + 1).put(inKey, new byte[] {1}));
                }
                case 3 ->
                {
                    lastCommand = "write with a key over maxKeyLength to " + h;
                    f = cache.write(new WriteBatch(h.id, h.epoch, ver + 1).put(new byte[K28.MAX_KEY + 1], new byte[1]));
                }
                case 4 ->
                {
                    lastCommand = "write with an empty key to " + h;
                    f = cache.write(new WriteBatch(h.id, h.epoch, ver + 1).delete(new byte[0]));
                }
                default ->
                {
                    if (inKey == null)
                    {
                        break;
                    }
                    lastCommand = "write with a value over maxValueLength to " + h;
                    f = cache.write(new WriteBatch(h.id, h.epoch, ver + 1).put(inKey, new byte[K28.MAX_VALUE + 1]));
                }
            }
            if (f == null)
            {
                reads();
                return;
            }
            final CommandResult r = K28.run(cache, f);
            if (!(staleUnknown && r.code() == ResultCode.INVALID))
            {
                expect(want, r.code(), lastCommand + ": " + r);
            }
            count("bad write " + kind + " " + r.code());
        }

        void evicted(final Cached c)
        {
            cached.remove(c.id);
        }

        long maxVersionIn(final byte[] start, final byte[] end)
        {
            long max = 0;
            for (final Map.Entry<byte[], TreeMap<Long, byte[]>> e : truth.entrySet())
            {
                if (inRange(e.getKey(), start, end))
                {
                    max = Math.max(max, e.getValue().lastKey());
                }
            }
            return max;
        }

        long safePointOf(final long id)
        {
            return Math.max(globalSp, ownSafePoint.getOrDefault(id, 0L));
        }

        void load() throws Exception
        {
            final HostRegion h = anyHost();
            final Cached c = cached.get(h.id);
            if (c != null)
            {
                if (c.epoch == h.epoch)
                {
                    lastCommand = "load of a cached region " + c;
                    final CommandResult r = K28.run(cache, cache.loadRegion(h.region()));
                    expect(ResultCode.SKIPPED, r.code(), "load of a region cached already " + r);
                    if (c.epoch > 0)
                    {
                        lastCommand = "load at a stale epoch " + c;
                        final CommandResult r2 =
                            K28.run(cache, cache.loadRegion(new Region(c.id, c.start, c.end, c.epoch - 1)));
                        expect(ResultCode.STALE_EPOCH, r2.code(), "load at a stale epoch " + r2);
                        lastCommand = "create at a stale epoch " + c;
                        final CommandResult r3 =
                            K28.run(cache, cache.createRegion(new Region(c.id, c.start, c.end, c.epoch - 1)));
                        expect(ResultCode.STALE_EPOCH, r3.code(), "create at a stale epoch " + r3);
                    }
                    // another id over a cached range
                    lastCommand = "load of a new id over " + c;
                    final CommandResult r4 =
                        K28.run(cache, cache.loadRegion(new Region(nextId++, c.start, c.end, 1)));
                    expect(ResultCode.INVALID, r4.code(), "load overlapping a cached region " + r4);
                    count("load refused");
                }
                else
                {
                    reads();
                }
                return;
            }
            final boolean pending = rnd.nextInt(4) == 0 && enabled;
            lastCommand = (pending ? "paused " : "") + "load " + h;
            if (pending)
            {
                cache.pauseLoads(true);
            }
            final CommandResult r = K28.run(cache, cache.loadRegion(h.region()));
            if (!enabled)
            {
                expect(ResultCode.SKIPPED, r.code(), "load while disabled " + r);
                return;
            }
            if (r.code() == ResultCode.SKIPPED && small)
            {
                cache.pauseLoads(false);
                count("load SKIPPED");
                expect(null, cache.stateOf(h.id), "state after a refused load");
                return;
            }
            expect(ResultCode.OK, r.code(), "load " + r);
            if (pending)
            {
                expect(RegionState.PENDING, cache.stateOf(h.id), "paused load's state");
                final Snapshot s = cache.newSnapshot();
                expect(SnapshotStatus.LOADING, s.open(h.id, h.epoch, ver + 1), "open of a PENDING region");
                if (h.epoch > 0)
                {
                    expect(SnapshotStatus.EPOCH_MISMATCH, s.open(h.id, h.epoch - 1, ver + 1),
                        "open of a PENDING region at a stale epoch");
                }
                s.dispose();
                final List<byte[]> in = keysIn(h.start, h.end);
                if (!in.isEmpty())
                {
                    final long v = ++ver;
                    final byte[] k = in.get(rnd.nextInt(in.size()));
                    final byte[] val = value(v);
                    final WriteBatch b = new WriteBatch(h.id, h.epoch, v).put(k, val);
                    final List<Object[]> ops = new ArrayList<>();
                    ops.add(new Object[] {k, val});
                    toStore(b, ops);
                    final CommandResult w = K28.run(cache, cache.write(b));
                    expect(ResultCode.SKIPPED, w.code(), "write to a PENDING region " + w);
                }
                cache.pauseLoads(false);
            }
            K28.until(cache, () -> cache.stateOf(h.id) != RegionState.PENDING &&
                cache.stateOf(h.id) != RegionState.LOADING);
            final RegionState st = cache.stateOf(h.id);
            if (st == null && small)
            {
                count("load failed");
                return;
            }
            expect(RegionState.ACTIVE, st, "state after a load");
            cached.put(h.id, new Cached(h.id, h.start, h.end, h.epoch, 0, maxVersionIn(h.start, h.end)));
            count("load OK");
        }

        void create() throws Exception
        {
            final HostRegion h = anyHost();
            final Cached c = cached.get(h.id);
            if (c != null)
            {
                // a null bound, an inverted range: INVALID, nothing changes
                lastCommand = "create with a null bound " + c;
                expect(ResultCode.INVALID, K28.run(cache, cache.createRegion(new Region(nextId++, null, c.end, 1)))
                    .code(), "create with a null bound");
                if (c.end.length > 0)
                {
                    lastCommand = "create with an inverted range " + c;
                    expect(ResultCode.INVALID, K28.run(cache, cache.createRegion(
                        new Region(nextId++, c.end, c.start.length == 0 ? new byte[] {0} : c.start, 1))).code(),
                        "create with an inverted range");
                }
                return;
            }
            lastCommand = "create " + h;
            final CommandResult r = K28.run(cache, cache.createRegion(h.region()));
            if (!enabled)
            {
                expect(ResultCode.SKIPPED, r.code(), "create while disabled " + r);
                return;
            }
            expect(ResultCode.OK, r.code(), "create " + r);
            cached.put(h.id, new Cached(h.id, h.start, h.end, h.epoch, ver, 0));
            count("create");
        }

        void split() throws Exception
        {
            final HostRegion h = likelyCached();
            final int hi = host.indexOf(h);
            final Cached c = cached.get(h.id);
            final List<byte[]> inside = new ArrayList<>();
            for (final byte[] k : keysIn(h.start, h.end))
            {
                if (cmp(k, h.start) > 0)
                {
                    inside.add(k);
                }
            }
            final int kind = rnd.nextInt(10);
            if (inside.isEmpty())
            {
                reads();
                return;
            }
            final TreeMap<byte[], Boolean> chosen = K28.arrayMap();
            final int n = 1 + rnd.nextInt(Math.min(3, inside.size()));
            while (chosen.size() < n)
            {
                chosen.put(inside.get(rnd.nextInt(inside.size())), true);
            }
            final byte[][] keys = chosen.keySet().toArray(new byte[0][]);
            final long[] ids = new long[n];
            for (int i = 0; i < n; i++)
            {
                ids[i] = nextId++;
            }
            long newEpoch = h.epoch + 1 + rnd.nextInt(2);
            ResultCode want = null;
            long epoch = h.epoch;
            String what = "split";
            if (kind == 0 && c != null && c.epoch == h.epoch)
            {
                // a split key outside the region (or its start)
                final List<byte[]> outside = new ArrayList<>();
                for (final byte[] k : universe)
                {
                    if (!inRange(k, c.start, c.end) || Arrays.equals(k, c.start))
                    {
                        outside.add(k);
                    }
                }
                if (!outside.isEmpty())
                {
                    chosen.put(outside.get(rnd.nextInt(outside.size())), true);
                    final byte[][] k2 = chosen.keySet().toArray(new byte[0][]);
                    final long[] ids2 = Arrays.copyOf(ids, k2.length);
                    ids2[k2.length - 1] = nextId++;
                    lastCommand = "split " + c + " with a key outside: " + Arrays.stream(k2).map(K28::hex).toList();
                    final CommandResult r = K28.run(cache, cache.split(h.id, epoch, k2, ids2, newEpoch));
                    expect(ResultCode.INVALID, r.code(), "split with a key outside " + r);
                    count("split bad key");
                    return;
                }
            }
            if (kind == 1 && c != null && c.epoch == h.epoch && cached.size() > 1)
            {
                // a new id in use by another cached region
                for (final Cached o : cached.values())
                {
                    if (o.id != c.id)
                    {
                        ids[rnd.nextInt(n)] = o.id;
                        what = "split reusing cached id " + o.id;
                        want = ResultCode.INVALID;
                        break;
                    }
                }
            }
            else if (kind == 2)
            {
                newEpoch = h.epoch - rnd.nextInt(2);
                what = "split to an epoch not above";
                want = ResultCode.INVALID;
            }
            else if (kind == 3 && n > 1)
            {
                final byte[] t = keys[0];
                keys[0] = keys[n - 1];
                keys[n - 1] = t;
                what = "split with unsorted keys";
                want = ResultCode.INVALID;
            }
            else if (kind == 4)
            {
                ids[0] = h.id;
                what = "split with the source's id as a new id";
                want = ResultCode.INVALID;
            }
            else if (kind == 5 && c != null && c.epoch > 0)
            {
                epoch = c.epoch - 1;
                what = "split at a stale epoch";
                want = ResultCode.STALE_EPOCH;
            }
            lastCommand = what + " " + h + " at " + Arrays.stream(keys).map(K28::hex).toList() + " ids " +
                Arrays.toString(ids) + " epoch " + epoch + "->" + newEpoch;
            final boolean withState = c != null && c.epoch == h.epoch && rnd.nextBoolean();
            // Javadoc: a different expected state is STATE_CONFLICT "and the split is decided on the state actually
            // found" (ACTIVE: split)
            final RegionState expectedState = rnd.nextInt(3) == 0 ? RegionState.PENDING : RegionState.ACTIVE;
            final boolean conflict = withState && want == null && expectedState != RegionState.ACTIVE;
            final CommandResult r = K28.run(cache, withState ?
                cache.split(h.id, epoch, keys, ids, newEpoch, expectedState) :
                cache.split(h.id, epoch, keys, ids, newEpoch));
            if (want != null)
            {
                expect(want, r.code(), what + " " + r);
                count(what);
                return;
            }
            if (c == null)
            {
                // README: "SKIPPED (... a split of a region being evicted ...)": an evicted record (of this id, any
                // incarnation) a held snapshot still pins is "being evicted"
                final boolean pinned = held.stream().anyMatch(x -> x.at.id == h.id);
                if (!(pinned && r.code() == ResultCode.SKIPPED))
                {
                    expect(ResultCode.NOT_CACHED, r.code(), "split of an uncached region (pinned by a held snapshot: " +
                        pinned + ") " + r);
                }
            }
            else if (c.epoch < h.epoch)
            {
                expect(ResultCode.EPOCH_DRIFT, r.code(), "split at a newer epoch " + r);
                evicted(c);
            }
            else
            {
                expect(conflict ? ResultCode.STATE_CONFLICT : ResultCode.OK, r.code(), "split (expected state " +
                    (withState ? expectedState : "-") + ") " + r);
                cached.remove(c.id);
                byte[] s = c.start;
                for (int i = 0; i <= n; i++)
                {
                    final long id = i < n ? ids[i] : c.id;
                    final byte[] e = i < n ? keys[i] : c.end;
                    cached.put(id, c.child(id, s, e, newEpoch));
                    if (i < n && ownSafePoint.containsKey(c.id))
                    {
                        ownSafePoint.put(id, ownSafePoint.get(c.id));
                    }
                    s = e;
                }
            }
            count("split " + r.code());
            // the host splits whatever the cache answered
            host.remove(hi);
            byte[] s = h.start;
            for (int i = 0; i <= n; i++)
            {
                final long id = i < n ? ids[i] : h.id;
                final byte[] e = i < n ? keys[i] : h.end;
                host.add(hi + i, new HostRegion(id, s, e, newEpoch));
                s = e;
            }
        }

        void merge() throws Exception
        {
            if (host.size() < 2)
            {
                reads();
                return;
            }
            final int i = rnd.nextInt(host.size() - 1);
            final HostRegion left = host.get(i);
            final HostRegion right = host.get(i + 1);
            final boolean leftIsSource = rnd.nextBoolean();
            final HostRegion source = leftIsSource ? left : right;
            final HostRegion target = leftIsSource ? right : left;
            lastCommand = "prepareMerge " + source + " into " + target;
            CommandResult r = K28.run(cache, cache.prepareMerge(source.id));
            expect(cached.remove(source.id) != null ? ResultCode.OK : ResultCode.NOT_CACHED, r.code(),
                "prepareMerge " + r);
            if (rnd.nextInt(4) == 0)
            {
                lastCommand = "rollbackMerge " + source;
                r = K28.run(cache, cache.rollbackMerge(source.id));
                expect(ResultCode.NOT_CACHED, r.code(), "rollbackMerge after prepare " + r);
                count("merge rolled back");
                return;
            }
            lastCommand = "commitMerge " + source + " into " + target;
            final boolean any = cached.remove(target.id) != null;
            r = K28.run(cache, cache.commitMerge(target.id, source.id));
            expect(any ? ResultCode.OK : ResultCode.NOT_CACHED, r.code(), "commitMerge " + r);
            host.remove(i + 1);
            host.set(i, new HostRegion(target.id, left.start, right.end, Math.max(left.epoch, right.epoch) + 1));
            count("merge");
        }

        void evictions() throws Exception
        {
            final int kind = rnd.nextInt(6);
            if (kind <= 2)
            {
                final HostRegion h = anyHost();
                lastCommand = "evict kind " + kind + " " + h;
                final CompletableFuture<CommandResult> f = kind == 0 ? cache.evict(h.id, EvictReason.MANUAL) :
                    kind == 1 ? cache.destroy(h.id) : cache.applySnapshot(h.id);
                final CommandResult r = K28.run(cache, f);
                expect(cached.remove(h.id) != null ? ResultCode.OK : ResultCode.NOT_CACHED, r.code(),
                    lastCommand + " " + r);
                count("evict");
                return;
            }
            if (rnd.nextInt(8) == 0)
            {
                lastCommand = "deleteRange / safe point with a negative version";
                expect(ResultCode.INVALID, K28.run(cache, cache.deleteRange(new byte[0], new byte[0], -1)).code(),
                    "deleteRange at a negative version");
                expect(ResultCode.INVALID, K28.run(cache, cache.advanceSafePoint(-1)).code(),
                    "negative global safe point");
                final HostRegion h = likelyCached();
                expect(ResultCode.INVALID, K28.run(cache, cache.advanceSafePoint(h.id, -5)).code(),
                    "negative region safe point");
                expect(ResultCode.INVALID, K28.run(cache, cache.split(h.id, h.epoch, new byte[][] {new byte[0]},
                    new long[] {nextId++}, h.epoch + 1)).code(), "split at an empty key");
                count("negative / empty refused");
                return;
            }
            // a range: delete-range (the store writes tombstones first), ingest or evictRange
            byte[] a = universe.get(rnd.nextInt(universe.size()));
            byte[] b = rnd.nextInt(5) == 0 ? new byte[0] : universe.get(rnd.nextInt(universe.size()));
            if (b.length > 0 && cmp(a, b) > 0)
            {
                final byte[] t = a;
                a = b;
                b = t;
            }
            if (b.length > 0 && cmp(a, b) == 0)
            {
                b = new byte[0];
            }
            boolean any = false;
            for (final Cached c : new ArrayList<>(cached.values()))
            {
                if (cmp(c.start, b.length == 0 ? c.start : b) < 0 || b.length == 0)
                {
                    if (c.end.length == 0 || cmp(a, c.end) < 0)
                    {
                        any = true;
                        cached.remove(c.id);
                    }
                }
            }
            final CommandResult r;
            if (kind == 3)
            {
                final long v = ++ver;
                lastCommand = "deleteRange [" + hex(a) + "," + hex(b) + ") v" + v;
                store.deleteRange(a, b, v);
                for (final Map.Entry<byte[], TreeMap<Long, byte[]>> e : truth.entrySet())
                {
                    if (inRange(e.getKey(), a, b) && e.getValue().lastEntry().getValue() != TOMB)
                    {
                        e.getValue().put(v, TOMB);
                    }
                }
                r = K28.run(cache, rnd.nextBoolean() ? cache.deleteRange(a, b, v) : cache.deleteRange(a, b));
            }
            else if (kind == 4)
            {
                lastCommand = "ingest [" + hex(a) + "," + hex(b) + ")";
                r = K28.run(cache, cache.ingest(a, b));
            }
            else
            {
                lastCommand = "evictRange [" + hex(a) + "," + hex(b) + ")";
                r = K28.run(cache, cache.evictRange(a, b, EvictReason.MANUAL));
            }
            expect(any ? ResultCode.OK : ResultCode.NOT_CACHED, r.code(), lastCommand + " " + r);
            count("range eviction");
        }

        void safePoint() throws Exception
        {
            if (rnd.nextBoolean())
            {
                final long sp = Math.max(0, Math.min(ver, globalSp + rnd.nextInt(6) - 2));
                lastCommand = "advanceSafePoint(" + sp + ")";
                final CommandResult r = K28.run(cache, cache.advanceSafePoint(sp));
                expect(ResultCode.OK, r.code(), "global safe point " + r);
                globalSp = Math.max(globalSp, sp);
                ownSafePoint.values().removeIf(x -> x <= globalSp);
                count("global safe point");
                return;
            }
            final HostRegion h = likelyCached();
            final long cur = safePointOf(h.id);
            final long sp = Math.max(0, Math.min(ver + 1, cur + rnd.nextInt(6) - 2));
            lastCommand = "advanceSafePoint(" + h.id + ", " + sp + ") current " + cur;
            final CommandResult r = K28.run(cache, cache.advanceSafePoint(h.id, sp));
            if (!cached.containsKey(h.id))
            {
                expect(ResultCode.NOT_CACHED, r.code(), "region safe point of an uncached region " + r);
            }
            else if (sp <= cur)
            {
                expect(ResultCode.SKIPPED, r.code(), "region safe point not above " + r);
            }
            else
            {
                expect(ResultCode.OK, r.code(), "region safe point " + r);
                ownSafePoint.put(h.id, sp);
            }
            count("region safe point " + r.code());
        }

        void compact() throws Exception
        {
            final HostRegion h = likelyCached();
            if (rnd.nextInt(4) == 0)
            {
                lastCommand = "setKeepCached " + h;
                final CommandResult k = K28.run(cache, cache.setKeepCached(h.id, rnd.nextBoolean()));
                expect(cached.containsKey(h.id) ? ResultCode.OK : ResultCode.NOT_CACHED, k.code(), "setKeepCached " + k);
                return;
            }
            lastCommand = "compact " + h;
            final CommandResult r = K28.run(cache, cache.compact(h.id));
            if (!cached.containsKey(h.id))
            {
                expect(ResultCode.NOT_CACHED, r.code(), "compact of an uncached region " + r);
            }
            else if (r.code() != ResultCode.SKIPPED)
            {
                expect(ResultCode.OK, r.code(), "compact " + r);
            }
            for (int i = 0; i < 4; i++)
            {
                cache.applyCycle();
            }
            count("compact " + r.code());
        }

        /** The host's region changes epoch and the cache is not told (a missed epoch change). */
        void drift()
        {
            final HostRegion h = anyHost();
            final Cached c = cached.get(h.id);
            if (c == null || c.epoch != h.epoch)
            {
                return;
            }
            lastCommand = "drift " + h;
            h.epoch++;
            count("drift");
        }

        // ------------------------------------------------------------ reads

        long readVersionFor(final long sp)
        {
            final int p = rnd.nextInt(10);
            if (p == 0)
            {
                return Math.max(1, sp - rnd.nextInt(3));
            }
            if (p == 1 && rnd.nextBoolean())
            {
                return Long.MAX_VALUE;
            }
            final long lo = Math.max(1, sp + 1);
            return lo + (long)rnd.nextInt((int)Math.max(1, ver + 3 - lo + 1));
        }

        TreeMap<byte[], Vis> visibleAt(final Cached c, final long e)
        {
            final TreeMap<byte[], Vis> out = K28.arrayMap();
            for (final Map.Entry<byte[], TreeMap<Long, byte[]>> en : truth.entrySet())
            {
                if (inRange(en.getKey(), c.start, c.end))
                {
                    final Map.Entry<Long, byte[]> v = K28.visible(en.getValue(), c.base, e);
                    if (v != null && v.getValue() != TOMB)
                    {
                        out.put(en.getKey(), new Vis(v.getKey(), v.getValue()));
                    }
                }
            }
            return out;
        }

        void reads() throws Exception
        {
            lastCommand = "reads";
            if (!cached.isEmpty() && rnd.nextInt(5) != 0)
            {
                final List<Cached> all = new ArrayList<>(cached.values());
                checkReads(all.get(rnd.nextInt(all.size())), false);
            }
            else
            {
                // any host region (cached or not), any epoch
                final HostRegion h = anyHost();
                final Cached c = cached.get(h.id);
                if (c != null)
                {
                    checkReads(c, false);
                    return;
                }
                final Snapshot s = cache.newSnapshot();
                expect(SnapshotStatus.NOT_CACHED, s.open(h.id, h.epoch, ver + 1), "open of an uncached " + h);
                expect(false, s.isOpen(), "handle open after NOT_CACHED");
                s.dispose();
            }
            if (!held.isEmpty())
            {
                checkHeld(held.get(rnd.nextInt(held.size())));
            }
        }

        SnapshotStatus expectedStatus(final Cached c, final long epoch, final long readVersion)
        {
            if (c == null || !enabled)
            {
                return SnapshotStatus.NOT_CACHED;
            }
            if (epoch != c.epoch)
            {
                return SnapshotStatus.EPOCH_MISMATCH;
            }
            if (readVersion <= safePointOf(c.id))
            {
                return SnapshotStatus.TOO_OLD_READ;
            }
            return SnapshotStatus.OK;
        }

        void checkReads(final Cached c, final boolean thorough) throws Exception
        {
            final long sp = safePointOf(c.id);
            final long v = readVersionFor(sp);
            final int ep = rnd.nextInt(12);
            final long epoch = ep == 0 && c.epoch > 0 ? c.epoch - 1 : ep == 1 ? c.epoch + 1 : c.epoch;
            lastCommand = "read " + c + " at v" + v + " epoch " + epoch + " sp " + sp;
            final Snapshot s = cache.newSnapshot();
            try
            {
                final SnapshotStatus st = s.open(c.id, epoch, v);
                expect(expectedStatus(c, epoch, v), st, "open status");
                if (st != SnapshotStatus.OK)
                {
                    expect(false, s.isOpen(), "handle open after " + st);
                    count("open " + st);
                    try (Snapshot conv = cache.snapshot(c.id, epoch, v))
                    {
                        throw fail("RegionCache.snapshot opened where Snapshot.open answered " + st);
                    }
                    catch (final io.regioncache.SnapshotUnavailableException expected)
                    {
                        expect(st, expected.status(), "SnapshotUnavailableException.status()");
                    }
                    return;
                }
                final long e = Math.min(v, c.applied);
                expect(e, s.readVersion(), "snapshot read version (min(requested, applied))");
                final Region rg = s.region();
                expect(c.id + "[" + hex(c.start) + "," + hex(c.end) + ")@" + c.epoch,
                    rg.id() + "[" + hex(rg.start()) + "," + hex(rg.end()) + ")@" + rg.epochVersion(), "region()");
                final TreeMap<byte[], Vis> want = visibleAt(c, e);
                checkSnapshot(s, c, want, thorough ? 3 : 1);
                count("open OK");
            }
            finally
            {
                s.dispose();
            }
        }

        void hold() throws Exception
        {
            if (cached.isEmpty() || held.size() >= 5)
            {
                reads();
                return;
            }
            final List<Cached> all = new ArrayList<>(cached.values());
            final Cached c = all.get(rnd.nextInt(all.size()));
            final long v = readVersionFor(safePointOf(c.id));
            lastCommand = "hold " + c + " at " + v;
            final Snapshot s = cache.newSnapshot();
            final SnapshotStatus st = s.open(c.id, c.epoch, v);
            expect(expectedStatus(c, c.epoch, v), st, "open status (held)");
            if (st != SnapshotStatus.OK)
            {
                s.dispose();
                return;
            }
            final Held h = new Held();
            h.snap = s;
            h.at = new Cached(c.id, c.start, c.end, c.epoch, c.base, c.applied);
            h.readVersion = Math.min(v, c.applied);
            h.expected = visibleAt(c, h.readVersion);
            h.view = s.asBytesMap();
            h.label = "held snapshot of " + h.at + " at " + v + " opened at step " + step;
            held.add(h);
            count("held");
        }

        void checkHeld(final Held h)
        {
            final String saved = lastCommand;
            lastCommand = saved + "; check " + h.label;
            expect(true, h.snap.isOpen(), "held snapshot still open");
            expect(h.readVersion, h.snap.readVersion(), "held snapshot's read version");
            checkSnapshot(h.snap, h.at, h.expected, 1);
            // the view taken at open still reads
            expect(h.expected.size(), h.view.size(), "held view size");
            lastCommand = saved;
        }

        void release(final Held h)
        {
            final SnapshotIterator it = h.snap.iterator();
            if (rnd.nextBoolean())
            {
                // README: a view of a snapshot re-opened, even at the same region and version, is refused
                final SnapshotStatus again = h.snap.open(h.at.id, h.at.epoch, h.readVersion);
                if (again == SnapshotStatus.OK)
                {
                    try
                    {
                        h.view.size();
                        throw fail("a view of a re-opened snapshot read");
                    }
                    catch (final IllegalStateException expected)
                    {
                        // README
                    }
                }
            }
            h.snap.close();
            held.remove(h);
            try
            {
                h.view.get(Bytes.of(new byte[] {1}));
                throw fail("a view of a closed snapshot read");
            }
            catch (final IllegalStateException expected)
            {
                // README: refused
            }
            try
            {
                it.seekToFirst();
                throw fail("an iterator of a closed snapshot moved");
            }
            catch (final IllegalStateException expected)
            {
                // Javadoc: refused
            }
            h.snap.dispose();
            // the record it pinned (evicted meanwhile) is reclaimed at the next duty cycle: until then a split of
            // its id answers SKIPPED "being evicted", as the README allows; an engine on its own thread runs that
            // cycle within a millisecond
            cache.applyCycle();
        }

        // ------------------------------------------------------------ one open snapshot against its expected map

        void checkSnapshot(final Snapshot s, final Cached c, final TreeMap<byte[], Vis> want, final int rounds)
        {
            final List<byte[]> inRegion = keysIn(c.start, c.end);
            final List<byte[]> outside = new ArrayList<>();
            for (final byte[] k : universe)
            {
                if (!inRange(k, c.start, c.end))
                {
                    outside.add(k);
                }
            }
            for (int round = 0; round < rounds; round++)
            {
                checkGets(s, want, inRegion, outside);
                if (!inRegion.isEmpty())
                {
                    checkMultiGet(s, want, inRegion, outside);
                }
                checkIterator(s, c, want, inRegion, outside);
                checkMaps(s, c, want);
            }
        }

        void checkGets(final Snapshot s, final TreeMap<byte[], Vis> want, final List<byte[]> in,
            final List<byte[]> outside)
        {
            final UnsafeBuffer key = new UnsafeBuffer(new byte[16]);
            for (final byte[] k : in)
            {
                final Vis v = want.get(k);
                final byte[] got = s.get(k);
                if (v == null ? got != null : !Arrays.equals(v.value(), got))
                {
                    throw fail("get(" + hex(k) + "): expected " + (v == null ? "absent" : hex(v.value())) +
                        " got " + hex(got));
                }
                // zero copy
                final UnsafeBuffer kv = new UnsafeBuffer(k);
                final UnsafeBuffer view = new UnsafeBuffer(new byte[1]);
                final boolean found = s.getView(kv, 0, k.length, view);
                expect(v != null, found, "getView(" + hex(k) + ") found");
                if (found)
                {
                    final byte[] out = new byte[view.capacity()];
                    view.getBytes(0, out);
                    if (!Arrays.equals(v.value(), out))
                    {
                        throw fail("getView(" + hex(k) + "): bytes differ");
                    }
                }
                // through buffers, sometimes into too small a destination
                key.putBytes(3, k);
                final int cap = rnd.nextInt(3) == 0 ? rnd.nextInt(64) : 400;
                final UnsafeBuffer dst = rnd.nextBoolean() ?
                    new UnsafeBuffer(new byte[cap + 2]) : new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(cap + 2));
                final int len = s.get(key, 3, k.length, dst, 2);
                if (v == null)
                {
                    expect(-1, len, "get(" + hex(k) + ") into a buffer of an absent key");
                }
                else if (v.value().length <= cap)
                {
                    expect(v.value().length, len, "get(" + hex(k) + ") length");
                    final byte[] out = new byte[len];
                    dst.getBytes(2, out);
                    if (!Arrays.equals(v.value(), out))
                    {
                        throw fail("get(" + hex(k) + ") into a buffer: bytes differ");
                    }
                }
                else
                {
                    expect(-2 - v.value().length, len, "get(" + hex(k) + ") into a buffer too small (" + cap + ")");
                }
            }
            if (!outside.isEmpty())
            {
                final byte[] k = outside.get(rnd.nextInt(outside.size()));
                try
                {
                    s.get(k);
                    throw fail("get of a key outside the region " + hex(k) + " did not throw");
                }
                catch (final IllegalArgumentException expected)
                {
                    // Javadoc
                }
            }
        }

        void checkMultiGet(final Snapshot s, final TreeMap<byte[], Vis> want, final List<byte[]> in,
            final List<byte[]> outside)
        {
            final int count = rnd.nextInt(40);
            final byte[][] ks = new byte[count][];
            final UnsafeBuffer keys = new UnsafeBuffer(new byte[count * K28.MAX_KEY + 8]);
            final int[] offs = new int[count + rnd.nextInt(3)];
            final int[] lens = new int[offs.length];
            int pos = 1;
            for (int i = 0; i < count; i++)
            {
                ks[i] = i > 0 && rnd.nextInt(5) == 0 ? ks[rnd.nextInt(i)] : in.get(rnd.nextInt(in.size()));
                keys.putBytes(pos, ks[i]);
                offs[i] = pos;
                lens[i] = ks[i].length;
                pos += ks[i].length;
            }
            final int cap = rnd.nextInt(3) == 0 ? rnd.nextInt(300) : 20_000;
            final int dstOffset = rnd.nextInt(4);
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[cap + dstOffset + 1]);
            final int[] vo = new int[offs.length];
            final int[] vl = new int[offs.length];
            final int end = s.multiGet(keys, offs, lens, count, dst, dstOffset, vo, vl);
            int at = dstOffset;
            for (int i = 0; i < count; i++)
            {
                final Vis v = want.get(ks[i]);
                if (v == null)
                {
                    expect(-1, vl[i], "multiGet key " + i + " " + hex(ks[i]) + " absent");
                    continue;
                }
                final int len = v.value().length;
                if (at + len <= dst.capacity())
                {
                    expect(len, vl[i], "multiGet key " + i + " " + hex(ks[i]) + " length (cap " + cap + ")");
                    expect(at, vo[i], "multiGet key " + i + " offset");
                    final byte[] out = new byte[len];
                    dst.getBytes(at, out);
                    if (!Arrays.equals(v.value(), out))
                    {
                        throw fail("multiGet key " + i + " " + hex(ks[i]) + ": bytes differ");
                    }
                    at += len;
                }
                else
                {
                    expect(-2 - len, vl[i], "multiGet key " + i + " " + hex(ks[i]) + " did not fit (cap " + cap +
                        ", at " + at + ")");
                }
            }
            expect(at, end, "multiGet end offset");
            if (!outside.isEmpty() && count > 0 && rnd.nextInt(4) == 0)
            {
                final byte[] bad = outside.get(rnd.nextInt(outside.size()));
                final int i = rnd.nextInt(count);
                final UnsafeBuffer k2 = new UnsafeBuffer(new byte[pos + bad.length]);
                k2.putBytes(0, keys, 0, pos);
                k2.putBytes(pos, bad);
                offs[i] = pos;
                lens[i] = bad.length;
                Arrays.fill(vl, 12345);
                try
                {
                    s.multiGet(k2, offs, lens, count, dst, dstOffset, vo, vl);
                    throw fail("multiGet with a key outside the region " + hex(bad) + " did not throw");
                }
                catch (final IllegalArgumentException expected)
                {
                    for (int j = 0; j < count; j++)
                    {
                        expect(12345, vl[j], "multiGet refused but wrote an answer for key " + j);
                    }
                }
            }
        }

        byte[] boundIn(final Cached c, final List<byte[]> in, final boolean upper)
        {
            if (rnd.nextInt(4) == 0)
            {
                return null;
            }
            if (upper && c.end.length == 0 && rnd.nextInt(4) == 0)
            {
                return new byte[0];
            }
            if (in.isEmpty())
            {
                return null;
            }
            final byte[] k = in.get(rnd.nextInt(in.size()));
            // sometimes a key between keys, longer than maxKeyLength
            if (rnd.nextInt(5) == 0)
            {
                final byte[] longer = Arrays.copyOf(k, K28.MAX_KEY + 3);
                longer[longer.length - 1] = 1;
                return inRange(longer, c.start, c.end) ? longer : k;
            }
            return k;
        }

        void checkIterator(final Snapshot s, final Cached c, final TreeMap<byte[], Vis> want, final List<byte[]> in,
            final List<byte[]> outside)
        {
            byte[] lo = boundIn(c, in, false);
            byte[] hi = boundIn(c, in, true);
            if (lo != null && hi != null && hi.length > 0 && cmp(lo, hi) >= 0)
            {
                final byte[] t = lo;
                lo = hi;
                hi = t;
                if (cmp(lo, hi) == 0)
                {
                    hi = null;
                }
            }
            final byte[] loEff = lo == null ? c.start : lo;
            final byte[] hiEff = hi == null ? c.end : hi;
            final NavigableMap<byte[], Vis> sub = hiEff.length == 0 ? want.tailMap(loEff, true) :
                cmp(loEff, hiEff) >= 0 ? K28.arrayMap() : want.subMap(loEff, true, hiEff, false);
            final String label = "iterator [" + hex(lo) + "," + hex(hi) + ")";
            final SnapshotIterator it = s.iterator(lo, hi);
            // forward
            final List<byte[]> fwd = new ArrayList<>();
            for (boolean ok = it.seekToFirst(); ok; ok = it.next())
            {
                fwd.add(it.key());
                final Vis v = want.get(it.key());
                if (v == null || !Arrays.equals(v.value(), it.value()) || v.version() != it.version())
                {
                    throw fail(label + " at " + hex(it.key()) + ": expected " + v + " got value " + hex(it.value()) +
                        " version " + it.version());
                }
                expect(it.value().length, it.valueLength(), label + " valueLength");
            }
            expect(keysHex(sub.keySet()), keysHex(fwd), label + " forward keys");
            // backward
            final List<byte[]> back = new ArrayList<>();
            for (boolean ok = it.seekToLast(); ok; ok = it.prev())
            {
                back.add(it.key());
            }
            expect(keysHex(sub.descendingKeySet()), keysHex(back), label + " reverse keys");
            // random seeks inside the region, then a few steps
            for (int i = 0; i < 4 && !in.isEmpty(); i++)
            {
                final byte[] k = in.get(rnd.nextInt(in.size()));
                final boolean forPrev = rnd.nextBoolean();
                final boolean ok = forPrev ? it.seekForPrev(k) : it.seek(k);
                byte[] exp = forPrev ? sub.floorKey(k) : sub.ceilingKey(k);
                expect(hex(exp), ok ? hex(it.key()) : "null", label + (forPrev ? " seekForPrev(" : " seek(") +
                    hex(k) + ")");
                for (int j = 0; j < 3 && exp != null; j++)
                {
                    final boolean next = rnd.nextBoolean();
                    final boolean moved = next ? it.next() : it.prev();
                    exp = next ? sub.higherKey(exp) : sub.lowerKey(exp);
                    expect(hex(exp), moved ? hex(it.key()) : "null", label + (next ? " next" : " prev"));
                }
            }
            // a refused iterator(...) leaves the one handed out before as it was
            final byte[] bad = outside.isEmpty() ? null : outside.get(rnd.nextInt(outside.size()));
            if (bad != null && !Arrays.equals(bad, c.end) && it.seekToFirst())
            {
                final byte[] first = it.key();
                try
                {
                    final boolean asLower = rnd.nextBoolean();
                    s.iterator(asLower ? bad : null, asLower ? null : bad);
                    throw fail("iterator with a bound outside the region " + hex(bad) + " was not refused");
                }
                catch (final IllegalArgumentException expected)
                {
                    expect(hex(first), hex(it.key()), "iterator after a refused iterator(...)");
                    expect(hex(sub.higherKey(first)), it.next() ? hex(it.key()) : "null",
                        "iterator next after a refused iterator(...)");
                }
                try
                {
                    it.seek(bad);
                    throw fail("seek outside the region " + hex(bad) + " did not throw");
                }
                catch (final IllegalArgumentException expected)
                {
                    // Javadoc
                }
            }
        }

        static List<String> keysHex(final Iterable<byte[]> keys)
        {
            final List<String> out = new ArrayList<>();
            for (final byte[] k : keys)
            {
                out.add(hex(k));
            }
            return out;
        }

        void checkMaps(final Snapshot s, final Cached c, final TreeMap<byte[], Vis> want)
        {
            final TreeMap<Bytes, Bytes> model = new TreeMap<>();
            for (final Map.Entry<byte[], Vis> e : want.entrySet())
            {
                model.put(Bytes.of(e.getKey()), Bytes.of(e.getValue().value()));
            }
            final NavigableMap<Bytes, Bytes> view = s.asBytesMap();
            expect(model.size(), view.size(), "asBytesMap size");
            expect(model, view, "asBytesMap equals");
            expect(model.isEmpty(), view.isEmpty(), "asBytesMap isEmpty");
            if (!model.isEmpty())
            {
                expect(model.firstKey(), view.firstKey(), "firstKey");
                expect(model.lastKey(), view.lastKey(), "lastKey");
            }
            else
            {
                try
                {
                    view.firstKey();
                    throw fail("firstKey of an empty view did not throw");
                }
                catch (final NoSuchElementException expected)
                {
                    // Map contract
                }
            }
            for (int i = 0; i < 6; i++)
            {
                final Bytes k = Bytes.of(universe.get(rnd.nextInt(universe.size())));
                final boolean inside = inRange(k.toByteArray(), c.start, c.end);
                if (inside)
                {
                    expect(model.get(k), view.get(k), "view.get(" + k + ")");
                    expect(model.containsKey(k), view.containsKey(k), "view.containsKey(" + k + ")");
                }
                expect(model.ceilingKey(k), view.ceilingKey(k), "ceilingKey(" + k + ")");
                expect(model.floorKey(k), view.floorKey(k), "floorKey(" + k + ")");
                expect(model.higherKey(k), view.higherKey(k), "higherKey(" + k + ")");
                expect(model.lowerKey(k), view.lowerKey(k), "lowerKey(" + k + ")");
            }
            // sub, head, tail and descending views
            Bytes a = Bytes.of(universe.get(rnd.nextInt(universe.size())));
            Bytes b = Bytes.of(universe.get(rnd.nextInt(universe.size())));
            if (a.compareTo(b) > 0)
            {
                final Bytes t = a;
                a = b;
                b = t;
            }
            final boolean ai = rnd.nextBoolean();
            final boolean bi = rnd.nextBoolean();
            expect(new ArrayList<>(model.subMap(a, ai, b, bi).entrySet()),
                new ArrayList<>(view.subMap(a, ai, b, bi).entrySet()), "subMap(" + a + "," + ai + "," + b + "," + bi + ")");
            expect(new ArrayList<>(model.headMap(b, bi).descendingMap().keySet()),
                new ArrayList<>(view.headMap(b, bi).descendingMap().keySet()), "headMap(" + b + ").descending");
            expect(new ArrayList<>(model.tailMap(a, ai).values()), new ArrayList<>(view.tailMap(a, ai).values()),
                "tailMap(" + a + ").values");
            expect(new ArrayList<>(model.descendingMap().keySet()), new ArrayList<>(view.descendingMap().keySet()),
                "descendingMap");
            // the byte[] view
            final NavigableMap<byte[], byte[]> arrays = s.asNavigableMap();
            final List<String> got = new ArrayList<>();
            for (final Map.Entry<byte[], byte[]> e : arrays.entrySet())
            {
                got.add(hex(e.getKey()) + "=" + hex(e.getValue()));
            }
            final List<String> exp = new ArrayList<>();
            for (final Map.Entry<byte[], Vis> e : want.entrySet())
            {
                exp.add(hex(e.getKey()) + "=" + hex(e.getValue().value()));
            }
            expect(exp, got, "asNavigableMap entries");
            final Iterator<byte[]> d = arrays.descendingKeySet().iterator();
            if (!want.isEmpty())
            {
                expect(hex(want.lastKey()), hex(d.next()), "asNavigableMap descending first");
            }
            try
            {
                arrays.put(new byte[] {1}, new byte[] {1});
                throw fail("asNavigableMap put did not throw");
            }
            catch (final UnsupportedOperationException expected)
            {
                // README
            }
        }

        /** Diagnostics: a split of every uncached, unpinned host region answers NOT_CACHED. */
        void probeSplits() throws Exception
        {
            for (final HostRegion h : host)
            {
                if (cached.containsKey(h.id) || held.stream().anyMatch(x -> x.at.id == h.id))
                {
                    continue;
                }
                byte[] key = null;
                for (final byte[] k : keysIn(h.start, h.end))
                {
                    if (cmp(k, h.start) > 0)
                    {
                        key = k;
                    }
                }
                if (key == null)
                {
                    continue;
                }
                final CommandResult r = K28.run(cache, cache.split(h.id, h.epoch, new byte[][] {key},
                    new long[] {999_999}, h.epoch + 1));
                expect(ResultCode.NOT_CACHED, r.code(), "probe split of uncached " + h + " " + r);
            }
        }

        // ------------------------------------------------------------ the region map

        void checkRegionMap()
        {
            final Map<Long, RegionInfo> live = new HashMap<>();
            for (final RegionInfo info : cache.regions())
            {
                if (info.state() == RegionState.ACTIVE || info.state() == RegionState.PENDING ||
                    info.state() == RegionState.LOADING)
                {
                    live.put(info.region().id(), info);
                }
            }
            if (!live.keySet().equals(cached.keySet()))
            {
                throw fail("cached ids " + live.keySet() + " but the model holds " + cached.keySet());
            }
            for (final Cached c : cached.values())
            {
                final RegionInfo info = live.get(c.id);
                expect(RegionState.ACTIVE, info.state(), "state of " + c);
                final Region r = info.region();
                if (!Arrays.equals(r.start(), c.start) || !Arrays.equals(r.end(), c.end) || r.epochVersion() != c.epoch)
                {
                    throw fail("region " + c.id + " is " + r + ", model " + c);
                }
                expect(RegionState.ACTIVE, cache.stateOf(c.id), "stateOf " + c.id);
                expect(c.applied, info.appliedVersion(), "appliedVersion of " + c);
                expect(safePointOf(c.id), info.safePoint(), "safePoint of " + c);
                if (c.start.length > 0)
                {
                    final Region routed = cache.regionFor(c.start);
                    expect(c.id, routed == null ? null : routed.id(), "regionFor(" + hex(c.start) + ")");
                }
            }
        }
    }
}
