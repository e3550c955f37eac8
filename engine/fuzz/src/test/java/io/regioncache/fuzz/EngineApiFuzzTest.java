package io.regioncache.fuzz;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import org.agrona.concurrent.UnsafeBuffer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionInfo;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.StoreCursor;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/**
 * The engine's public API driven by fuzz bytes (README "The engine alone", "One rule for bad input", "Reliability"):
 * a small {@link RegionCache} ({@code Threading.INVOKER}, a 64 KiB to 1 MiB budget, keys up to 16 bytes, values up to
 * 64) over an {@link InMemoryBackingStore}, on which a sequence decoded from the bytes runs: creates and loads of
 * fuzzed ranges, write batches of fuzzed keys, values and versions (also empty, over the limits, going backwards),
 * splits at fuzzed keys with fuzzed ids and epochs, prepare / commit / rollback merges, evictions by id and range,
 * versioned range deletes, safe points, compactions, keep-cached and enable flags, loads held in the host's executor
 * and run later, bursts of commands queued without a cycle, and snapshots opened at fuzzed regions, epochs and
 * versions, read with {@code get}, {@code multiGet}, iterators (both directions, fuzzed bounds) and the map view's
 * sub-maps.
 * <p>
 * It proves: every command's future completes (within a bounded number of apply cycles) with a result code other
 * than {@code INTERNAL_ERROR}; the synchronous calls throw only what their Javadoc says ({@code WriteBatch}:
 * {@code NullPointerException} / {@code IllegalArgumentException}; reads: {@code IllegalArgumentException} for a key
 * or bound outside the region); every read of an open snapshot equals the backing store read at the snapshot's
 * read version (the host writes the store with exactly the batches and range deletes the cache acknowledged, creates
 * only over ranges the store never held, and loads otherwise: so the store is the model); {@code apply.errors} stays
 * 0; and after {@code close()} the memory in use is 0.
 */
class EngineApiFuzzTest
{
    private static final int MAX_KEY = 16;
    private static final int MAX_VALUE = 64;
    private static final int MAX_OPS = 24;
    private static final int MAX_CYCLES = 2_000;

    /** What a synchronous read may throw (documented on {@code Snapshot} and {@code SnapshotIterator}). */
    static final List<Class<? extends RuntimeException>> READ_THROWS = List.of(IllegalArgumentException.class);
    /** What building a {@code WriteBatch} may throw. */
    static final List<Class<? extends RuntimeException>> BATCH_THROWS =
        List.of(NullPointerException.class, IllegalArgumentException.class);

    @FuzzTest(maxDuration = "5m")
    void engineApi(final FuzzedDataProvider data)
    {
        new Run(data).run();
    }

    /** One fuzz input's run: the engine, the store it loads from, and the host's bookkeeping. */
    private static final class Run
    {
        private final FuzzedDataProvider data;
        private final byte[] input;
        private final InMemoryBackingStore store = new InMemoryBackingStore();
        /** Every key the store ever held (a create over one of them would break the host's contract). */
        private final TreeSet<byte[]> storedKeys = new TreeSet<>(Arrays::compareUnsigned);
        private final ArrayDeque<Runnable> loads = new ArrayDeque<>();
        private final RegionCache cache;
        private final Snapshot snapshot;
        private final Snapshot held;
        private final StringBuilder trace = new StringBuilder();
        private long version;

        Run(final FuzzedDataProvider data)
        {
            this.data = data;
            this.input = new byte[0];
            cache = RegionCache.create(RegionCacheConfig.builder()
                .threading(RegionCacheConfig.Threading.INVOKER)
                .segmentSize(4096)
                .capacityBytes(data.consumeBoolean() ? 64 << 10 : 1 << 20)
                .maxKeyLength(MAX_KEY)
                .maxValueLength(MAX_VALUE)
                .commandQueueCapacity(16)
                .backingStore(store)
                .loaderExecutor(loads::add)
                .gcExecutor(Runnable::run)
                .policyIntervalMillis(3_600_000)
                .closeTimeoutMillis(1_000)
                .build());
            snapshot = cache.newSnapshot();
            held = cache.newSnapshot();
        }

        void run()
        {
            try
            {
                final int steps = data.consumeInt(1, 80);
                for (int i = 0; i < steps && data.remainingBytes() > 0; i++)
                {
                    step();
                }
            }
            finally
            {
                snapshot.close();
                held.close();
                cache.close();
            }
            check(cache.metrics().get("apply.errors") == 0, "apply.errors = " + cache.metrics().get("apply.errors"));
            check(cache.memoryInUse() == 0, cache.memoryInUse() + " bytes in use after close");
        }

