package io.regioncache.hybrid.blackbox33;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.WritableStore;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.lmdb.LmdbBackingStore;
import io.regioncache.rocksdb.RocksDbBackingStore;

/**
 * Public-API-only helpers of the thirty-third black-box audit (a full disk under the hybrid engine): a small tmpfs
 * mounted for one test (skipped through a JUnit assumption where {@code mount} is not allowed), a filler file that
 * takes every free byte of it and gives them back, one host thread that makes every engine call under a deadline
 * (a hang fails the test with that thread's stack instead of hanging the build), and an INVOKER engine whose loads
 * and compactions wait in queues until the host thread runs them.
 */
final class Bb33
{
    /** Deadline of each engine or store call: a call still running after it is a hang. */
    static final long CALL_SECONDS = 20;

    static final byte[] OPEN = new byte[0];

    private Bb33()
    {
    }

    /** The two durable stores. */
    enum Kind
    {
        ROCKSDB, LMDB;

        /** Opens the store in {@code dir}; LMDB with a 64 MiB map, far larger than the tmpfs under it. */
        WritableStore open(final Path dir)
        {
            return this == ROCKSDB ? RocksDbBackingStore.open(dir) : LmdbBackingStore.open(dir, 64L << 20, false);
        }
    }

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String s(final byte[] b)
    {
        return b == null ? null : new String(b, StandardCharsets.ISO_8859_1);
    }

    /** A value of {@code length} bytes that names its key and version (so a wrong version is visible). */
    static byte[] value(final String key, final long version, final int length)
    {
        final byte[] v = new byte[length];
        Arrays.fill(v, (byte)'.');
        final byte[] head = b(key + "@" + version + ":");
        System.arraycopy(head, 0, v, 0, Math.min(head.length, length));
        return v;
    }

    /** The store's own read of {@code key} at {@code version} (null if absent), through the public SPI. */
    static byte[] storeGet(final WritableStore store, final byte[] key, final long version)
    {
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(1 << 16);
        final int n = store.get(new UnsafeBuffer(key), 0, key.length, version, dst, 0);
        return n < 0 ? null : Arrays.copyOf(dst.byteArray(), n);
    }

    /** A tmpfs mounted on a fresh directory for one test; {@link #close()} unmounts it (lazily if it is busy). */
    static final class Tmpfs implements AutoCloseable
    {
        final Path dir;

        private Tmpfs(final Path dir)
        {
            this.dir = dir;
        }

        /**
         * Mount a tmpfs of {@code size} (mount's syntax, e.g. {@code 4m}) on a new directory under {@code parent},
         * or skip the test (JUnit assumption, printing why) where that is not allowed: not Linux, not root, no
         * {@code mount} binary, a container without the capability.
         */
        static Tmpfs mount(final Path parent, final String size)
        {
            final Path dir = parent.resolve("tmpfs-" + System.nanoTime());
            String why = null;
            if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux"))
            {
                why = "not Linux (" + System.getProperty("os.name") + ")";
            }
            else
            {
                try
                {
                    Files.createDirectories(dir);
                    why = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
                }
                catch (final IOException ex)
                {
                    why = ex.toString();
                }
            }
            if (why != null)
            {
                System.out.println("blackbox33: skipped, cannot mount a " + size + " tmpfs on " + dir + ": " + why);
            }
            final String reason = why;
            Assumptions.assumeTrue(reason == null, () -> "cannot mount a tmpfs (needs root on Linux): " + reason);
            return new Tmpfs(dir);
        }

        /** Remount the tmpfs on {@code dir} with a new size (mount's {@code remount,size=}); fails if mount refuses. */
        static void resize(final Path dir, final String size)
        {
            final String why = run("mount", "-o", "remount,size=" + size, dir.toString());
            if (why != null)
            {
                fail("remount of " + dir + " to " + size + ": " + why);
            }
        }

        @Override
        public void close()
        {
            if (run("umount", dir.toString()) != null)
            {
                final String lazy = run("umount", "-l", dir.toString());
                if (lazy != null)
                {
                    System.out.println("blackbox33: cannot unmount " + dir + ": " + lazy);
                }
            }
        }

        /** @return null if the command exited 0 within 10 s, else why not (its output). */
        private static String run(final String... command)
        {
            try
            {
                final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                if (!p.waitFor(10, TimeUnit.SECONDS))
                {
                    p.destroyForcibly();
                    return String.join(" ", command) + ": no answer within 10 s";
                }
                final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                return p.exitValue() == 0 ? null : String.join(" ", command) + ": exit " + p.exitValue() + ": " + out;
            }
            catch (final IOException ex)
            {
                return String.join(" ", command) + ": " + ex;
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return String.join(" ", command) + ": interrupted";
            }
        }
    }

