package io.regioncache.bench.drive;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.HdrHistogram.Recorder;

import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.ReplicaCheck;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.ReplicaState;
import io.regioncache.ratis.TlsFiles;

/**
 * {@code drive --replicas N} and {@code drive --cluster ...}: a put/get workload through a {@link RegionClient} (a
 * third of the reads go to a random replica through ReadIndex) against a replicated cluster, then a report per node
 * (regions led and followed, reads served by its cache and by its RocksDB, snapshots, leader changes) and a
 * cross-replica check (converged; every replica's RocksDB equal per region; every cached region equal to its node's
 * RocksDB). Every value read is checked to be one written for its key.
 * <p>
 * With {@code --replicas N} the driver starts N nodes (Apache Ratis over gRPC on 127.0.0.1, one data directory per
 * node) in this JVM and reads their {@link ReplicaState}s directly; with {@code --cluster} it drives running
 * {@code serve} processes and reads the same states from each node's HTTP endpoint ({@code GET /state},
 * {@code GET /digests}), so the check is the same {@link ReplicaCheck} either way.
 */
final class ReplicatedDrive
{
    /** Where the nodes' states come from. */
    interface Nodes
    {
        /**
         * @param digests with per-region digests and the cache cross-check.
         * @return every node's state now.
         * @throws IOException if a node does not answer.
         */
        List<ReplicaState> states(boolean digests) throws IOException;
    }

    private final DriveSettings st;
    private final PrintWriter out;
    private final PrintWriter err;

    ReplicatedDrive(final DriveSettings st, final PrintWriter out, final PrintWriter err)
    {
        this.st = st;
        this.out = out;
        this.err = err;
    }

    static byte[] key(final int i)
    {
        return String.format(Locale.ROOT, "k%015d", i).getBytes(StandardCharsets.US_ASCII);
    }