        private void step()
        {
            final int op = data.consumeInt(0, 17);
            switch (op)
            {
                case 0, 1 -> createOrLoad();
                case 2, 3, 4 -> write();
                case 5 -> split();
                case 6 -> idCommand("prepareMerge", regionId(), cache::prepareMerge);
                case 7 ->
                {
                    final long target = regionId();
                    final long source = regionId();
                    answer("commitMerge(" + target + ", " + source + ")", cache.commitMerge(target, source));
                }
                case 8 -> idCommand("rollbackMerge", regionId(), cache::rollbackMerge);
                case 9 ->
                {
                    final long id = regionId();
                    final EvictReason reason = data.pickValue(EvictReason.values());
                    answer("evict(" + id + ", " + reason + ")", cache.evict(id, reason));
                }
                case 10 ->
                {
                    final byte[] start = key();
                    final byte[] end = key();
                    answer("evictRange(" + hex(start) + ", " + hex(end) + ")", cache.evictRange(start, end,
                        data.pickValue(EvictReason.values())));
                }
                case 11 ->
                {
                    final boolean global = data.consumeBoolean();
                    final long id = global ? -1 : regionId();
                    final long sp = nearVersion();
                    answer("advanceSafePoint(" + id + ", " + sp + ")", global ? cache.advanceSafePoint(sp) :
                        cache.advanceSafePoint(id, sp));
                }
                case 12 -> idCommand("compact", regionId(), cache::compact);
                case 13 ->
                {
                    final boolean keep = data.consumeBoolean();
                    final long id = keep ? regionId() : -1;
                    final boolean flag = keep ? data.consumeBoolean() : data.consumeInt(0, 3) != 0;
                    answer((keep ? "setKeepCached(" + id + ", " : "setEnabled(") + flag + ")",
                        keep ? cache.setKeepCached(id, flag) : cache.setEnabled(flag));
                }
                case 14 -> runLoads(data.consumeInt(0, 3));
                case 15, 16 -> read();
                default -> deleteRange();
            }
        }

        // ---- commands -------------------------------------------------------------------------------------------

        private void createOrLoad()
        {
            final Region r = region();
            final boolean create = data.consumeBoolean();
            // A region created is empty: the host creates one only where its store holds nothing (or the cache will
            // refuse the description anyway), and loads it otherwise.
            if (create && (r.validate() != null || noStoredKeyIn(r)))
            {
                answer("createRegion " + r, cache.createRegion(r));
            }
            else if (data.consumeBoolean())
            {
                answer("loadRegion " + r, cache.loadRegion(r));
            }
            else
            {
                answer("loadRegionKeepCached " + r, cache.loadRegionKeepCached(r));
            }
        }

        private void write()
        {
            final RegionInfo target = pickRegion();
            final long id = target != null && data.consumeInt(0, 7) != 0 ? target.region().id() : data.consumeLong();
            final long epoch = target != null && data.consumeInt(0, 7) != 0 ? target.region().epochVersion() :
                data.consumeLong();
            final long v = data.consumeInt(0, 7) != 0 ? ++version + data.consumeInt(0, 2) : data.consumeLong();
            version = Math.max(version, v);
            final WriteBatch batch;
            try
            {
                batch = new WriteBatch(id, epoch, v, data.consumeInt(-1, 200));
            }
            catch (final IllegalArgumentException ex)
            {
                return;
            }
            final int n = data.consumeInt(0, MAX_OPS);
            for (int i = 0; i < n; i++)
            {
                final byte[] key = data.consumeInt(0, 15) == 0 ? null : key();
                final int kind = data.consumeInt(0, 3);
                Outcomes.expectOnly(() ->
                {
                    if (kind == 0)
                    {
                        return batch.delete(key);
                    }
                    if (kind == 1)
                    {
                        // Slices with fuzzed offsets and lengths: refused with IllegalArgumentException when outside.
                        final byte[] value = value();
                        return batch.put(new UnsafeBuffer(key == null ? new byte[0] : key), data.consumeInt(-2, 4),
                            data.consumeInt(-2, MAX_KEY + 2), new UnsafeBuffer(value), data.consumeInt(-2, 4),
                            data.consumeInt(-2, MAX_VALUE + 2));
                    }
                    return batch.put(key, data.consumeInt(0, 15) == 0 ? null : value());
                }, BATCH_THROWS, "WriteBatch op", input);
            }
            final CommandResult r = answer("write " + batch, cache.write(batch));
            if (r.code() == ResultCode.OK)
            {
                // The host's store holds what the cache acknowledged (one thread: no load runs in between).
                store.applyBatch(batch);
                batch.forEach((o, key, keyLength, value, valueLength) ->
                {
                    final byte[] k = new byte[keyLength];
                    key.getBytes(0, k);
                    storedKeys.add(k);
                    return 0;
                });
            }
        }