    /**
     * The host's one thread: every call on the engine, its readers and its store runs here, bounded by
     * {@link #CALL_SECONDS}. A call past it fails the test with the host thread's stack (a hang found).
     */
    static final class Host implements AutoCloseable
    {
        private final ExecutorService thread = Executors.newSingleThreadExecutor(r ->
        {
            final Thread t = new Thread(r, "bb33-host");
            t.setDaemon(true);
            return t;
        });
        private volatile Thread hostThread;

        <T> T call(final String what, final Callable<T> body)
        {
            final Future<T> f = thread.submit(() ->
            {
                hostThread = Thread.currentThread();
                return body.call();
            });
            try
            {
                return f.get(CALL_SECONDS, TimeUnit.SECONDS);
            }
            catch (final TimeoutException ex)
            {
                final Thread t = hostThread;
                final StringBuilder stack = new StringBuilder();
                if (t != null)
                {
                    for (final StackTraceElement e : t.getStackTrace())
                    {
                        stack.append("\n\tat ").append(e);
                    }
                }
                f.cancel(true);
                throw new AssertionError("HANG: " + what + " still running after " + CALL_SECONDS + " s" + stack);
            }
            catch (final ExecutionException ex)
            {
                final Throwable cause = ex.getCause();
                if (cause instanceof RuntimeException r)
                {
                    throw r;
                }
                if (cause instanceof Error e)
                {
                    throw e;
                }
                throw new IllegalStateException(cause);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, ex);
            }
        }

        void run(final String what, final Runnable body)
        {
            call(what, () ->
            {
                body.run();
                return null;
            });
        }

