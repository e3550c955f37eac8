package io.regioncache.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * README "Tables": "A write batch becomes visible whole: a snapshot reads at min(readVersion, last batch published at
 * open)"; "Readers do not lock ... a reader that sees a rewrite overlap its copy reads through the node instead".
 * A writer rewrites the same 40 keys in every batch (value = the batch's version, with a long value half the time so
 * both inline and node paths run); readers check that one snapshot sees one version everywhere, by get, multiGet
 * and iterator.
 */
class WholeBatchRaceBlackBoxTest
{
    static final int KEYS = 40;

    static byte[] key(final int i)
    {
        return ("key" + i).getBytes();
    }

    static byte[] value(final long v, final int i)
    {
        final int len = (v % 2 == 0) ? 8 : 200;
        final ByteBuffer bb = ByteBuffer.allocate(len);
        bb.putLong(0, v);
        for (int j = 8; j < len; j++)
        {
            bb.put(j, (byte)(v + i + j));
        }
        return bb.array();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aSnapshotSeesWholeBatchesUnderRewrites(final boolean inline) throws Exception
    {
        try (RegionCache c = RegionCache.create(RegionCacheConfig.builder().capacityBytes(256L << 20)
            .threading(RegionCacheConfig.Threading.DEDICATED_THREAD).inlineNewestVersions(inline)
            .maxValueLength(1024).closeTimeoutMillis(2_000).build()))
        {
            c.createRegion(new Region(1, new byte[0], new byte[0], 1)).get(5, TimeUnit.SECONDS);
            final WriteBatch first = new WriteBatch(1, 1, 1);
            for (int i = 0; i < KEYS; i++)
            {
                first.put(key(i), value(1, i));
            }
            assertEquals(ResultCode.OK, c.write(first).get(5, TimeUnit.SECONDS).code());
            final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
            final AtomicReference<String> bad = new AtomicReference<>();
            final AtomicLong reads = new AtomicLong();
            final Thread[] readers = new Thread[2];
            for (int t = 0; t < readers.length; t++)
            {
                final int mode = t;
                readers[t] = new Thread(() ->
                {
                    final Snapshot s = c.newSnapshot();
                    while (System.nanoTime() < end && bad.get() == null)
                    {
                        if (s.open(1, 1, Long.MAX_VALUE - 1) != SnapshotStatus.OK)
                        {
                            continue;
                        }
                        try
                        {
                            long seen = -1;
                            if (mode == 0)
                            {
                                for (int i = 0; i < KEYS; i++)
                                {
                                    final byte[] v = s.get(key(i));
                                    final long ver = ByteBuffer.wrap(v).getLong(0);
                                    if (!java.util.Arrays.equals(v, value(ver, i)))
                                    {
                                        bad.set("torn value of key " + i + " at " + ver);
                                    }
                                    if (seen == -1)
                                    {
                                        seen = ver;
                                    }
                                    else if (seen != ver)
                                    {
                                        bad.set("key " + i + " at " + ver + ", key 0 at " + seen + " in one snapshot");
                                    }
                                }
                            }
                            else
                            {
                                final SnapshotIterator it = s.iterator();
                                int n = 0;
                                for (boolean ok = it.seekToFirst(); ok; ok = it.next())
                                {
                                    final byte[] v = it.value();
                                    final long ver = ByteBuffer.wrap(v).getLong(0);
                                    if (seen == -1)
                                    {
                                        seen = ver;
                                    }
                                    else if (seen != ver)
                                    {
                                        bad.set("iterator: " + ver + " beside " + seen);
                                    }
                                    n++;
                                }
                                if (n != KEYS)
                                {
                                    bad.set("iterator saw " + n + " keys");
                                }
                            }
                            reads.incrementAndGet();
                        }
                        finally
                        {
                            s.close();
                        }
                    }
                });
                readers[t].start();
            }
            long v = 2;
            CompletableFuture<CommandResult> last = null;
            while (System.nanoTime() < end && bad.get() == null)
            {
                final WriteBatch w = new WriteBatch(1, 1, v);
                for (int i = 0; i < KEYS; i++)
                {
                    w.put(key(i), value(v, i));
                }
                final CompletableFuture<CommandResult> f = c.write(w);
                final CommandResult r = f.get(5, TimeUnit.SECONDS);
                if (r.code() == ResultCode.QUEUE_FULL)
                {
                    continue;
                }
                assertEquals(ResultCode.OK, r.code(), r::toString);
                if (v % 500 == 0)
                {
                    c.advanceSafePoint(v - 100);
                    c.compact(1);
                }
                v++;
            }
            for (final Thread t : readers)
            {
                t.join(5_000);
            }
            assertEquals(null, bad.get());
            assertTrue(reads.get() > 10, "reads " + reads.get());
        }
    }
}