        private void deleteRange()
        {
            final byte[] start = key();
            final byte[] end = key();
            final long v = data.consumeInt(0, 7) != 0 ? ++version : data.consumeLong();
            version = Math.max(version, v);
            final CommandResult r = answer("deleteRange(" + hex(start) + ", " + hex(end) + ", " + v + ")",
                cache.deleteRange(start, end, v));
            if (r.code() == ResultCode.OK)
            {
                store.deleteRange(start, end, v);
            }
        }

        private void split()
        {
            final RegionInfo target = pickRegion();
            final long id = target != null && data.consumeInt(0, 7) != 0 ? target.region().id() : regionId();
            final long epoch = target != null && data.consumeInt(0, 7) != 0 ? target.region().epochVersion() :
                data.consumeLong(0, 6);
            final int n = data.consumeInt(0, 4);
            final byte[][] keys = new byte[n][];
            for (int i = 0; i < n; i++)
            {
                keys[i] = data.consumeInt(0, 31) == 0 ? null : key();
            }
            if (data.consumeBoolean())
            {
                Arrays.sort(keys, (a, b) -> a == null || b == null ? 0 : Arrays.compareUnsigned(a, b));
            }
            final long[] ids = new long[data.consumeInt(0, 7) != 0 ? n : data.consumeInt(0, 5)];
            for (int i = 0; i < ids.length; i++)
            {
                ids[i] = regionId();
            }
            final long newEpoch = epoch + data.consumeInt(-1, 2);
            answer("split(" + id + ", " + epoch + ", " + Arrays.stream(keys).map(Run::hex).toList() + ", " +
                Arrays.toString(ids) + ", " + newEpoch + ")", cache.split(id, epoch, keys, ids, newEpoch));
        }

        private void runLoads(final int count)
        {
            for (int i = 0; i < count && !loads.isEmpty(); i++)
            {
                trace.append("run a held load\n");
                loads.poll().run();
            }
            cycles(4);
        }

        private void idCommand(final String what, final long id,
            final java.util.function.LongFunction<CompletableFuture<CommandResult>> command)
        {
            answer(what + "(" + id + ")", command.apply(id));
        }

        // ---- reads ----------------------------------------------------------------------------------------------

        private void read()
        {
            final RegionInfo target = pickRegion();
            final long id = target != null && data.consumeInt(0, 7) != 0 ? target.region().id() : regionId();
            final long epoch = target != null && data.consumeInt(0, 7) != 0 ? target.region().epochVersion() :
                data.consumeLong(0, 6);
            final long rv = data.consumeInt(0, 3) != 0 ? version - data.consumeInt(0, 4) : data.consumeLong();
            final Snapshot s = data.consumeInt(0, 5) == 0 ? held : snapshot;
            if (s.isOpen())
            {
                s.close();
            }
            final SnapshotStatus status = s.open(id, epoch, rv);
            check(status != null, "open returned null");
            trace.append("open(").append(id).append(", ").append(epoch).append(", ").append(rv).append(") -> ")
                .append(status).append(s == held ? " (held)\n" : "\n");
            if (status != SnapshotStatus.OK)
            {
                return;
            }
            final Region region = s.region();
            final NavigableMap<byte[], byte[]> expected = storeAt(region, s.readVersion());
            final int reads = data.consumeInt(1, 6);
            for (int i = 0; i < reads; i++)
            {
                switch (data.consumeInt(0, 4))
                {
                    case 0 -> get(s, region, expected);
                    case 1 -> multiGet(s, region, expected);
                    case 2 -> scan(s, region, expected);
                    case 3 -> mapView(s, expected);
                    default -> cycles(1);
                }
            }
            if (s == snapshot || data.consumeBoolean())
            {
                s.close();
            }
        }

