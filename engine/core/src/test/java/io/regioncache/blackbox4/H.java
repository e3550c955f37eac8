package io.regioncache.blackbox4;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import io.regioncache.CommandResult;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/** Helpers: public API only. */
final class H
{
    private H()
    {
    }

    static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    static String s(final byte[] v)
    {
        return v == null ? null : new String(v, US_ASCII);
    }

    /** A batch of key/value pairs; a null value is a delete. */
    static WriteBatch wb(final long id, final long epoch, final long v, final String... kv)
    {
        final WriteBatch w = new WriteBatch(id, epoch, v);
        for (int i = 0; i < kv.length; i += 2)
        {
            if (kv[i + 1] == null)
            {
                w.delete(b(kv[i]));
            }
            else
            {
                w.put(b(kv[i]), b(kv[i + 1]));
            }
        }
        return w;
    }

    static RegionCacheConfig.Builder invoker()
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
            .closeTimeoutMillis(2_000);
    }

    /** An executor that holds its jobs until told to run them. */
    static final class Held implements Executor
    {
        final ArrayDeque<Runnable> jobs = new ArrayDeque<>();

        @Override
        public synchronized void execute(final Runnable command)
        {
            jobs.add(command);
        }

        synchronized int size()
        {
            return jobs.size();
        }

        int runAll()
        {
            int n = 0;
            Runnable r;
            while (true)
            {
                synchronized (this)
                {
                    r = jobs.poll();
                }
                if (r == null)
                {
                    return n;
                }
                r.run();
                n++;
            }
        }
    }

    static CommandResult await(final RegionCache cache, final CompletableFuture<CommandResult> f) throws Exception
    {
        for (int i = 0; i < 100_000 && !f.isDone() && !cache.isClosed(); i++)
        {
            cache.applyCycle();
        }
        return f.get(10, TimeUnit.SECONDS);
    }

    static CommandResult expect(final RegionCache cache, final ResultCode code, final CompletableFuture<CommandResult> f,
        final String ctx) throws Exception
    {
        final CommandResult r = await(cache, f);
        assertEquals(code, r.code(), () -> ctx + ": " + r);
        return r;
    }

    static CommandResult ok(final RegionCache cache, final CompletableFuture<CommandResult> f, final String ctx)
        throws Exception
    {
        return expect(cache, ResultCode.OK, f, ctx);
    }

    static void cycles(final RegionCache cache, final int n)
    {
        for (int i = 0; i < n; i++)
        {
            cache.applyCycle();
        }
    }

    /** Open, read one key, close. Returns "STATUS" or the value ("<null>" when absent). */
    static String read(final RegionCache cache, final long id, final long epoch, final long rv, final String key)
    {
        final Snapshot s = cache.newSnapshot();
        final SnapshotStatus st = s.open(id, epoch, rv);
        if (st != SnapshotStatus.OK)
        {
            return st.name();
        }
        try
        {
            final byte[] v = s.get(b(key));
            return v == null ? "<null>" : s(v);
        }
        finally
        {
            s.close();
        }
    }

    static String get(final Snapshot s, final String key)
    {
        final byte[] v = s.get(b(key));
        return v == null ? "<null>" : s(v);
    }

    /** Forward scan of [lower, upper) (nulls: the region's bounds) as "k=v" strings. */
    static java.util.List<String> scan(final Snapshot s, final byte[] lower, final byte[] upper)
    {
        final java.util.List<String> out = new java.util.ArrayList<>();
        final io.regioncache.SnapshotIterator it = s.iterator(lower, upper);
        for (boolean ok = it.seekToFirst(); ok; ok = it.next())
        {
            out.add(s(it.key()) + "=" + s(it.value()));
        }
        return out;
    }

    /** Backward scan, returned in ascending order. */
    static java.util.List<String> scanBack(final Snapshot s, final byte[] lower, final byte[] upper)
    {
        final java.util.List<String> out = new java.util.ArrayList<>();
        final io.regioncache.SnapshotIterator it = s.iterator(lower, upper);
        for (boolean ok = it.seekToLast(); ok; ok = it.prev())
        {
            out.add(0, s(it.key()) + "=" + s(it.value()));
        }
        return out;
    }

    /** The NavigableMap view's entries. */
    static java.util.List<String> mapView(final Snapshot s)
    {
        final java.util.List<String> out = new java.util.ArrayList<>();
        for (final java.util.Map.Entry<byte[], byte[]> e : s.asNavigableMap().entrySet())
        {
            out.add(s(e.getKey()) + "=" + s(e.getValue()));
        }
        return out;
    }
}
