package io.regioncache.blackbox28;

import static io.regioncache.blackbox28.K28.hex;
import static io.regioncache.blackbox28.K28.inRange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
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
 * Audit 28: reader threads against the engine's own apply thread (README "The engine alone": "Any reader thread: one
 * reusable handle, no locks"; "How it works": a batch visible whole, split / compaction / eviction under snapshots).
 * <p>
 * The host thread drives writes, splits, evictions, loads, safe points and compactions through the dedicated apply
 * thread, recording every batch in an immutable history before it is submitted (and in the store first). Three
 * readers open snapshots on the host's regions at random versions and read with get, multiGet and iterators: each
 * value read at the snapshot's read version must be exactly the history's value at that version (no torn value, no
 * half batch), a snapshot that opened OK must not read at or below a safe point already acknowledged, and the
 * region it reports must be the one asked for. Bounded by operations, not time. {@code -Dblackbox28.seed=N}.
 */
class ConcurrentReadersModelTest
{
    private static final int HOST_OPS = Integer.getInteger("blackbox28.hostOps", 4_000);
    private static final int READERS = 3;

    /** The immutable history: key (hex) -> version -> value (null for a delete), written before each submit. */
    private final Map<String, ConcurrentSkipListMap<Long, byte[]>> history = new ConcurrentHashMap<>();
    private static final byte[] DELETED = new byte[0];

    private volatile long[][] routes = new long[0][];
    private volatile long ackedSafePoint;
    private final AtomicLong published = new AtomicLong();
    private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();

    @Test
    void readersSeeExactlyTheHistoryAtTheirVersion() throws Exception
    {
        for (final long seed : K28.seeds("blackbox28.seed", 2851, 2852, 2853))
        {
            history.clear();
            errors.clear();
            published.set(0);
            ackedSafePoint = 0;
            runOnce(seed);
        }
    }

    static byte[] value(final byte[] key, final long version, final int len)
    {
        final byte[] v = new byte[len];
        for (int i = 0; i < len; i++)
        {
            v[i] = (byte)(version * 31 + i * 7 + (i < key.length ? key[i] : 0));
        }
        return v;
    }