        private void get(final Snapshot s, final Region region, final NavigableMap<byte[], byte[]> expected)
        {
            final byte[] key = key();
            final Outcomes.Outcome<byte[]> got = Outcomes.expectOnly(() -> s.get(key), READ_THROWS, "Snapshot.get",
                input);
            if (!got.returned())
            {
                check(!region.contains(key) || key.length == 0 || key.length > MAX_KEY,
                    "get refused a key inside the region: " + hex(key) + " " + got.refusal());
                return;
            }
            check(region.contains(key), "get answered a key outside the region " + region + ": " + hex(key));
            checkValue(expected.get(key), got.value(), "get " + hex(key) + " in " + region + " at " + s.readVersion());
        }

        private void multiGet(final Snapshot s, final Region region, final NavigableMap<byte[], byte[]> expected)
        {
            final int count = data.consumeInt(0, 20);
            final byte[][] keys = new byte[count][];
            final UnsafeBuffer packed = new UnsafeBuffer(new byte[count * MAX_KEY + 8]);
            final int[] offsets = new int[count];
            final int[] lengths = new int[count];
            int at = 0;
            for (int i = 0; i < count; i++)
            {
                keys[i] = key();
                if (keys[i].length > MAX_KEY)
                {
                    keys[i] = Arrays.copyOf(keys[i], MAX_KEY);
                }
                packed.putBytes(at, keys[i]);
                offsets[i] = at;
                lengths[i] = keys[i].length;
                at += keys[i].length;
            }
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[data.consumeInt(0, count * MAX_VALUE + 1)]);
            final int[] valueOffsets = new int[count];
            final int[] valueLengths = new int[count];
            final Outcomes.Outcome<Integer> got = Outcomes.expectOnly(
                () -> s.multiGet(packed, offsets, lengths, count, dst, 0, valueOffsets, valueLengths), READ_THROWS,
                "Snapshot.multiGet", input);
            boolean allInside = true;
            for (final byte[] k : keys)
            {
                allInside &= region.contains(k) && k.length > 0;
            }
            if (!got.returned())
            {
                check(!allInside, "multiGet refused keys all inside the region: " + got.refusal());
                return;
            }
            for (int i = 0; i < count; i++)
            {
                final byte[] want = expected.get(keys[i]);
                if (valueLengths[i] < -1)
                {
                    check(want != null && -2 - valueLengths[i] == want.length, "multiGet said " + valueLengths[i] +
                        " (no room) for " + hex(keys[i]) + ", the store holds " + hex(want));
                    continue;
                }
                final byte[] value = valueLengths[i] < 0 ? null :
                    Arrays.copyOfRange(dst.byteArray(), valueOffsets[i], valueOffsets[i] + valueLengths[i]);
                checkValue(want, value, "multiGet " + hex(keys[i]) + " in " + region + " at " + s.readVersion());
            }
        }

        private void scan(final Snapshot s, final Region region, final NavigableMap<byte[], byte[]> expected)
        {
            final byte[] lower = data.consumeBoolean() ? null : key();
            final byte[] upper = data.consumeBoolean() ? null : key();
            final Outcomes.Outcome<SnapshotIterator> opened = Outcomes.expectOnly(() -> s.iterator(lower, upper),
                READ_THROWS, "Snapshot.iterator", input);
            if (!opened.returned())
            {
                return;
            }
            final SnapshotIterator it = opened.value();
            final byte[] from = lower == null ? region.start() : lower;
            final NavigableMap<byte[], byte[]> want = upper == null || upper.length == 0 ?
                expected.tailMap(from, true) : Arrays.compareUnsigned(from, upper) >= 0 ? new TreeMap<>() :
                expected.subMap(from, true, upper, false);
            final boolean forward = data.consumeBoolean();
            final List<byte[]> got = new ArrayList<>();
            for (boolean ok = forward ? it.seekToFirst() : it.seekToLast(); ok && got.size() < 64;
                ok = forward ? it.next() : it.prev())
            {
                final byte[] k = it.key();
                check(Arrays.equals(it.value(), want.get(k)) && want.containsKey(k),
                    "iterator gave " + hex(k) + "=" + hex(it.value()) + ", the store holds " + hex(want.get(k)) +
                        " in [" + hex(lower) + ", " + hex(upper) + ") of " + region + " at " + s.readVersion());
                got.add(k);
            }
            final List<byte[]> keys = new ArrayList<>(forward ? want.keySet() : want.descendingKeySet());
            check(got.size() == Math.min(64, keys.size()), "iterator gave " + got.size() + " keys, the store " +
                keys.size() + " in [" + hex(lower) + ", " + hex(upper) + ") of " + region + " at " + s.readVersion());
            for (int i = 0; i < got.size(); i++)
            {
                check(Arrays.equals(got.get(i), keys.get(i)), "iterator order differs at " + i);
            }
            final byte[] target = key();
            final boolean prev = data.consumeBoolean();
            final Outcomes.Outcome<Boolean> sought = Outcomes.expectOnly(
                () -> prev ? it.seekForPrev(target) : it.seek(target), READ_THROWS, "SnapshotIterator.seek", input);
            if (sought.returned())
            {
                final Map.Entry<byte[], byte[]> e = prev ? want.floorEntry(target) : want.ceilingEntry(target);
                check(sought.value() == (e != null), "seek" + (prev ? "ForPrev " : " ") + hex(target) + " said " +
                    sought.value());
                if (e != null)
                {
                    check(Arrays.equals(it.key(), e.getKey()), "seek landed on " + hex(it.key()) + ", not " +
                        hex(e.getKey()));
                }
            }
            else
            {
                check(!region.contains(target), "seek refused a key inside the region: " + hex(target));
            }
        }