    private byte[] value(final int i, final long n)
    {
        final byte[] v = new byte[Math.max(32, st.valueSize())];
        Arrays.fill(v, (byte) '.');
        final byte[] head = String.format(Locale.ROOT, "%015d:%015d", i, n).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, v, 0, head.length);
        return v;
    }

    private static boolean valueOf(final byte[] v, final int i)
    {
        return v.length >= 15 && new String(v, 0, 15, StandardCharsets.US_ASCII)
            .equals(String.format(Locale.ROOT, "%015d", i));
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0))
        {
            return s.getLocalPort();
        }
    }

    /**
     * {@code --replicas}: start {@code replicas} nodes in this JVM, drive them, close them (every node's cache must
     * then hold 0 bytes).
     *
     * @param replicas nodes.
     * @return exit code: 0 = converged, no divergence, no error, no wrong value; 1 otherwise.
     */
    int runLocal(final int replicas) throws IOException, InterruptedException
    {
        final boolean temp = st.dataDir() == null;
        final Path root = temp ? Files.createTempDirectory("regioncache-replicas") : st.dataDir();
        final Map<String, String> peers = new LinkedHashMap<>();
        for (int i = 1; i <= replicas; i++)
        {
            peers.put("n" + i, "127.0.0.1:" + freePort());
        }
        final List<ReplicaNode> nodes = new ArrayList<>();
        int exit = 1;
        try
        {
            for (final String id : peers.keySet())
            {
                nodes.add(ReplicaNode.start(new ReplicaNode.Config(id, peers, root.resolve(id))));
            }
            err.println("started " + replicas + " nodes " + peers + " in " + root);
            err.flush();
            final Nodes view = digests ->
            {
                final List<ReplicaState> states = new ArrayList<>();
                for (final ReplicaNode n : nodes)
                {
                    states.add(ReplicaState.of(n, digests));
                }
                return states;
            };
            try (RegionClient client = new RegionClient(peers))
            {
                exit = drive(view, client, nodes.size() + " nodes (Ratis over gRPC on 127.0.0.1, one JVM)");
            }
        }
        finally
        {
            final List<String> leaks = new ArrayList<>();
            for (final ReplicaNode n : nodes)
            {
                n.close();
                final long inUse = n.engine().cache().memoryInUse();
                if (inUse != 0)
                {
                    leaks.add(n.id() + " " + inUse + " bytes");
                }
            }
            out.println("memory in use after close: " + (leaks.isEmpty() ? "0 bytes on every node" : leaks));
            out.flush();
            if (!leaks.isEmpty())
            {
                exit = 1;
            }
            if (temp)
            {
                deleteTree(root);
            }
        }
        return exit;
    }

    /**
     * {@code --cluster}: drive running nodes, read their states from their HTTP endpoints; the nodes keep running.
     *
     * @param peers every node's Raft address.
     * @param http  every node's HTTP endpoint (host:port), same ids.
     * @param tls   the client's TLS files, or null (plaintext).
     * @return exit code: 0 = converged, no divergence, no error, no wrong value; 1 otherwise.
     */
    int runRemote(final Map<String, String> peers, final Map<String, String> http, final TlsFiles tls)
        throws IOException, InterruptedException
    {
        final Nodes view = new RemoteNodes(http);
        try (RegionClient client = RegionClient.builder(peers).tls(tls).build())
        {
            return drive(view, client, peers.size() + " running nodes " + peers + (tls == null ? "" : " over mutual TLS"));
        }
    }

    private int drive(final Nodes nodes, final RegionClient client, final String what)
        throws IOException, InterruptedException
    {
        awaitLeader(nodes, ReplicaNode.ROOT_REGION_ID);
        final List<String> ids = new ArrayList<>();
        for (final ReplicaState s : nodes.states(false))
        {
            ids.add(s.node());
        }
        for (int r = 1; r < st.regions(); r++)
        {
            final byte[] at = key((int) ((long) st.keys() * r / st.regions()));
            if (!Arrays.equals(client.locate(at).start(), at)) // a cluster driven before may be split there
            {
                client.split(at);
            }
        }
        final int threads = Math.max(1, st.threads());
        final long totalOps = st.ops() > 0 ? st.ops() : Long.MAX_VALUE;
        final long deadline = st.ops() > 0 ? Long.MAX_VALUE : System.nanoTime() + st.duration().toNanos();
        final AtomicLong issued = new AtomicLong();
        final AtomicLong writes = new AtomicLong();
        final AtomicLong reads = new AtomicLong();
        final AtomicLong followerReads = new AtomicLong();
        final AtomicLong found = new AtomicLong();
        final AtomicLong wrong = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final Recorder writeLat = new Recorder(3);
        final Recorder readLat = new Recorder(3);
        final List<Thread> workers = new ArrayList<>();
        final List<String> firstErrors = java.util.Collections.synchronizedList(new ArrayList<>());
        final long start = System.nanoTime();
        for (int t = 0; t < threads; t++)
        {
            final SplittableRandom rnd = new SplittableRandom(st.seed() * 31 + t);
            final Thread w = new Thread(() ->
            {
                while (issued.incrementAndGet() <= totalOps && System.nanoTime() < deadline)
                {
                    final int i = rnd.nextInt(st.keys());
                    final long t0 = System.nanoTime();
                    try
                    {
                        if (rnd.nextDouble() < st.readRatio())
                        {
                            final boolean follower = rnd.nextInt(3) == 0;
                            final RegionClient.ReadResult r = follower
                                ? client.getFromFollower(key(i), ids.get(rnd.nextInt(ids.size())))
                                : client.get(key(i));
                            readLat.recordValue(Math.max(1, (System.nanoTime() - t0) / 1_000));
                            reads.incrementAndGet();
                            if (follower)
                            {
                                followerReads.incrementAndGet();
                            }
                            if (r.value() != null)
                            {
                                found.incrementAndGet();
                                if (!valueOf(r.value(), i))
                                {
                                    wrong.incrementAndGet();
                                }
                            }
                        }
                        else
                        {
                            client.put(key(i), value(i, writes.incrementAndGet()));
                            writeLat.recordValue(Math.max(1, (System.nanoTime() - t0) / 1_000));
                        }
                    }
                    catch (final RuntimeException ex)
                    {
                        errors.incrementAndGet();
                        if (firstErrors.size() < 5)
                        {
                            firstErrors.add(ex.toString());
                        }
                    }
                }
            }, "drive-replicas-" + t);
            w.start();
            workers.add(w);
        }
        for (final Thread w : workers)
        {
            w.join();
        }
        final double secs = (System.nanoTime() - start) / 1e9;
        final String why = awaitConverged(nodes, 60_000);
        final List<ReplicaState> states = why == null ? digestsOfConverged(nodes) : nodes.states(false);
        final List<String> divergences = why == null ? ReplicaCheck.divergencesOf(states) : List.of();

        out.printf(Locale.ROOT, "replicated drive: %s, %d keys, " +
            "%d regions at start, %d threads, read ratio %.2f (a third of reads on a random replica)%n",
            what, st.keys(), st.regions(), threads, st.readRatio());
        out.printf(Locale.ROOT, "ran %.1f s: %d writes (%.0f/s), %d reads (%d on a chosen replica, %d found, " +
            "%d wrong values), %d errors%n", secs, writes.get(), writes.get() / secs, reads.get(), followerReads.get(),
            found.get(), wrong.get(), errors.get());
        final org.HdrHistogram.Histogram wh = writeLat.getIntervalHistogram();
        final org.HdrHistogram.Histogram rh = readLat.getIntervalHistogram();
        out.printf(Locale.ROOT, "latency p50 / p99: writes %.2f / %.2f ms, reads %.2f / %.2f ms%n",
            wh.getValueAtPercentile(50) / 1e3, wh.getValueAtPercentile(99) / 1e3,
            rh.getValueAtPercentile(50) / 1e3, rh.getValueAtPercentile(99) / 1e3);
        for (final String e : firstErrors)
        {
            out.println("  error: " + e);
        }
        out.printf(Locale.ROOT, "%-4s %5s %8s %10s %10s %7s %9s %9s %8s %8s%n", "node", "led", "followed",
            "cache rd", "rocks rd", "hit", "snap tkn", "snap inst", "ldr chg", "evicted");
        long internal = 0;
        for (final ReplicaState n : states)
        {
            final long cache = n.counter("cache_reads");
            final long total = cache + n.counter("store_reads");
            out.printf(Locale.ROOT, "%-4s %5d %8d %10d %10d %6.1f%% %9d %9d %8d %8d%n", n.node(), n.led(),
                n.followed(), cache, n.counter("store_reads"), total == 0 ? 0.0 : 100.0 * cache / total,
                n.counter("snapshots_taken"), n.counter("snapshots_installed"), n.counter("leader_changes"),
                n.counter("follower_evictions"));
            internal += n.internalErrors();
        }
        final List<Long> regionIds = new ArrayList<>(ReplicaCheck.regionsOf(states).keySet());
        out.println("cross-replica check: " + (why != null ? "NOT CONVERGED (" + why + ")"
            : divergences.isEmpty() ? "converged, " + regionIds.size() + " regions equal on every replica, " +
                "every cached region equal to its node's RocksDB"
            : divergences.size() + " divergences: " + divergences));
        out.println("internal / store errors and malformed entries: " + internal);
        out.flush();
        return why == null && divergences.isEmpty() && wrong.get() == 0 && errors.get() == 0 && internal == 0
            ? 0 : 1;
    }

    private static void awaitLeader(final Nodes nodes, final long regionId) throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline)
        {
            for (final ReplicaState n : nodes.states(false))
            {
                final ReplicaState.Replica r = n.replicas().get(regionId);
                if (r != null && "LEADER".equals(r.role()))
                {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no leader for region " + regionId + " after 60 s");
    }

    /** @return null once the nodes' states show convergence, else the last problem seen at the deadline. */
    private static String awaitConverged(final Nodes nodes, final long timeoutMs)
        throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        String why = ReplicaCheck.convergenceProblemOf(nodes.states(false));
        while (why != null && System.nanoTime() < deadline)
        {
            Thread.sleep(100);
            why = ReplicaCheck.convergenceProblemOf(nodes.states(false));
        }
        return why;
    }

    /**
     * @return states with digests, retaken (a few times) while a replica's digest is missing: a late apply (an
     *         automatic snapshot's bookkeeping, a leader's first entry) can move an index while a node hashes.
     */
    private static List<ReplicaState> digestsOfConverged(final Nodes nodes) throws IOException, InterruptedException
    {
        List<ReplicaState> states = nodes.states(true);
        for (int i = 0; i < 5 && !ReplicaCheck.divergencesOf(states).isEmpty(); i++)
        {
            Thread.sleep(200);
            states = nodes.states(true);
        }
        return states;
    }

    private static void deleteTree(final Path root)
    {
        try (Stream<Path> walk = Files.walk(root))
        {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ignored)
        {
            // best effort: a temporary directory
        }
    }
}