    private void runOnce(final long seed) throws Exception
    {
        final Random rnd = new Random(seed);
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 48; i++)
        {
            keys.add(new byte[] {(byte)K28.ALPHABET[i % K28.ALPHABET.length], (byte)(i * 5), (byte)(0x80 + i)});
        }
        keys.sort(Arrays::compareUnsigned);
        // host regions: {id, epoch} and their ranges
        final List<Object[]> host = new ArrayList<>();
        host.add(new Object[] {1L, 1L, new byte[0], keys.get(12)});
        host.add(new Object[] {2L, 1L, keys.get(12), keys.get(24)});
        host.add(new Object[] {3L, 1L, keys.get(24), keys.get(36)});
        host.add(new Object[] {4L, 1L, keys.get(36), new byte[0]});
        // odd seeds: a small budget (writes may answer MEMORY_LIMIT, loads fail or are refused for memory)
        final boolean small = seed % 2 == 1;
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .capacityBytes(small ? 96 << 10 : 64L << 20)
            .segmentSize(small ? 4096 : 1 << 16)
            .maxKeyLength(K28.MAX_KEY)
            .maxValueLength(K28.MAX_VALUE)
            .backingStore(store)
            .policyIntervalMillis(3_600_000)
            .minResidencyMillis(3_600_000)
            .closeTimeoutMillis(2_000)
            .build());
        final ExecutorService pool = Executors.newFixedThreadPool(READERS);
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicLong reads = new AtomicLong();
        try
        {
            for (final Object[] h : host)
            {
                expectCode(seed, "create", ResultCode.OK,
                    cache.createRegion(new Region((long)h[0], (byte[])h[2], (byte[])h[3], (long)h[1]))
                        .get(10, TimeUnit.SECONDS));
            }
            publishRoutes(host);
            final CountDownLatch started = new CountDownLatch(READERS);
            final List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < READERS; r++)
            {
                final long readerSeed = seed * 100 + r;
                readers.add(pool.submit(() -> read(cache, keys, readerSeed, started, done, reads)));
            }
            started.await(10, TimeUnit.SECONDS);
            long ver = 0;
            long nextId = 10;
            int memoryLimits = 0;
            for (int op = 0; op < HOST_OPS && errors.isEmpty(); op++)
            {
                final int p = rnd.nextInt(100);
                final int hi = rnd.nextInt(host.size());
                final Object[] h = host.get(hi);
                final long id = (long)h[0];
                final long epoch = (long)h[1];
                final byte[] start = (byte[])h[2];
                final byte[] end = (byte[])h[3];
                final List<byte[]> in = new ArrayList<>();
                for (final byte[] k : keys)
                {
                    if (inRange(k, start, end))
                    {
                        in.add(k);
                    }
                }
                if (p < 75 && !in.isEmpty())
                {
                    final long v = ++ver;
                    final WriteBatch b = new WriteBatch(id, epoch, v);
                    final int n = 1 + rnd.nextInt(5);
                    for (int i = 0; i < n; i++)
                    {
                        // a few hot keys, rewritten often (the entry's in-place rewrite under readers)
                        final byte[] k = rnd.nextInt(3) == 0 ? in.get(0) : in.get(rnd.nextInt(in.size()));
                        final byte[] val;
                        if (rnd.nextInt(6) == 0)
                        {
                            b.delete(k);
                            val = DELETED;
                        }
                        else
                        {
                            val = value(k, v, rnd.nextInt(3) == 0 ? 100 + rnd.nextInt(300) : 8 + rnd.nextInt(60));
                            b.put(k, val);
                        }
                        // the history first (later ops of the batch win, as in the store)
                        history.computeIfAbsent(hex(k), x -> new ConcurrentSkipListMap<>()).put(v, val);
                    }
                    store.applyBatch(b);
                    published.set(v);
                    final CommandResult r = cache.write(b).get(10, TimeUnit.SECONDS);
                    if (r.code() == ResultCode.MEMORY_LIMIT)
                    {
                        memoryLimits++;
                    }
                    if (r.code() != ResultCode.OK && r.code() != ResultCode.NOT_CACHED && r.code() != ResultCode.SKIPPED &&
                        !(small && r.code() == ResultCode.MEMORY_LIMIT))
                    {
                        errors.add("seed " + seed + " write " + b + ": " + r);
                    }
                }
                else if (p < 80 && in.size() > 2)
                {
                    final byte[] key = in.get(1 + rnd.nextInt(in.size() - 1));
                    final long newId = nextId++;
                    final CommandResult r =
                        cache.split(id, epoch, new byte[][] {key}, new long[] {newId}, epoch + 1).get(10, TimeUnit.SECONDS);
                    if (r.code() != ResultCode.OK && r.code() != ResultCode.NOT_CACHED && r.code() != ResultCode.SKIPPED)
                    {
                        errors.add("seed " + seed + " split " + id + ": " + r);
                    }
                    host.set(hi, new Object[] {id, epoch + 1, key, end});
                    host.add(hi, new Object[] {newId, epoch + 1, start, key});
                    publishRoutes(host);
                }
                else if (p < 84)
                {
                    cache.evict(id, EvictReason.MANUAL).get(10, TimeUnit.SECONDS);
                }
                else if (p < 92)
                {
                    final CommandResult r =
                        cache.loadRegion(new Region(id, start, end, epoch)).get(10, TimeUnit.SECONDS);
                    if (r.code() != ResultCode.OK && r.code() != ResultCode.SKIPPED)
                    {
                        errors.add("seed " + seed + " load " + id + ": " + r);
                    }
                }
                else if (p < 96)
                {
                    final long sp = Math.max(0, ver - 10 - rnd.nextInt(20));
                    final CommandResult r = cache.advanceSafePoint(sp).get(10, TimeUnit.SECONDS);
                    if (r.code() != ResultCode.OK)
                    {
                        errors.add("seed " + seed + " safe point " + sp + ": " + r);
                    }
                    ackedSafePoint = Math.max(ackedSafePoint, sp);
                }
                else
                {
                    final CommandResult r = cache.compact(id).get(10, TimeUnit.SECONDS);
                    if (r.code() != ResultCode.OK && r.code() != ResultCode.NOT_CACHED && r.code() != ResultCode.SKIPPED)
                    {
                        errors.add("seed " + seed + " compact " + id + ": " + r);
                    }
                }
            }
            done.set(true);
            for (final Future<?> f : readers)
            {
                f.get(60, TimeUnit.SECONDS);
            }
            if (!errors.isEmpty())
            {
                throw new AssertionError(errors.size() + " errors, first: " + errors.peek());
            }
            if (reads.get() < 1_000)
            {
                throw new AssertionError("seed " + seed + ": only " + reads.get() + " snapshot reads checked");
            }
            // the final state: every cached region's whole scan at its newest version
            for (final Object[] h : host)
            {
                if (cache.stateOf((long)h[0]) == RegionState.ACTIVE)
                {
                    final Snapshot s = cache.newSnapshot();
                    if (s.open((long)h[0], (long)h[1], Long.MAX_VALUE) == SnapshotStatus.OK)
                    {
                        checkOpen(s, keys, new Random(seed), "final " + h[0]);
                        s.close();
                    }
                    s.dispose();
                }
            }
            if (!errors.isEmpty())
            {
                throw new AssertionError(errors.size() + " errors, first: " + errors.peek());
            }
            System.out.println("blackbox28 concurrent seed " + seed + (small ? " (small budget)" : "") + ": " +
                HOST_OPS + " host ops, " + reads.get() + " snapshot reads checked, " + memoryLimits + " MEMORY_LIMIT");
        }
        finally
        {
            done.set(true);
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            cache.close();
        }
    }

    private void publishRoutes(final List<Object[]> host)
    {
        final long[][] r = new long[host.size()][];
        for (int i = 0; i < r.length; i++)
        {
            r[i] = new long[] {(long)host.get(i)[0], (long)host.get(i)[1]};
        }
        routes = r;
    }

    private void expectCode(final long seed, final String what, final ResultCode want, final CommandResult r)
    {
        if (r.code() != want)
        {
            throw new AssertionError("seed " + seed + " " + what + ": expected " + want + ", got " + r);
        }
    }

    private void read(final RegionCache cache, final List<byte[]> keys, final long seed, final CountDownLatch started,
        final AtomicBoolean done, final AtomicLong reads)
    {
        final Random rnd = new Random(seed);
        final Snapshot s = cache.newSnapshot();
        // a second handle kept open across many of the host's commands (splits, evictions, compactions)
        final Snapshot kept = cache.newSnapshot();
        int keptFor = 0;
        started.countDown();
        int checked = 0;
        // a bounded number of opens: at least 400 each, then until the host is done (at most 200,000)
        for (int i = 0; i < 200_000 && (checked < 400 || !done.get()) && errors.isEmpty(); i++)
        {
            final long[][] r = routes;
            final long[] route = r[rnd.nextInt(r.length)];
            final long sp = ackedSafePoint;
            final long top = published.get();
            final long v = sp + 1 + (top > sp ? (long)(rnd.nextDouble() * (top - sp + 2)) : 0);
            if (kept.isOpen())
            {
                checkOpen(kept, keys, rnd, "reader " + seed + " kept snapshot of " + kept.region() + " at " +
                    kept.readVersion());
                if (--keptFor <= 0)
                {
                    kept.close();
                }
            }
            else if (rnd.nextInt(20) == 0 && kept.open(route[0], route[1], v) == SnapshotStatus.OK)
            {
                keptFor = 20 + rnd.nextInt(200);
            }
            final SnapshotStatus st = s.open(route[0], route[1], v);
            if (st == SnapshotStatus.OK)
            {
                try
                {
                    if (s.readVersion() > v)
                    {
                        errors.add("reader " + seed + ": read version " + s.readVersion() + " above the requested " + v);
                    }
                    if (s.region().id() != route[0] || s.region().epochVersion() != route[1])
                    {
                        errors.add("reader " + seed + ": opened " + route[0] + "@" + route[1] + " but reads " +
                            s.region());
                    }
                    if (v <= sp)
                    {
                        errors.add("reader " + seed + ": opened OK at " + v + " at or below the acknowledged safe " +
                            "point " + sp);
                    }
                    checkOpen(s, keys, rnd, "reader " + seed + " region " + route[0] + "@" + route[1] + " at " + v);
                    checked++;
                    reads.incrementAndGet();
                }
                finally
                {
                    s.close();
                }
            }
            else if (st == SnapshotStatus.PIN_LIMIT || st == SnapshotStatus.CLOSED)
            {
                errors.add("reader " + seed + ": open answered " + st);
            }
            else if (st == SnapshotStatus.TOO_OLD_READ && v > published.get() - 10)
            {
                // the host never asks a safe point above its newest version - 10, one command at a time
                errors.add("reader " + seed + ": TOO_OLD_READ at " + v + " with acknowledged safe point " + sp);
            }
        }
        s.dispose();
        kept.dispose();
    }

    private byte[] expected(final byte[] key, final long at)
    {
        final ConcurrentSkipListMap<Long, byte[]> versions = history.get(hex(key));
        if (versions == null)
        {
            return null;
        }
        final Map.Entry<Long, byte[]> e = versions.floorEntry(at);
        return e == null || e.getValue() == DELETED ? null : e.getValue();
    }

    private void checkOpen(final Snapshot s, final List<byte[]> keys, final Random rnd, final String label)
    {
        final long at = s.readVersion();
        final Region region = s.region();
        final List<byte[]> in = new ArrayList<>();
        for (final byte[] k : keys)
        {
            if (region.contains(k))
            {
                in.add(k);
            }
        }
        if (in.isEmpty())
        {
            return;
        }
        // gets
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[1024]);
        final UnsafeBuffer kb = new UnsafeBuffer(new byte[16]);
        for (int i = 0; i < 6; i++)
        {
            final byte[] k = i == 0 ? in.get(0) : in.get(rnd.nextInt(in.size()));
            kb.putBytes(0, k);
            final int len = s.get(kb, 0, k.length, dst, 0);
            final byte[] got = len < 0 ? null : new byte[len];
            if (got != null)
            {
                dst.getBytes(0, got);
            }
            compare(label + " get", k, at, got);
        }
        // multiGet
        final int n = 1 + rnd.nextInt(Math.min(20, in.size()));
        final UnsafeBuffer kbuf = new UnsafeBuffer(new byte[n * K28.MAX_KEY]);
        final int[] offs = new int[n];
        final int[] lens = new int[n];
        final byte[][] ks = new byte[n][];
        int pos = 0;
        for (int i = 0; i < n; i++)
        {
            ks[i] = in.get(rnd.nextInt(in.size()));
            kbuf.putBytes(pos, ks[i]);
            offs[i] = pos;
            lens[i] = ks[i].length;
            pos += ks[i].length;
        }
        final UnsafeBuffer mdst = new UnsafeBuffer(new byte[n * K28.MAX_VALUE]);
        final int[] vo = new int[n];
        final int[] vl = new int[n];
        s.multiGet(kbuf, offs, lens, n, mdst, 0, vo, vl);
        for (int i = 0; i < n; i++)
        {
            final byte[] got = vl[i] < 0 ? null : new byte[vl[i]];
            if (got != null)
            {
                mdst.getBytes(vo[i], got);
            }
            compare(label + " multiGet", ks[i], at, got);
        }
        // the Bytes map view: its size and one lookup
        final java.util.NavigableMap<io.regioncache.Bytes, io.regioncache.Bytes> view = s.asBytesMap();
        int live = 0;
        for (final byte[] k : in)
        {
            if (expected(k, at) != null)
            {
                live++;
            }
        }
        if (view.size() != live)
        {
            errors.add(label + " asBytesMap size " + view.size() + ", history " + live);
        }
        final byte[] probe = in.get(rnd.nextInt(in.size()));
        final io.regioncache.Bytes vb = view.get(io.regioncache.Bytes.of(probe));
        compare(label + " asBytesMap.get", probe, at, vb == null ? null : vb.toByteArray());
                // a scan, forward or back
        final SnapshotIterator it = s.iterator();
        final boolean forward = rnd.nextBoolean();
        final List<String> seen = new ArrayList<>();
        for (boolean ok = forward ? it.seekToFirst() : it.seekToLast(); ok; ok = forward ? it.next() : it.prev())
        {
            final byte[] k = it.key();
            seen.add(hex(k));
            compare(label + " scan", k, at, it.value());
            final ConcurrentSkipListMap<Long, byte[]> versions = history.get(hex(k));
            final Map.Entry<Long, byte[]> e = versions == null ? null : versions.floorEntry(at);
            if (e == null || e.getKey() != it.version())
            {
                errors.add(label + " scan " + hex(k) + ": version " + it.version() + ", history " +
                    (e == null ? "none" : e.getKey()));
            }
        }
        final List<String> want = new ArrayList<>();
        for (final byte[] k : in)
        {
            if (expected(k, at) != null)
            {
                want.add(hex(k));
            }
        }
        if (!forward)
        {
            java.util.Collections.reverse(want);
        }
        if (!want.equals(seen))
        {
            errors.add(label + " scan at " + at + ": keys " + seen + ", history " + want);
        }
    }

    private void compare(final String label, final byte[] key, final long at, final byte[] got)
    {
        final byte[] want = expected(key, at);
        if (want == null ? got != null : !Arrays.equals(want, got))
        {
            errors.add(label + " " + hex(key) + " at " + at + ": expected " + hex(want) + ", got " + hex(got));
        }
    }
}
