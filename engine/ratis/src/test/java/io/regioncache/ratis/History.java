package io.regioncache.ratis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The tests' client side of a {@link KeyHistory}: each key has one writer at a time, writing {@code key#0, key#1,
 * ...} in order; every read is recorded and {@link #violations()} checks them per key (the latest acknowledged write
 * or one concurrent with the read, never a stale, lost or unknown value).
 */
final class History
{
    private final KeyHistory<String> history = new KeyHistory<>();
    private final Map<String, Integer> next = new ConcurrentHashMap<>();
    final AtomicLong acked = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong reads = new AtomicLong();

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Write the key's next value; an exception leaves the write in flight (it may or may not be applied).
     *
     * @return true if the write was acknowledged.
     */
    boolean write(final RegionClient client, final String key)
    {
        final int i = next.merge(key, 1, Integer::sum) - 1;
        final long t0 = System.nanoTime();
        try
        {
            client.put(b(key), b(key + "#" + i));
            history.write(key, i, false, t0, System.nanoTime(), true);
            acked.incrementAndGet();
            return true;
        }
        catch (final RegionClientException ex)
        {
            history.write(key, i, false, t0, 0, false);
            failed.incrementAndGet();
            return false;
        }
    }

    /**
     * Write each key's next value, keys spread over {@code threads} writers (one writer per key, so each key's
     * writes stay in order), pipelining the cluster's fsyncs.
     */
    void writeAll(final RegionClient client, final List<String> keys, final int threads) throws InterruptedException
    {
        final List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final int owner = t;
            final Thread th = new Thread(() ->
            {
                for (int i = owner; i < keys.size(); i += threads)
                {
                    write(client, keys.get(i));
                }
            }, "writer-" + t);
            th.start();
            ts.add(th);
        }
        for (final Thread th : ts)
        {
            th.join();
        }
    }

    /** @return keys {@code k<from>}, {@code k<from+step>}, ... below {@code to}, skipping {@code [skipFrom, skipTo)}. */
    static List<String> keys(final int from, final int to, final int step, final int skipFrom, final int skipTo)
    {
        final List<String> out = new ArrayList<>();
        for (int i = from; i < to; i += step)
        {
            if (i < skipFrom || i >= skipTo)
            {
                out.add(String.format("k%03d", i));
            }
        }
        return out;
    }

    static List<String> keys(final int from, final int to, final int step)
    {
        return keys(from, to, step, 0, 0);
    }

    /** Read on the leader ({@code node == null}) or through a follower; a failed read is not recorded. */
    void read(final RegionClient client, final String key, final String node)
    {
        tryRead(client, key, node);
    }

    /**
     * Read on the leader ({@code node == null}) or through a follower; a failed read is not recorded.
     *
     * @return null if the read was answered (and recorded), else why it was not.
     */
    RegionClientException tryRead(final RegionClient client, final String key, final String node)
    {
        final long t0 = System.nanoTime();
        try
        {
            final RegionClient.ReadResult r = node == null ? client.get(b(key)) : client.getFromFollower(b(key), node);
            final long t1 = System.nanoTime();
            final int idx;
            if (r.value() == null)
            {
                idx = KeyHistory.ABSENT;
            }
            else
            {
                final String v = new String(r.value(), StandardCharsets.UTF_8);
                if (!v.startsWith(key + "#"))
                {
                    throw new AssertionError("read of " + key + " returned another key's value " + v);
                }
                idx = Integer.parseInt(v.substring(key.length() + 1));
            }
            history.read(key, idx, t0, t1);
            reads.incrementAndGet();
            return null;
        }
        catch (final RegionClientException ex)
        {
            return ex; // an unanswered read says nothing
        }
    }

    /** @return every read that was stale, lost an acknowledged write, or returned a value never written. */
    List<String> violations()
    {
        return history.violations();
    }
}
