package io.regioncache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;


/** Shared helpers for the GC / memory tests (INVOKER mode, deterministic). */
final class GcSupport
{
    private GcSupport()
    {
    }

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(final byte[] b)
    {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static CommandResult run(final RegionCache cache, final CompletableFuture<CommandResult> f)
    {
        for (int i = 0; !f.isDone(); i++)
        {
            if (i > 100_000)
            {
                throw new AssertionError("command never completed");
            }
            cache.applyCycle();
        }
        return f.join();
    }

    /** A loader executor the test drains by hand. */
    static final class ManualExecutor implements Executor
    {
        final ArrayDeque<Runnable> jobs = new ArrayDeque<>();

        @Override
        public void execute(final Runnable command)
        {
            jobs.add(command);
        }

        int runAll()
        {
            int n = 0;
            Runnable r;
            while ((r = jobs.poll()) != null)
            {
                r.run();
                n++;
            }
            return n;
        }
    }

    /** MVCC model: key -> (version -> value, null = tombstone). */
    static final class Model
    {
        final TreeMap<String, TreeMap<Long, String>> data = new TreeMap<>();

        void put(final String k, final long v, final String value)
        {
            data.computeIfAbsent(k, x -> new TreeMap<>()).put(v, value);
        }

        void delete(final String k, final long v)
        {
            data.computeIfAbsent(k, x -> new TreeMap<>()).put(v, null);
        }

        String get(final String k, final long readVersion)
        {
            final TreeMap<Long, String> versions = data.get(k);
            if (versions == null)
            {
                return null;
            }
            final Map.Entry<Long, String> e = versions.floorEntry(readVersion);
            return e == null ? null : e.getValue();
        }

        TreeMap<String, String> view(final long readVersion)
        {
            final TreeMap<String, String> out = new TreeMap<>();
            for (final String k : data.keySet())
            {
                final String v = get(k, readVersion);
                if (v != null)
                {
                    out.put(k, v);
                }
            }
            return out;
        }
    }

    /** Full scan of an open snapshot. */
    static TreeMap<String, String> scan(final Snapshot s)
    {
        final TreeMap<String, String> out = new TreeMap<>();
        final SnapshotIterator it = s.iterator();
        for (boolean ok = it.seekToFirst(); ok; ok = it.next())
        {
            out.put(s(it.key()), s(it.value()));
        }
        return out;
    }

    /** Point reads of every model key. */
    static TreeMap<String, String> gets(final Snapshot s, final Iterable<String> keys)
    {
        final TreeMap<String, String> out = new TreeMap<>();
        for (final String k : keys)
        {
            final String v = s(s.get(b(k)));
            if (v != null)
            {
                out.put(k, v);
            }
        }
        return out;
    }
}
