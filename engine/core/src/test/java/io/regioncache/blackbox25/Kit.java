package io.regioncache.blackbox25;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.regioncache.CommandResult;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/** Helpers of the twenty-fifth audit (public API only). */
final class Kit
{
    static final int MAX_KEY = 24;
    static final int MAX_VALUE = 400;

    private Kit()
    {
    }

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] k(final int... bytes)
    {
        final byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++)
        {
            out[i] = (byte)bytes[i];
        }
        return out;
    }

    static String hex(final byte[] b)
    {
        if (b == null)
        {
            return "null";
        }
        final StringBuilder sb = new StringBuilder("0x");
        for (final byte x : b)
        {
            sb.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
        }
        return sb.toString();
    }

    static <V> TreeMap<byte[], V> arrayMap()
    {
        return new TreeMap<>(Arrays::compareUnsigned);
    }

    /** A small engine driven by the test thread: loads and GC inline, no policy round unless the clock says so. */
    static RegionCacheConfig.Builder invoker()
    {
        return RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .segmentSize(1 << 16)
            .maxKeyLength(MAX_KEY)
            .maxValueLength(MAX_VALUE)
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run)
            .gcExecutor(Runnable::run)
            .pipelinedLoads(false)
            .policyIntervalMillis(3_600_000)
            .closeTimeoutMillis(2_000);
    }

    /** INVOKER mode: cycles until the future is done (bounded), then its result. */
    static CommandResult run(final RegionCache cache, final CompletableFuture<CommandResult> f) throws Exception
    {
        for (int i = 0; i < 5_000 && !f.isDone(); i++)
        {
            cache.applyCycle();
        }
        if (!f.isDone())
        {
            throw new AssertionError("command not answered after 5000 apply cycles");
        }
        return f.get(0, TimeUnit.SECONDS);
    }

    static CommandResult ok(final RegionCache cache, final CompletableFuture<CommandResult> f) throws Exception
    {
        final CommandResult r = run(cache, f);
        if (r.code() != ResultCode.OK)
        {
            throw new AssertionError("expected OK, got " + r);
        }
        return r;
    }

    /** INVOKER mode: cycles until {@code done} holds, bounded by a count and a deadline. */
    static void until(final RegionCache cache, final String what, final BooleanSupplier done)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int i = 0;
        while (!done.getAsBoolean() && (i++ < 20_000 || System.nanoTime() - deadline < 0))
        {
            if (cache.applyCycle() == 0 && i > 20_000)
            {
                Thread.onSpinWait();
            }
            if (System.nanoTime() - deadline > 0)
            {
                break;
            }
        }
        if (!done.getAsBoolean())
        {
            throw new AssertionError("never happened: " + what);
        }
    }

    static void cycles(final RegionCache cache, final int n)
    {
        for (int i = 0; i < n; i++)
        {
            cache.applyCycle();
        }
    }

    static long metric(final RegionCache cache, final String name)
    {
        final Number n = cache.metrics().values().get(name);
        if (n == null && (name.startsWith("results.") || name.startsWith("evictions.")))
        {
            return 0; // a per-code count may appear only once it is non-zero
        }
        if (n == null)
        {
            throw new AssertionError("no metric " + name + " in " + cache.metrics().values().keySet());
        }
        return n.longValue();
    }

    /** Holds submitted jobs until the test runs them. */
    static final class Held implements Executor
    {
        private final java.util.ArrayDeque<Runnable> jobs = new java.util.ArrayDeque<>();

        @Override
        public synchronized void execute(final Runnable job)
        {
            jobs.add(job);
        }

        synchronized int size()
        {
            return jobs.size();
        }

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
    }

    /** Captures what SLF4J's simple binding writes to System.err while a body runs. */
    static String captureErr(final ThrowingRunnable body) throws Exception
    {
        final PrintStream old = System.err;
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        final PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        System.setErr(ps);
        try
        {
            body.run();
        }
        finally
        {
            System.setErr(old);
            ps.flush();
            old.print(buf.toString(StandardCharsets.UTF_8)); // keep it in the report
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    static long countLines(final String text, final String... all)
    {
        return text.lines().filter(l ->
        {
            for (final String s : all)
            {
                if (!l.contains(s))
                {
                    return false;
                }
            }
            return true;
        }).count();
    }

    @FunctionalInterface
    interface ThrowingRunnable
    {
        void run() throws Exception;
    }

    /** An MVCC history: per version, the puts (value) and deletes (null) written at it. */
    static final class Hist
    {
        final TreeMap<Long, Map<byte[], byte[]>> byVersion = new TreeMap<>();
        private final Map<byte[], Boolean> deletes = new java.util.IdentityHashMap<>();

        void put(final long version, final byte[] key, final byte[] value)
        {
            byVersion.computeIfAbsent(version, v -> arrayMap()).put(key.clone(), value.clone());
        }

        void delete(final long version, final byte[] key)
        {
            final byte[] tomb = new byte[0];
            deletes.put(tomb, Boolean.TRUE);
            byVersion.computeIfAbsent(version, v -> arrayMap()).put(key.clone(), tomb);
        }

        private boolean isDelete(final byte[] v)
        {
            return deletes.containsKey(v);
        }

        long maxVersion()
        {
            return byVersion.isEmpty() ? 0 : byVersion.lastKey();
        }

        /** What a read at {@code readVersion} sees in {@code [start, end)} (empty end: +infinity). */
        TreeMap<byte[], byte[]> visible(final long readVersion, final byte[] start, final byte[] end)
        {
            final TreeMap<byte[], byte[]> out = arrayMap();
            for (final Map.Entry<Long, Map<byte[], byte[]>> v : byVersion.headMap(readVersion, true).entrySet())
            {
                for (final Map.Entry<byte[], byte[]> e : v.getValue().entrySet())
                {
                    if (!inRange(e.getKey(), start, end))
                    {
                        continue;
                    }
                    if (isDelete(e.getValue()))
                    {
                        out.remove(e.getKey());
                    }
                    else
                    {
                        out.put(e.getKey(), e.getValue());
                    }
                }
            }
            return out;
        }

        /** One batch per version, in version order, of the keys inside {@code [start, end)}. */
        List<WriteBatch> batches(final long regionId, final long epoch, final byte[] start, final byte[] end)
        {
            return batches(regionId, epoch, key -> inRange(key, start, end));
        }

        /** One batch per version, in version order, of the keys outside {@code [start, end)}. */
        List<WriteBatch> batchesOutside(final byte[] start, final byte[] end)
        {
            return batches(0, 0, key -> !inRange(key, start, end));
        }

        List<WriteBatch> batches(final long regionId, final long epoch, final java.util.function.Predicate<byte[]> keep)
        {
            final List<WriteBatch> out = new ArrayList<>();
            for (final Map.Entry<Long, Map<byte[], byte[]>> v : byVersion.entrySet())
            {
                final WriteBatch batch = new WriteBatch(regionId, epoch, v.getKey());
                for (final Map.Entry<byte[], byte[]> e : v.getValue().entrySet())
                {
                    if (!keep.test(e.getKey()))
                    {
                        continue;
                    }
                    if (isDelete(e.getValue()))
                    {
                        batch.delete(e.getKey());
                    }
                    else
                    {
                        batch.put(e.getKey(), e.getValue());
                    }
                }
                if (batch.count() > 0)
                {
                    out.add(batch);
                }
            }
            return out;
        }

        void writeTo(final RegionCache cache, final long regionId, final long epoch, final byte[] start,
            final byte[] end) throws Exception
        {
            for (final WriteBatch batch : batches(regionId, epoch, start, end))
            {
                ok(cache, cache.write(batch));
            }
        }

        void writeTo(final InMemoryBackingStore store)
        {
            for (final WriteBatch batch : batches(0, 0, new byte[0], new byte[0]))
            {
                store.applyBatch(batch);
            }
        }

        /**
         * A random history over {@code keys}: each key gets 0..4 events (put with a random, maybe empty, value, or
         * a tombstone) at distinct versions in {@code 1..maxVersion}; one key, if any, gets ~30 versions.
         */
        static Hist random(final Random rnd, final List<byte[]> keys, final int maxVersion)
        {
            final Hist h = new Hist();
            for (int i = 0; i < keys.size(); i++)
            {
                final byte[] key = keys.get(i);
                final int events = i == 0 ? Math.min(30, maxVersion) : rnd.nextInt(5);
                final List<Integer> versions = new ArrayList<>();
                for (int v = 1; v <= maxVersion; v++)
                {
                    versions.add(v);
                }
                java.util.Collections.shuffle(versions, rnd);
                for (int e = 0; e < events; e++)
                {
                    final long version = versions.get(e);
                    if (rnd.nextInt(4) == 0)
                    {
                        h.delete(version, key);
                    }
                    else
                    {
                        h.put(version, key, value(rnd, key, version));
                    }
                }
            }
            return h;
        }

        static byte[] value(final Random rnd, final byte[] key, final long version)
        {
            if (rnd.nextInt(10) == 0)
            {
                return new byte[0];
            }
            // now and then a value too long for the index's inline entry, or for a 256-byte read buffer
            final byte[] v = new byte[rnd.nextInt(8) == 0 ? 100 + rnd.nextInt(300) : 1 + rnd.nextInt(12)];
            rnd.nextBytes(v);
            v[0] = (byte)version;
            return v;
        }
    }

    static boolean inRange(final byte[] key, final byte[] start, final byte[] end)
    {
        return Arrays.compareUnsigned(key, start) >= 0 && (end.length == 0 || Arrays.compareUnsigned(key, end) < 0);
    }

    private static final int[] ALPHABET = {0x00, 0x01, 0x30, 0x61, 0x62, 0x7f, 0x80, 0x81, 0xc0, 0xfe, 0xff};

    /** A random key, 1..maxLength bytes, from a small alphabet rich in 0x00, 0x7f/0x80 and 0xff. */
    static byte[] randomKey(final Random rnd, final int maxLength)
    {
        final int len = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(maxLength) : rnd.nextInt(Math.min(4, maxLength)));
        final byte[] out = new byte[len];
        for (int i = 0; i < len; i++)
        {
            out[i] = (byte)ALPHABET[rnd.nextInt(ALPHABET.length)];
        }
        return out;
    }

    /** Distinct random keys, with lengths around MvccKeyCodec's 8-byte groups among them. */
    static List<byte[]> randomKeys(final Random rnd, final int n)
    {
        final TreeMap<byte[], Boolean> set = arrayMap();
        int guard = 0;
        while (set.size() < n && guard++ < n * 50)
        {
            byte[] key = randomKey(rnd, 18);
            if (rnd.nextInt(8) == 0)
            {
                key = Arrays.copyOf(key, new int[] {7, 8, 9, 16, 17, MAX_KEY}[rnd.nextInt(6)]);
                if (rnd.nextBoolean())
                {
                    Arrays.fill(key, key.length - 1, key.length, (byte)0);
                }
            }
            set.put(key, Boolean.TRUE);
        }
        final List<byte[]> out = new ArrayList<>(set.keySet());
        java.util.Collections.shuffle(out, rnd);
        return out;
    }

    /**
     * Probe keys for queries and bounds: the written keys, keys next to them (a 0x00 appended, the last byte
     * dropped or raised), region edges, the empty key and all-0xff keys.
     */
    static List<byte[]> probes(final Random rnd, final List<byte[]> keys, final byte[]... edges)
    {
        final List<byte[]> out = new ArrayList<>(keys);
        for (final byte[] key : keys)
        {
            if (rnd.nextInt(3) == 0)
            {
                out.add(Arrays.copyOf(key, key.length + 1));
            }
            if (key.length > 1 && rnd.nextInt(3) == 0)
            {
                out.add(Arrays.copyOf(key, key.length - 1));
            }
            if (rnd.nextInt(3) == 0 && (key[key.length - 1] & 0xff) != 0xff)
            {
                final byte[] up = key.clone();
                up[up.length - 1]++;
                out.add(up);
            }
        }
        for (final byte[] e : edges)
        {
            if (e.length > 0)
            {
                out.add(e.clone());
                out.add(Arrays.copyOf(e, e.length + 1));
                if (e.length > 1)
                {
                    out.add(Arrays.copyOf(e, e.length - 1));
                }
            }
        }
        out.add(new byte[0]);
        out.add(k(0x00));
        out.add(k(0xff));
        out.add(k(0xff, 0xff, 0xff));
        out.add(k(0x7f));
        out.add(k(0x80));
        for (int i = 0; i < 6; i++)
        {
            out.add(randomKey(rnd, 12));
        }
        return out;
    }
}
