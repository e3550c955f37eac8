package io.regioncache.ratis.blackbox23;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.regioncache.ratis.KeyHistory;
import io.regioncache.ratis.RegionClient;

/**
 * A client history over string keys, checked per key by the project's public {@link KeyHistory}: every write is
 * numbered per key by its one writer and its value names the key and that number, so a read maps back to the write
 * it returned. Also remembers, per key, the last acknowledged write (for exact expectations where nothing is in
 * flight).
 */
final class History23
{
    /** A value that does not name its key: reported as a write never made. */
    static final int FOREIGN = Integer.MAX_VALUE;

    final KeyHistory<String> history = new KeyHistory<>();
    private final Map<String, Integer> next = new ConcurrentHashMap<>();
    /** key → last acknowledged write number; negative (-(n+1)) when write n was a delete. */
    private final Map<String, Integer> acked = new ConcurrentHashMap<>();
    /** key → pad of its last acknowledged put. */
    private final Map<String, Integer> pads = new ConcurrentHashMap<>();
    /** keys with a write whose outcome is unknown. */
    private final Map<String, Boolean> inDoubt = new ConcurrentHashMap<>();

    static byte[] value(final String key, final int index, final int pad)
    {
        final StringBuilder b = new StringBuilder(key).append('#').append(index).append('#');
        for (int i = 0; i < pad; i++)
        {
            b.append((char)('a' + (index + i) % 26));
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @return the write number a read value names, ABSENT for null, FOREIGN for a value not of this key. */
    static int observed(final String key, final byte[] v)
    {
        if (v == null)
        {
            return KeyHistory.ABSENT;
        }
        final String s = new String(v, StandardCharsets.UTF_8);
        final String[] parts = s.split("#", 3);
        if (parts.length < 3 || !parts[0].equals(key))
        {
            return FOREIGN;
        }
        try
        {
            final int idx = Integer.parseInt(parts[1]);
            return Arrays.equals(v, value(key, idx, parts[2].length())) ? idx : FOREIGN;
        }
        catch (final NumberFormatException ex)
        {
            return FOREIGN;
        }
    }

    int nextIndex(final String key)
    {
        return next.merge(key, 1, Integer::sum) - 1;
    }

    /** Put through the client; @return true if acknowledged (a failure is recorded as in flight for good). */
    boolean put(final RegionClient c, final String key, final int pad)
    {
        final int idx = nextIndex(key);
        final long invoke = System.nanoTime();
        try
        {
            c.put(Cluster23.b(key), value(key, idx, pad));
            history.write(key, idx, false, invoke, System.nanoTime(), true);
            pads.put(key, pad);
            acked.put(key, idx);
            return true;
        }
        catch (final RuntimeException ex)
        {
            history.write(key, idx, false, invoke, 0, false);
            inDoubt.put(key, true);
            return false;
        }
    }

    /** Put, failing the test if it is not acknowledged. */
    void mustPut(final RegionClient c, final String key, final int pad)
    {
        if (!put(c, key, pad))
        {
            throw new AssertionError("write of " + key + " not acknowledged");
        }
    }

    boolean delete(final RegionClient c, final String key)
    {
        final int idx = nextIndex(key);
        final long invoke = System.nanoTime();
        try
        {
            c.delete(Cluster23.b(key));
            history.write(key, idx, true, invoke, System.nanoTime(), true);
            acked.put(key, -(idx + 1));
            return true;
        }
        catch (final RuntimeException ex)
        {
            history.write(key, idx, true, invoke, 0, false);
            inDoubt.put(key, true);
            return false;
        }
    }

    /** A batch of puts and deletes (null value) of keys of one writer; recorded per key. */
    boolean batch(final RegionClient c, final Map<String, Boolean> deletes, final int pad)
    {
        final Map<byte[], byte[]> ops = new HashMap<>();
        final Map<String, Integer> idx = new HashMap<>();
        deletes.forEach((k, del) ->
        {
            final int i = nextIndex(k);
            idx.put(k, i);
            ops.put(Cluster23.b(k), del ? null : value(k, i, pad));
        });
        final long invoke = System.nanoTime();
        boolean ok;
        try
        {
            c.write(ops);
            ok = true;
        }
        catch (final RuntimeException ex)
        {
            ok = false;
        }
        final long complete = System.nanoTime();
        for (final Map.Entry<String, Integer> e : idx.entrySet())
        {
            final boolean del = deletes.get(e.getKey());
            history.write(e.getKey(), e.getValue(), del, invoke, complete, ok);
            if (ok)
            {
                pads.put(e.getKey(), pad);
                acked.put(e.getKey(), del ? -(e.getValue() + 1) : e.getValue());
            }
            else
            {
                inDoubt.put(e.getKey(), true);
            }
        }
        return ok;
    }

    /**
     * A delete-range acknowledged at {@code [invoke, complete]}: a delete of every key of the history in the range.
     */
    void deletedRange(final List<String> keys, final long invoke, final long complete)
    {
        for (final String k : keys)
        {
            final int i = nextIndex(k);
            history.write(k, i, true, invoke, complete, true);
            acked.put(k, -(i + 1));
        }
    }

    /** Record a read; a failed read is not recorded. @return the value, or null if the read failed or found none. */
    byte[] read(final String key, final Supplier<RegionClient.ReadResult> r)
    {
        final long invoke = System.nanoTime();
        final RegionClient.ReadResult res;
        try
        {
            res = r.get();
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
        history.read(key, observed(key, res.value()), invoke, System.nanoTime());
        return res.value();
    }

    /** @return the value the last acknowledged write left (null: absent or deleted), for keys with nothing in doubt. */
    byte[] expected(final String key)
    {
        final Integer a = acked.get(key);
        return a == null || a < 0 ? null : value(key, a, pads.get(key));
    }

    boolean hasDoubt(final String key)
    {
        return inDoubt.containsKey(key);
    }

    List<String> keys()
    {
        final List<String> out = new ArrayList<>(next.keySet());
        out.sort(null);
        return out;
    }

    /**
     * Read every key through every node (linearizable, each node serving from its own cache or RocksDB); each must
     * be exactly what the last acknowledged write left. Only for keys with nothing in flight.
     */
    void assertEveryKeyOnEveryNode(final RegionClient c, final java.util.Collection<String> nodes,
        final List<String> keys)
    {
        for (final String k : keys)
        {
            final byte[] want = expected(k);
            for (final String node : nodes)
            {
                final byte[][] got = new byte[1][];
                final RuntimeException[] failed = new RuntimeException[1];
                read(k, () ->
                {
                    try
                    {
                        final RegionClient.ReadResult r = c.getFromFollower(Cluster23.b(k), node);
                        got[0] = r.value();
                        return r;
                    }
                    catch (final RuntimeException ex)
                    {
                        failed[0] = ex;
                        throw ex;
                    }
                });
                if (failed[0] != null)
                {
                    throw new AssertionError(k + " through " + node + ": read failed", failed[0]);
                }
                if (!Arrays.equals(want, got[0]))
                {
                    throw new AssertionError(k + " through " + node + ": expected " + Cluster23.s(want) + ", got "
                        + Cluster23.s(got[0]));
                }
            }
        }
    }

    void assertNoViolations(final String what)
    {
        final List<String> v = history.violations();
        if (!v.isEmpty())
        {
            throw new AssertionError(what + ": " + v.size() + " stale/lost reads of " + history.reads() + ": "
                + v.subList(0, Math.min(20, v.size())));
        }
    }
}
