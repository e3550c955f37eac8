package io.regioncache.blackbox4c;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.Bytes;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;

/** Checks one open snapshot against the host's history through every read path. One per reader thread. */
final class Verifier
{
    private final Truth truth;
    private final UnsafeBuffer keyBuf = new UnsafeBuffer(new byte[8]);
    private final UnsafeBuffer dst = new UnsafeBuffer(new byte[256]);
    private final UnsafeBuffer multiKeys;
    private final UnsafeBuffer multiDst;
    private final int[] keyOffsets;
    private final int[] keyLengths;
    private final int[] valueOffsets;
    private final int[] valueLengths;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer view2 = new UnsafeBuffer(0, 0);
    final List<String> errors;

    Verifier(final Truth truth, final List<String> errors)
    {
        this.truth = truth;
        this.errors = errors;
        multiKeys = new UnsafeBuffer(new byte[truth.keys * 3]);
        multiDst = new UnsafeBuffer(new byte[truth.keys * 200]);
        keyOffsets = new int[truth.keys];
        keyLengths = new int[truth.keys];
        valueOffsets = new int[truth.keys];
        valueLengths = new int[truth.keys];
    }

    private void error(final String s)
    {
        synchronized (errors)
        {
            if (errors.size() < 50)
            {
                errors.add(s);
            }
        }
    }

    /**
     * Every key of [lo, hi) through get, getView, get(byte[]), multiGet, the iterator and (if {@code map}) the Bytes
     * map view.
     *
     * @return false if something was wrong.
     */
    boolean verify(final Snapshot snap, final int lo, final int hi, final String where, final boolean map)
    {
        final long rv = snap.readVersion();
        final int before = errors.size();
        final String ctx = where + " region " + snap.region() + " readVersion " + rv;
        for (int i = lo; i < hi; i++)
        {
            final byte[] k = Truth.key(i);
            keyBuf.putBytes(0, k);
            final long exp = truth.expected(i, rv);
            final int len = snap.get(keyBuf, 0, k.length, dst, 0);
            check(ctx + " get k" + i, dst, 0, len, i, exp);
            final boolean found = snap.getView(keyBuf, 0, k.length, view);
            check(ctx + " getView k" + i, view, 0, found ? view.capacity() : -1, i, exp);
            if ((i & 3) == 0)
            {
                final byte[] v = snap.get(k);
                if (v == null)
                {
                    check(ctx + " get(byte[]) k" + i, dst, 0, -1, i, exp);
                }
                else
                {
                    view2.wrap(v);
                    check(ctx + " get(byte[]) k" + i, view2, 0, v.length, i, exp);
                }
            }
        }
        // multiGet: every key of the region, reversed order
        int at = 0;
        final int count = hi - lo;
        for (int j = 0; j < count; j++)
        {
            final byte[] k = Truth.key(hi - 1 - j);
            multiKeys.putBytes(at, k);
            keyOffsets[j] = at;
            keyLengths[j] = k.length;
            at += k.length;
        }
        snap.multiGet(multiKeys, keyOffsets, keyLengths, count, multiDst, 0, valueOffsets, valueLengths);
        for (int j = 0; j < count; j++)
        {
            final int i = hi - 1 - j;
            check(ctx + " multiGet k" + i, multiDst, valueOffsets[j], valueLengths[j], i, truth.expected(i, rv));
        }
        // iterator over the whole region: exactly the present keys, in order, with their values
        final SnapshotIterator it = snap.iterator();
        int expectKey = nextPresent(lo, hi, rv);
        for (boolean ok = it.seekToFirst(); ok; ok = it.next())
        {
            final byte[] key = it.key();
            final int ki = Truth.keyIndex(key);
            if (ki != expectKey)
            {
                error(ctx + " iterator at k" + ki + ", expected k" + expectKey);
                break;
            }
            if (it.version() > rv)
            {
                error(ctx + " iterator k" + ki + " version " + it.version() + " above the read version");
            }
            it.valueView(view);
            check(ctx + " iterator k" + ki, view, 0, view.capacity(), ki, truth.expected(ki, rv));
            expectKey = nextPresent(ki + 1, hi, rv);
        }
        if (expectKey < hi && errors.size() == before)
        {
            error(ctx + " iterator ended before k" + expectKey);
        }
        if (map)
        {
            final NavigableMap<Bytes, Bytes> m = snap.asBytesMap();
            int e = nextPresent(lo, hi, rv);
            for (final Map.Entry<Bytes, Bytes> en : m.entrySet())
            {
                final int ki = Truth.keyIndex(en.getKey().toByteArray());
                if (ki != e)
                {
                    error(ctx + " map at k" + ki + ", expected k" + e);
                    break;
                }
                final byte[] v = en.getValue().toByteArray();
                view2.wrap(v);
                check(ctx + " map k" + ki, view2, 0, v.length, ki, truth.expected(ki, rv));
                e = nextPresent(ki + 1, hi, rv);
            }
            if (e < hi && errors.size() == before)
            {
                error(ctx + " map ended before k" + e);
            }
        }
        return errors.size() == before;
    }

    private int nextPresent(final int from, final int hi, final long rv)
    {
        int i = from;
        while (i < hi && truth.expected(i, rv) < 0)
        {
            i++;
        }
        return i;
    }

    private void check(final String ctx, final org.agrona.DirectBuffer buf, final int off, final int len,
        final int key, final long exp)
    {
        if (exp < 0)
        {
            if (len != -1)
            {
                error(ctx + ": expected absent, got length " + len +
                    (len >= 12 ? " naming version " + buf.getLong(off) : ""));
            }
            return;
        }
        if (len < 0)
        {
            error(ctx + ": expected version " + exp + ", got " + len);
            return;
        }
        final String bad = Truth.checkValue(buf, off, len, key, exp);
        if (bad != null)
        {
            error(ctx + ": " + bad);
        }
    }

    static List<String> newErrors()
    {
        return new ArrayList<>();
    }
}