        @Override
        public void close()
        {
            thread.shutdownNow();
        }
    }

    /**
     * An INVOKER engine owned by one {@link Host}: loads and compactions wait in queues until the host thread runs
     * them, so every step of a test happens in the order it is written. Records every write the engine acknowledged
     * ({@code OK}: the store has it) in a model, and every refused one apart.
     */
    static final class Rig implements AutoCloseable
    {
        final Host host;
        final Kind kind;
        final Path dir;
        final ArrayDeque<Runnable> loads = new ArrayDeque<>();
        final ArrayDeque<Runnable> compactions = new ArrayDeque<>();
        /** key -> version -> value of every write acknowledged {@code OK}. */
        final TreeMap<String, TreeMap<Long, byte[]>> acknowledged = new TreeMap<>();
        HybridEngine engine;

        /** Opens the store the engine runs (again at every {@link #open()}). */
        java.util.function.Supplier<WritableStore> opener;

        Rig(final Host host, final Kind kind, final Path dir)
        {
            this(host, kind, dir, () -> kind.open(dir));
        }

        Rig(final Host host, final Kind kind, final Path dir, final java.util.function.Supplier<WritableStore> opener)
        {
            this.host = host;
            this.kind = kind;
            this.dir = dir;
            this.opener = opener;
            open();
        }

        /** (Re)open the engine over the store {@link #opener} opens. */
        void open()
        {
            engine = host.call("open " + kind + " engine in " + dir, () -> HybridEngine.owning(opener.get(),
                RegionCacheConfig.builder().segmentSize(64 * 1024).capacityBytes(64L << 20)
                    .threading(RegionCacheConfig.Threading.INVOKER).loaderExecutor(loads::add)
                    .gcExecutor(compactions::add)));
        }

        CommandResult await(final String what, final CompletableFuture<CommandResult> f)
        {
            return host.call(what, () -> engine.await(f));
        }

        /** A command made and awaited on the host thread. */
        CommandResult command(final String what, final Callable<CompletableFuture<CommandResult>> c)
        {
            return host.call(what, () -> engine.await(c.call()));
        }

        /** Write {@code keys} at {@code version} in one batch; an {@code OK} is recorded as acknowledged. */
        CommandResult write(final long regionId, final long version, final int valueLength, final String... keys)
        {
            final io.regioncache.WriteBatch batch = new io.regioncache.WriteBatch(regionId, 1, version);
            for (final String k : keys)
            {
                batch.put(b(k), value(k, version, valueLength));
            }
            final CommandResult r = command("write v" + version, () -> engine.write(batch));
            if (r.code() == ResultCode.OK || r.code() == ResultCode.NOT_CACHED)
            {
                for (final String k : keys)
                {
                    acknowledged.computeIfAbsent(k, x -> new TreeMap<>()).put(version, value(k, version, valueLength));
                }
            }
            return r;
        }

        /** @return the newest acknowledged value of {@code key} at or below {@code version}, or null. */
        byte[] expected(final String key, final long version)
        {
            final TreeMap<Long, byte[]> versions = acknowledged.get(key);
            if (versions == null)
            {
                return null;
            }
            final Map.Entry<Long, byte[]> e = versions.floorEntry(version);
            return e == null ? null : e.getValue();
        }

        /** Load {@code region} and run its queued load to ACTIVE; returns the load command's answer. */
        CommandResult load(final Region region)
        {
            final CommandResult r = command("load " + region, () -> engine.loadRegion(region));
            host.run("run loads of " + region.id(), () ->
            {
                for (int i = 0; i < 100 && loading(engine.cache().stateOf(region.id())); i++)
                {
                    Runnable job;
                    while ((job = loads.poll()) != null)
                    {
                        job.run();
                    }
                    engine.applyCycle();
                }
            });
            return r;
        }

        private static boolean loading(final RegionState state)
        {
            return state == RegionState.PENDING || state == RegionState.LOADING;
        }

        /** Run every queued compaction job, then apply cycles; returns how many ran. */
        int runCompactions()
        {
            return host.call("run compactions", () ->
            {
                int n = 0;
                Runnable job;
                while ((job = compactions.poll()) != null)
                {
                    job.run();
                    n++;
                }
                for (int i = 0; i < 4; i++)
                {
                    engine.applyCycle();
                }
                return n;
            });
        }

        RegionState state(final long regionId)
        {
            return host.call("stateOf", () -> engine.cache().stateOf(regionId));
        }

        /** A get through a new hybrid reader; also returns whether the cache served it ({@code [0]} of served). */
        byte[] get(final long regionId, final long version, final String key, final boolean[] servedByCache)
        {
            return host.call("get " + key, () ->
            {
                try (HybridReader reader = engine.newReader())
                {
                    final byte[] v = reader.get(regionId, 1, version, b(key));
                    servedByCache[0] = reader.lastStatus() == io.regioncache.SnapshotStatus.OK;
                    return v;
                }
            });
        }

        /** One multiGet of {@code keys} through a new hybrid reader; null entries for absent keys. */
        byte[][] multiGet(final long regionId, final long version, final List<String> keys)
        {
            return host.call("multiGet", () ->
            {
                final ExpandableArrayBuffer kb = new ExpandableArrayBuffer(256);
                final int[] offsets = new int[keys.size()];
                final int[] lengths = new int[keys.size()];
                int at = 0;
                for (int i = 0; i < keys.size(); i++)
                {
                    final byte[] k = b(keys.get(i));
                    kb.putBytes(at, k);
                    offsets[i] = at;
                    lengths[i] = k.length;
                    at += k.length;
                }
                final UnsafeBuffer dst = new UnsafeBuffer(new byte[1 << 20]);
                final int[] vo = new int[keys.size()];
                final int[] vl = new int[keys.size()];
                try (HybridReader reader = engine.newReader())
                {
                    reader.multiGet(regionId, 1, version, kb, offsets, lengths, keys.size(), dst, 0, vo, vl);
                }
                final byte[][] out = new byte[keys.size()][];
                for (int i = 0; i < keys.size(); i++)
                {
                    out[i] = vl[i] < 0 ? null : Arrays.copyOfRange(dst.byteArray(), vo[i], vo[i] + vl[i]);
                }
                return out;
            });
        }

        /** A whole-region scan through a new hybrid reader: key -> value, and whether the cache served it. */
        TreeMap<String, byte[]> scan(final long regionId, final long version, final byte[] lo, final byte[] hi,
            final boolean[] servedByCache)
        {
            return host.call("scan " + regionId, () ->
            {
                final TreeMap<String, byte[]> out = new TreeMap<>();
                try (HybridReader reader = engine.newReader(); HybridScan scan = reader.scan(regionId, 1, version, lo,
                    hi))
                {
                    servedByCache[0] = scan.servedByCache();
                    while (scan.next())
                    {
                        out.put(s(scan.keyBytes()), scan.valueBytes());
                    }
                }
                return out;
            });
        }

        /** Assert every acknowledged key of {@code keys} reads its model value at {@code version}. */
        void assertReadsAcknowledged(final String when, final long regionId, final long version,
            final List<String> keys)
        {
            final boolean[] cache = new boolean[1];
            for (final String k : keys)
            {
                assertEquals(s(expected(k, version)), s(get(regionId, version, k, cache)),
                    when + ": get " + k + " at " + version + " in region " + regionId);
            }
            final byte[][] got = multiGet(regionId, version, keys);
            for (int i = 0; i < keys.size(); i++)
            {
                assertEquals(s(expected(keys.get(i), version)), s(got[i]),
                    when + ": multiGet " + keys.get(i) + " at " + version + " in region " + regionId);
            }
        }

        @Override
        public void close()
        {
            if (engine != null)
            {
                final HybridEngine e = engine;
                engine = null;
                host.run("close engine", e::close);
            }
        }
    }
}
