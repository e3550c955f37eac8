package io.regioncache.hybrid.blackbox16;

import static io.regioncache.hybrid.blackbox16.Bb16.OPEN;
import static io.regioncache.hybrid.blackbox16.Bb16.b;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;

/**
 * README l.1213: "{@code HybridReader reader = engine.newReader(); // one per thread, reusable}"; l.1268: "The hybrid
 * reader serves from the cache when the region is ACTIVE at that epoch and version, and from a RocksDB read at the same
 * version otherwise" (both sources answer alike). Eight reader threads, each with its own reader, read fixed versions
 * through both paths (get and multiGet) while the writer goes on writing newer versions.
 */
class ConcurrentReadersTest
{
    @TempDir
    Path dir;

    private static final int KEYS = 64;
    private static final int VERSIONS = 40;

    /** The value of key {@code k} at version {@code v}: written at every version {@code <= v} where (v + k) % 3 == 0. */
    private static String expected(final int k, final long v)
    {
        for (long x = v; x >= 1; x--)
        {
            if ((x + k) % 3 == 0)
            {
                return "k" + k + "@" + x;
            }
        }
        return null;
    }

    private static String key(final int k)
    {
        return String.format("k%03d", k);
    }

    private static CommandResult done(final CompletableFuture<CommandResult> f) throws Exception
    {
        return f.get(30, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void readersOnManyThreadsAgreeWithTheHistory(final Bb16.Kind kind) throws Exception
    {
        final CompletableFuture<Void> installed = new CompletableFuture<>();
        try (HybridEngine e = HybridEngine.owning(kind.open(dir.resolve("s")),
            Bb16.config().onLoadInstalled(id -> installed.complete(null))))
        {
            for (long v = 1; v <= VERSIONS; v++)
            {
                final WriteBatch batch = new WriteBatch(1, 1, v);
                for (int k = 0; k < KEYS; k++)
                {
                    if ((v + k) % 3 == 0)
                    {
                        batch.put(b(key(k)), b("k" + k + "@" + v));
                    }
                }
                assertEquals(ResultCode.NOT_CACHED, done(e.write(batch)).code());
            }
            assertEquals(ResultCode.OK, done(e.loadRegion(new Region(1, OPEN, OPEN, 1))).code());
            installed.get(30, TimeUnit.SECONDS);
            final ExecutorService pool = Executors.newFixedThreadPool(8);
            try
            {
                final List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < 8; t++)
                {
                    final int seed = t;
                    results.add(pool.submit(() -> readMany(e, seed)));
                }
                // the writer goes on above every version read
                for (long v = VERSIONS + 1; v <= VERSIONS + 200; v++)
                {
                    done(e.write(new WriteBatch(1, 1, v).put(b(key((int)(v % KEYS))), b("late" + v))));
                }
                int reads = 0;
                for (final Future<Integer> f : results)
                {
                    reads += f.get(60, TimeUnit.SECONDS);
                }
                assertEquals(8 * 400 * 2, reads);
            }
            finally
            {
                pool.shutdownNow();
            }
        }
    }

    private static int readMany(final HybridEngine e, final int seed)
    {
        final SplittableRandom rnd = new SplittableRandom(seed);
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(4096);
        final byte[] packed = new byte[4 * 4];
        final UnsafeBuffer keys = new UnsafeBuffer(packed);
        final int[] offs = {0, 4, 8, 12};
        final int[] lens = {4, 4, 4, 4};
        final int[] vo = new int[4];
        final int[] vl = new int[4];
        int n = 0;
        try (HybridReader r = e.newReader())
        {
            for (int i = 0; i < 400; i++)
            {
                final long v = 1 + rnd.nextInt(VERSIONS);
                final long epoch = rnd.nextBoolean() ? 1 : 2; // 2: an epoch mismatch, the store serves
                final int k = rnd.nextInt(KEYS);
                final byte[] got = r.get(1, epoch, v, b(key(k)));
                assertEquals(expected(k, v), got == null ? null : new String(got, java.nio.charset.StandardCharsets.ISO_8859_1),
                    "get " + k + " at " + v + " epoch " + epoch + " via " + r.lastStatus());
                n++;
                final int[] ks = new int[4];
                for (int j = 0; j < 4; j++)
                {
                    ks[j] = rnd.nextInt(KEYS);
                    System.arraycopy(b(key(ks[j])), 0, packed, 4 * j, 4);
                }
                r.multiGet(1, epoch, v, keys, offs, lens, 4, dst, 0, vo, vl);
                for (int j = 0; j < 4; j++)
                {
                    final String exp = expected(ks[j], v);
                    final String act = vl[j] < 0 ? null :
                        new String(dst.byteArray(), vo[j], vl[j], java.nio.charset.StandardCharsets.ISO_8859_1);
                    assertEquals(exp, act, "multiGet " + ks[j] + " at " + v + " epoch " + epoch + " via " + r.lastStatus());
                }
                n++;
            }
        }
        return n;
    }
}