        private void mapView(final Snapshot s, final NavigableMap<byte[], byte[]> expected)
        {
            final NavigableMap<byte[], byte[]> view = s.asNavigableMap();
            final byte[] lo = key();
            final byte[] hi = key();
            final boolean loIn = data.consumeBoolean();
            final boolean hiIn = data.consumeBoolean();
            final boolean descending = data.consumeBoolean();
            final Outcomes.Outcome<NavigableMap<byte[], byte[]>> sub = Outcomes.expectOnly(
                () -> view.subMap(lo, loIn, hi, hiIn), READ_THROWS, "map view subMap", input);
            if (!sub.returned())
            {
                check(Arrays.compareUnsigned(lo, hi) > 0, "subMap refused ordered bounds " + hex(lo) + ", " + hex(hi));
                return;
            }
            check(Arrays.compareUnsigned(lo, hi) <= 0, "subMap took inverted bounds " + hex(lo) + ", " + hex(hi));
            final NavigableMap<byte[], byte[]> want = expected.subMap(lo, loIn, hi, hiIn);
            final NavigableMap<byte[], byte[]> got = descending ? sub.value().descendingMap() : sub.value();
            final List<Map.Entry<byte[], byte[]>> wantList = new ArrayList<>(
                (descending ? want.descendingMap() : want).entrySet());
            int i = 0;
            for (final Map.Entry<byte[], byte[]> e : got.entrySet())
            {
                check(i < wantList.size() && Arrays.equals(e.getKey(), wantList.get(i).getKey()) &&
                    Arrays.equals(e.getValue(), wantList.get(i).getValue()), "map view entry " + i + " " +
                    hex(e.getKey()) + "=" + hex(e.getValue()) + " differs from the store's");
                i++;
                if (i > 64)
                {
                    break;
                }
            }
            check(i == Math.min(wantList.size(), 65), "map view gave " + i + " entries, the store " +
                wantList.size());
            final byte[] probe = key();
            final Map.Entry<byte[], byte[]> floor = got.floorEntry(probe);
            final Map.Entry<byte[], byte[]> wantFloor = descending ? want.descendingMap().floorEntry(probe) :
                want.floorEntry(probe);
            check((floor == null) == (wantFloor == null) &&
                (floor == null || Arrays.equals(floor.getKey(), wantFloor.getKey())), "floorEntry differs");
        }

        // ---- the model ------------------------------------------------------------------------------------------

        /** The store's visible keys of {@code region} at {@code readVersion}. */
        private NavigableMap<byte[], byte[]> storeAt(final Region region, final long readVersion)
        {
            final TreeMap<byte[], byte[]> m = new TreeMap<>(Arrays::compareUnsigned);
            try (StoreCursorHandle c = new StoreCursorHandle(store.newCursor(region.start(), region.end(),
                readVersion)))
            {
                while (c.cursor.next())
                {
                    m.put(c.cursor.keyBytes(), c.cursor.valueBytes());
                }
            }
            return m;
        }

