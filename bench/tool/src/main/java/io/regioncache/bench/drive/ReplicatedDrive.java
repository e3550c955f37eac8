package io.regioncache.bench.drive;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.HdrHistogram.Histogram;

import io.regioncache.bench.support.TempDirs;
import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaCheck;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.ReplicaState;
import io.regioncache.ratis.TlsFiles;

/**
 * {@code drive --replicas N} and {@code drive --cluster ...}: the drive workload ({@link ReplicatedWorkload}: write
 * batches with deletes, gets on the leader and through a random replica's ReadIndex, scans across regions, splits
 * as regions take writes; every read checked against a per-key history of what the client acknowledged) through a
 * {@link RegionClient} against a replicated cluster (with {@code --faults}, leaders moved and merges committed and
 * rolled back beside it: {@link FaultInjector}), then a report per node (regions led and followed, reads served by
 * its cache and by its RocksDB, snapshots, leader changes) and a cross-replica check (converged; every replica's
 * RocksDB equal per region; every cached region equal to its node's RocksDB).
 * <p>
 * With {@code --replicas N} the driver starts N nodes (Apache Ratis over gRPC on 127.0.0.1, one data directory per
 * node) in this JVM and reads their {@link ReplicaState}s directly; with {@code --cluster} it drives running
 * {@code serve} processes and reads the same states from each node's HTTP endpoint ({@code GET /state},
 * {@code GET /digests}), so the check is the same {@link ReplicaCheck} either way.
 */
final class ReplicatedDrive
{
    private final DriveSettings st;
    /** The time between two faults ({@code --faults}), or null: none. */
    private final Duration faults;
    private final PrintWriter out;
    private final PrintWriter err;

