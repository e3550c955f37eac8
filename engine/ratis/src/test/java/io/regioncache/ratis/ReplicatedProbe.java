package io.regioncache.ratis;

import static io.regioncache.ratis.History.b;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.EvictReason;
import io.regioncache.RegionState;

/**
 * Numbers, not a check (skipped unless {@code -Dratis.probe=true}): replicated write throughput and end-to-end read
 * latency on three in-process nodes over gRPC on localhost, written to {@code jmh-results/ratis-replicated.json}.
 * <pre>
 * mvn -B -pl engine/ratis -am verify -Dtest=ReplicatedProbe -Dsurefire.failIfNoSpecifiedTests=false -Dratis.probe=true
 * </pre>
 */
@EnabledIfSystemProperty(named = "ratis.probe", matches = "true")
class ReplicatedProbe
{
    private static final int KEYS = 2_000;
    private static final int BATCH = 16;

    private static long[] percentiles(final long[] nanos)
    {
        final long[] s = nanos.clone();
        Arrays.sort(s);
        return new long[] {s[s.length / 2], s[(int)(s.length * 0.99)]};
    }

    private static long[] reads(final RegionClient client, final String node, final int n)
    {
        final long[] lat = new long[n];
        for (int i = 0; i < n; i++)
        {
            final byte[] k = b(String.format("k%05d", (i * 7919) % KEYS));
            final long t0 = System.nanoTime();
            final byte[] v = node == null ? client.get(k).value() : client.getFromFollower(k, node).value();
            lat[i] = System.nanoTime() - t0;
            if (v == null)
            {
                throw new AssertionError("missing " + new String(k));
            }
        }
        return lat;
    }

    @Test
    void measure(@TempDir final Path dir) throws Exception
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> c.followerPolicy(ReplicaNode.FollowerCachePolicy.KEEP))
                 .startAll();
             RegionClient client = cluster.client())
        {
            final long root = ReplicaNode.ROOT_REGION_ID;
            final String leader = cluster.awaitLeader(root, 20_000);
            final String follower = leader.equals("n1") ? "n2" : "n1";

            for (int k = 0; k < KEYS; k += BATCH)
            {
                final Map<byte[], byte[]> ops = new LinkedHashMap<>();
                for (int j = k; j < k + BATCH; j++)
                {
                    ops.put(b(String.format("k%05d", j)), b("initial-" + j));
                }
                client.write(ops);
            }
            // Writes: 8 client threads, batches of 16 keys, for 8 seconds.
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong batches = new AtomicLong();
            final List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < 8; t++)
            {
                final int owner = t;
                ts.add(new Thread(() ->
                {
                    int round = 0;
                    while (!stop.get())
                    {
                        final Map<byte[], byte[]> ops = new LinkedHashMap<>();
                        for (int j = 0; j < BATCH; j++)
                        {
                            final int k = (owner * BATCH + j + round * 8 * BATCH) % KEYS;
                            ops.put(b(String.format("k%05d", k)), b("value-" + round + "-" + k));
                        }
                        client.write(ops);
                        batches.incrementAndGet();
                        round++;
                    }
                }));
            }
            final long t0 = System.nanoTime();
            ts.forEach(Thread::start);
            Thread.sleep(8_000);
            stop.set(true);
            for (final Thread t : ts)
            {
                t.join();
            }
            final double secs = (System.nanoTime() - t0) / 1e9;
            out.put("write_batches_per_s", Math.round(batches.get() / secs));
            out.put("write_keys_per_s", Math.round(batches.get() * BATCH / secs));
            out.put("write_threads", 8);
            out.put("batch_keys", BATCH);

            // Reads: the leader has the region cached (warm-up); a follower caches it after leading once (KEEP).
            cluster.awaitConverged(30_000);
            final ReplicaNode ln = cluster.node(leader);
            final ReplicaNode fn = cluster.node(follower);
            client.transferLeader(root, follower);
            while (fn.engine().cache().stateOf(root) != RegionState.ACTIVE)
            {
                Thread.sleep(10);
            }
            client.transferLeader(root, leader);
            while (!ln.isLeader(root) || ln.engine().cache().stateOf(root) != RegionState.ACTIVE)
            {
                Thread.sleep(10);
            }
            reads(client, leader, 2_000); // warm the JIT and the channels
            reads(client, follower, 2_000);
            final long lc0 = ln.counters().cacheReads();
            final long[] leaderCache = percentiles(reads(client, leader, 5_000));
            assertEquals(5_000, ln.counters().cacheReads() - lc0, "leader reads served by its cache");
            final long fc0 = fn.counters().cacheReads();
            final long[] followerCache = percentiles(reads(client, follower, 5_000));
            assertEquals(5_000, fn.counters().cacheReads() - fc0, "follower reads served by its cache");
            ln.engine().await(ln.engine().evict(root, EvictReason.MANUAL));
            fn.engine().await(fn.engine().evict(root, EvictReason.MANUAL));
            final long ls0 = ln.counters().storeReads();
            final long[] leaderStore = percentiles(reads(client, leader, 5_000));
            assertEquals(5_000, ln.counters().storeReads() - ls0, "leader reads served by RocksDB");
            final long[] followerStore = percentiles(reads(client, follower, 5_000));
            out.put("read_leader_cache_p50_us", leaderCache[0] / 1000);
            out.put("read_leader_cache_p99_us", leaderCache[1] / 1000);
            out.put("read_follower_cache_p50_us", followerCache[0] / 1000);
            out.put("read_follower_cache_p99_us", followerCache[1] / 1000);
            out.put("read_leader_rocksdb_p50_us", leaderStore[0] / 1000);
            out.put("read_leader_rocksdb_p99_us", leaderStore[1] / 1000);
            out.put("read_follower_rocksdb_p50_us", followerStore[0] / 1000);
            out.put("read_follower_rocksdb_p99_us", followerStore[1] / 1000);
            out.put("note", "3 Ratis nodes and the client in one JVM over gRPC on localhost; the machine's 2 cores are"
                + " shared by all nodes and by other builds; reads are end-to-end linearizable reads (ReadIndex)");
            out.put("load_average_1m", Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            cluster.assertHealthy();
        }
        final StringBuilder json = new StringBuilder("{\n");
        out.forEach((k, v) -> json.append(String.format(Locale.ROOT, "  \"%s\": %s,%n", k,
            v instanceof String ? "\"" + v + "\"" : v)));
        json.setLength(json.length() - 2);
        json.append("\n}\n");
        final Path file = Path.of(System.getProperty("user.dir")).resolve("../../jmh-results/ratis-replicated.json")
            .normalize();
        Files.writeString(file, json.toString());
        System.out.print(json);
    }
}