        private boolean noStoredKeyIn(final Region r)
        {
            final byte[] start = r.start();
            final byte[] end = r.end();
            final byte[] first = storedKeys.ceiling(start);
            return first == null || (end.length > 0 && Arrays.compareUnsigned(first, end) >= 0);
        }

        // ---- fuzzed values --------------------------------------------------------------------------------------

        /** Mostly 1-3 bytes over 'a'..'h' (so keys meet), sometimes any bytes, empty, or over the limit. */
        private byte[] key()
        {
            final int kind = data.consumeInt(0, 9);
            if (kind < 8)
            {
                final byte[] k = new byte[1 + kind % 3];
                for (int i = 0; i < k.length; i++)
                {
                    k[i] = (byte)('a' + (data.consumeByte() & 7));
                }
                return k;
            }
            return data.consumeBytes(kind == 8 ? data.consumeInt(0, MAX_KEY + 2) : 0);
        }

        private byte[] value()
        {
            return data.consumeBytes(data.consumeInt(0, 7) != 0 ? data.consumeInt(0, 8) : data.consumeInt(0,
                MAX_VALUE + 2));
        }

        /** Mostly 1-6 (so ids meet), sometimes anything (0, negative, huge). */
        private long regionId()
        {
            return data.consumeInt(0, 7) != 0 ? data.consumeLong(1, 6) : data.consumeLong();
        }

        private long nearVersion()
        {
            return data.consumeInt(0, 3) != 0 ? version - data.consumeInt(-2, 6) : data.consumeLong();
        }

        private Region region()
        {
            final long id = regionId();
            final byte[] start = data.consumeInt(0, 3) == 0 ? new byte[0] : key();
            final byte[] end = data.consumeInt(0, 3) == 0 ? new byte[0] : key();
            final boolean ordered = data.consumeBoolean();
            final byte[] lo = ordered && end.length > 0 && Arrays.compareUnsigned(start, end) > 0 ? end : start;
            final byte[] hi = lo == end ? start : end;
            final long epoch = data.consumeInt(0, 7) != 0 ? data.consumeLong(0, 6) : data.consumeLong();
            return new Region(id, data.consumeInt(0, 31) == 0 ? null : lo, hi, epoch);
        }

        private RegionInfo pickRegion()
        {
            final List<RegionInfo> all = cache.regions();
            return all.isEmpty() ? null : all.get(data.consumeInt(0, all.size() - 1));
        }

        // ---- answers --------------------------------------------------------------------------------------------

        /**
         * Cycle until the command's future completes (running a held load every 64 cycles, in case the command waits
         * for one), then check its result.
         */
        private CommandResult answer(final String what, final CompletableFuture<CommandResult> future)
        {
            trace.append(what).append('\n');
            int cycles = 0;
            while (!future.isDone())
            {
                cache.applyCycle();
                if (++cycles % 64 == 0 && !loads.isEmpty())
                {
                    trace.append("  (run a held load after ").append(cycles).append(" cycles)\n");
                    loads.poll().run();
                }
                check(cycles < MAX_CYCLES, what + ": future not completed after " + MAX_CYCLES + " apply cycles");
            }
            final CommandResult r = future.join();
            check(r != null && r.code() != null, what + ": a null result");
            check(r.code() != ResultCode.INTERNAL_ERROR, what + ": " + r);
            trace.append("  -> ").append(r).append('\n');
            return r;
        }

        private void cycles(final int n)
        {
            for (int i = 0; i < n; i++)
            {
                cache.applyCycle();
            }
        }

        private void checkValue(final byte[] want, final byte[] got, final String what)
        {
            check(Arrays.equals(want, got), what + ": the cache read " + hex(got) + ", the store holds " + hex(want));
        }

        private void check(final boolean condition, final String message)
        {
            if (!condition)
            {
                throw new AssertionError(message + "\nafter:\n" + tail(trace));
            }
        }

        private static String tail(final StringBuilder trace)
        {
            return trace.length() <= 6_000 ? trace.toString() : "..." + trace.substring(trace.length() - 6_000);
        }

        private static String hex(final byte[] b)
        {
            return b == null ? "null" : "'" + HexFormat.of().formatHex(b) + "'";
        }
    }

    /** A store cursor closed by try-with-resources. */
    private record StoreCursorHandle(StoreCursor cursor) implements AutoCloseable
    {
        @Override
        public void close()
        {
            cursor.close();
        }
    }
}