    ReplicatedDrive(final DriveSettings st, final Duration faults, final PrintWriter out, final PrintWriter err)
    {
        this.st = st;
        this.faults = faults;
        this.out = out;
        this.err = err;
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
        LocalNodes cluster = null;
        int exit = 1;
        try
        {
            cluster = LocalNodes.start(replicas, root);
            err.println("started " + replicas + " nodes " + cluster.peers() + " in " + root);
            err.flush();
            try (RegionClient client = new RegionClient(cluster.peers()))
            {
                exit = drive(ReplicaCheck.of(cluster.nodes()), client,
                    replicas + " nodes (Ratis over gRPC on 127.0.0.1, one JVM)");
            }
        }
        finally
        {
            if (cluster != null)
            {
                final List<String> leaks = cluster.closeAll();
                out.println("memory in use after close: " + (leaks.isEmpty() ? "0 bytes on every node" : leaks));
                out.flush();
                if (!leaks.isEmpty())
                {
                    exit = 1;
                }
            }
            if (temp)
            {
                TempDirs.delete(root);
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
        try (RegionClient client = RegionClient.builder(peers).tls(tls).build())
        {
            return drive(new RemoteNodes(http), client,
                peers.size() + " running nodes " + peers + (tls == null ? "" : " over mutual TLS"));
        }
    }

    private int drive(final ReplicaCheck.Source nodes, final RegionClient client, final String what)
        throws IOException, InterruptedException
    {
        ReplicaCheck.awaitLeader(nodes, ReplicaNode.ROOT_REGION_ID, 60_000);
        final List<String> ids = new ArrayList<>();
        for (final ReplicaState s : nodes.states(false))
        {
            ids.add(s.node());
        }
        // Values carry this tag: what an earlier run on the same cluster wrote counts as the keys' prior state.
        final long tag = new SplittableRandom(st.seed() ^ System.nanoTime()).nextLong(1, 1L << 24);
        final ReplicatedWorkload workload = new ReplicatedWorkload(st, client, ids, tag);
        workload.presplit();
        client.refresh();
        final int regionsAtStart = client.routes().size();
        err.println("driving " + regionsAtStart + " regions, run tag " + Long.toHexString(tag));
        err.flush();
        final FaultInjector injector = faults == null ? null : new FaultInjector(client, ids, workload.keys(),
            regionsAtStart, faults, st.seed());
        final ReplicatedWorkload.Result r;
        FaultInjector.Counts fc = null;
        if (injector != null)
        {
            injector.start();
        }
        try
        {
            r = workload.run(err);
        }
        finally
        {
            if (injector != null)
            {
                fc = injector.stop(); // a merge in progress is finished first
            }
        }
        // Every merge the fault thread prepared was finished: no region may be left refusing writes.
        client.refresh();
        final List<String> stuck = new ArrayList<>();
        for (final RegionMeta m : client.routes())
        {
            if (m.state() != RegionMeta.State.NORMAL)
            {
                stuck.add(m.toString());
            }
        }
        final String why = ReplicaCheck.awaitConverged(nodes, 60_000);
        final List<ReplicaState> states = why == null ? ReplicaCheck.settledDigests(nodes) : nodes.states(false);
        final List<String> divergences = why == null ? ReplicaCheck.divergencesOf(states) : List.of();
        final int regionsAtEnd = ReplicaCheck.regionsOf(states).size();

        out.printf(Locale.ROOT, "replicated drive: %s, %d keys, %d regions at start, %d threads, read ratio %.2f " +
            "(scans %.2f of reads, %d keys each; a third of gets on a random replica), batches of %d keys (%.0f%% " +
            "deletes), a region splits after %d key writes%n", what, st.keys(), regionsAtStart,
            Math.max(1, st.threads()), st.readRatio(), st.scanRatio(), st.scanLength(), st.batchSize(),
            KeyPicker.DELETE_RATIO * 100, st.splitKeys());
        out.printf(Locale.ROOT, "ran %.1f s: %d write batches (%.0f/s), %d key writes (%.0f/s, %d deletes, %d " +
            "batches cut by a split and re-sent per region), %d splits (%d regions at end)%n", r.seconds, r.batches,
            r.batches / r.seconds, r.keyWrites, r.keyWrites / r.seconds, r.deletes, r.resplitBatches, r.splits,
            regionsAtEnd);
        if (fc != null)
        {
            out.println(FaultInjector.describe(fc, faults) + "; the workload's splits refused (a merge under way, " +
                "or split there first by a fault) " + r.splitsRefused + ", its batches sent again after a merge " +
                r.mergingResends);
            for (final String p : FaultInjector.problems(fc))
            {
                out.println("  fault: " + p);
            }
        }
        else if (r.splitsRefused > 0)
        {
            // Without --faults only another client can have split at the key first (or be merging the region).
            out.println("the workload's splits refused (split there first, or merging, by another client): " +
                r.splitsRefused);
        }
        if (!stuck.isEmpty())
        {
            out.println("regions left merging after the run: " + stuck);
        }
        out.printf(Locale.ROOT, "reads: %d gets (%d through a chosen replica's ReadIndex, %d found), %d scans " +
            "(%d keys returned, %d keys of another key space skipped)%n", r.gets, r.followerGets, r.found, r.scans,
            r.scannedKeys, r.foreignKeys);
        out.printf(Locale.ROOT, "checked: %d reads per key against the acknowledged writes: %d stale or lost, " +
            "%d wrong values, %d errors%n", r.readsChecked, r.violations.size(), r.wrong, r.errors);
        out.printf(Locale.ROOT, "latency p50 / p99: write batches %s, leader gets %s, follower gets %s, scans %s%n",
            p50p99(r.writeLatency), p50p99(r.leaderGetLatency), p50p99(r.followerGetLatency), p50p99(r.scanLatency));
        for (final String e : r.firstProblems)
        {
            out.println("  problem: " + e);
        }
        for (final String v : r.violations.subList(0, Math.min(5, r.violations.size())))
        {
            out.println("  history: " + v);
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
        out.println("cross-replica check: " + (why != null ? "NOT CONVERGED (" + why + ")"
            : divergences.isEmpty() ? "converged, " + regionsAtEnd + " regions equal on every replica, " +
                "every cached region equal to its node's RocksDB"
            : divergences.size() + " divergences: " + divergences));
        out.println("internal / store errors and malformed entries: " + internal);
        out.flush();
        return why == null && divergences.isEmpty() && r.violations.isEmpty() && r.wrong == 0 && r.errors == 0
            && internal == 0 && stuck.isEmpty() && (fc == null || fc.unfinished.isEmpty()) ? 0 : 1;
    }

    private static String p50p99(final Histogram h)
    {
        return h.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "%.2f / %.2f ms",
            h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3);
    }
}
