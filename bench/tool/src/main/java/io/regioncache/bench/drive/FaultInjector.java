package io.regioncache.bench.drive;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionClientException;
import io.regioncache.ratis.RegionMeta;

/**
 * {@code drive --replicas N --faults TIME} (and {@code --cluster}): what a real cluster does to its regions while they
 * serve, done on purpose by one thread beside the workload, one event every {@code TIME}, in turn: a region's
 * leadership moved to a random node (the one leading it already, about one time in N for N nodes: Ratis answers that
 * transfer OK and nothing moves), a merge of two adjacent regions prepared and committed, a leadership moved
 * again, a merge prepared and rolled back. While the cluster has fewer regions than the run started with (at least
 * two), a merge's turn splits a random region at a random one of its keys instead, so that merges keep coming however
 * slowly the workload's own splits do; the next merge is still the one due (committed or rolled back). These are
 * events behind TiKV's in-memory engine crashes (a merge rolled back, a leader moved); here they race the workload's
 * own splits and writes, and the drive's checks (every read against the acknowledged writes, the replicas converged
 * and equal, every cached region equal to its node's RocksDB) judge the result.
 * <p>
 * A fault the cluster refuses is counted, not failed: the workload races it (a split of the target between the
 * prepare and the commit makes the commit {@code INVALID}, a region the workload just split is gone from the route
 * read a moment before). A merge this thread prepared is always finished: committed, or rolled back when its commit
 * was refused; a sealed merge whose rollback is refused is committed. One it could not finish in
 * {@link #FINISH_ATTEMPTS} tries is reported in {@link Counts#unfinished}, and the drive fails (its source would
 * refuse writes forever).
 * <p>
 * Threads: {@link #start} starts the one fault thread; {@link #stop} stops and joins it and returns the counts, which
 * only the fault thread writes before the join.
 */
final class FaultInjector
{
    /** How often a prepared merge's commit or rollback is tried before it is reported unfinished. */
    static final int FINISH_ATTEMPTS = 5;
    private static final int KEEP_REFUSALS = 5;

    /** What the fault thread did. */
    static final class Counts
    {
        long leaderMoves;
        long leaderMovesRefused;
        /** Splits made on a merge's turn, the cluster having too few regions to merge. */
        long splits;
        long mergesCommitted;
        long mergesRolledBack;
        /** Merges not started: the prepare (the regions had changed) or the split in its place was refused. */
        long mergesRefused;
        /** Merges whose commit was refused and were then rolled back (also counted in {@link #mergesRolledBack}). */
        long commitsRefused;
        /** Merges this thread prepared and could not finish. */
        final List<String> unfinished = new ArrayList<>();
        /** The first refusals, for the report. */
        final List<String> firstRefusals = new ArrayList<>();
    }

    private final RegionClient client;
    private final List<String> nodes;
    private final DriveKeys keys;
    private final int minRegions;
    private final long everyNanos;
    private final SplittableRandom rng;
    private final Counts counts = new Counts();
    private volatile boolean stopping;
    /** Fault thread only: whether the next merge is committed (else rolled back). */
    private boolean nextMergeCommits = true;
    private Thread thread;

    /**
     * @param client     the drive's client (thread-safe; shared with the workload).
     * @param nodes      the cluster's node ids.
     * @param keys       the workload's keys (a split's key is one of them).
     * @param minRegions below this many regions (at least 2), a merge's turn splits instead.
     * @param every      the time between two faults (positive).
     * @param seed       the run's seed: which regions and nodes are chosen.
     */
    FaultInjector(final RegionClient client, final List<String> nodes, final DriveKeys keys, final int minRegions,
        final Duration every, final long seed)
    {
        this.client = client;
        this.nodes = List.copyOf(nodes);
        this.keys = keys;
        this.minRegions = Math.max(2, minRegions);
        this.everyNanos = every.toNanos();
        this.rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
    }

    /** Start the fault thread: its first fault comes one interval from now. */
    void start()
    {
        thread = new Thread(this::run, "drive-faults");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Stop after the fault in progress (a merge is finished first) and join the thread.
     *
     * @return what it did.
     * @throws InterruptedException if interrupted while joining.
     */
    Counts stop() throws InterruptedException
    {
        stopping = true;
        if (thread != null)
        {
            LockSupport.unpark(thread);
            thread.join();
        }
        return counts;
    }

    private void run()
    {
        long next = System.nanoTime() + everyNanos;
        for (int round = 0; ; round++)
        {
            for (long wait = next - System.nanoTime(); wait > 0 && !stopping; wait = next - System.nanoTime())
            {
                LockSupport.parkNanos(this, wait);
            }
            if (stopping)
            {
                return;
            }
            try
            {
                if ((round & 1) == 0)
                {
                    moveLeader();
                }
                else
                {
                    mergeTurn();
                }
            }
            catch (final RuntimeException ex)
            {
                // Not a refusal the cluster answered (those are counted where they happen): a bug here or a closed
                // client. Reported as unfinished, so the drive fails and says why.
                counts.unfinished.add("fault thread: " + ex);
                return;
            }
            // The next one TIME after this one was due, or at once if this one took longer (a merge's commit waits
            // for every replica): no burst of faults to catch up.
            next = Math.max(next + everyNanos, System.nanoTime());
        }
    }

    private void moveLeader()
    {
        client.refresh(); // a region merged away since the last look would answer REGION_GONE
        final List<RegionMeta> regions = client.routes();
        if (regions.isEmpty())
        {
            return;
        }
        final RegionMeta r = regions.get(rng.nextInt(regions.size()));
        final String to = nodes.get(rng.nextInt(nodes.size()));
        try
        {
            client.transferLeader(r.id(), to);
            counts.leaderMoves++;
        }
        catch (final RegionClientException ex)
        {
            counts.leaderMovesRefused++;
            refusal("leader of region " + r.id() + " to " + to + ": " + ex.status());
        }
    }

    /**
     * A merge's turn: the next merge, committed and rolled back in turn (a split in its place does not take a turn, so
     * that rollbacks come even while every other turn must split), or a split while there are too few regions.
     */
    private void mergeTurn()
    {
        client.refresh();
        final List<RegionMeta> regions = client.routes(); // in key order
        if (regions.size() < minRegions)
        {
            split(regions);
            return;
        }
        merge(regions, nextMergeCommits);
        nextMergeCommits = !nextMergeCommits;
    }

    /** Prepare a merge of two adjacent regions (the source chosen at random of the pair), then finish it. */
    private void merge(final List<RegionMeta> regions, final boolean commit)
    {
        final int i = rng.nextInt(regions.size() - 1);
        final boolean leftIsSource = rng.nextBoolean();
        final RegionMeta source = regions.get(leftIsSource ? i : i + 1);
        final RegionMeta target = regions.get(leftIsSource ? i + 1 : i);
        try
        {
            client.prepareMerge(source.id(), target.id());
        }
        catch (final RegionClientException ex)
        {
            counts.mergesRefused++;
            refusal("prepare merge of " + source.id() + " into " + target.id() + ": " + ex.status());
            return;
        }
        boolean tryCommit = commit;
        String last = null;
        for (int attempt = 0; attempt < FINISH_ATTEMPTS; attempt++)
        {
            try
            {
                if (tryCommit)
                {
                    client.commitMerge(source.id(), target.id());
                    counts.mergesCommitted++;
                }
                else
                {
                    client.rollbackMerge(source.id());
                    counts.mergesRolledBack++;
                    if (commit)
                    {
                        counts.commitsRefused++;
                    }
                }
                return;
            }
            catch (final RegionClientException ex)
            {
                last = (tryCommit ? "commit" : "rollback") + " of the merge of " + source.id() + " into " +
                    target.id() + ": " + ex.status() + " " + ex.getMessage();
                refusal(last);
                // A refused commit (the target split meanwhile, a replica late) is rolled back; a refused rollback
                // of a sealed merge whose target has not moved is committed, as RegionClient.rollbackMerge says.
                tryCommit = !tryCommit;
            }
        }
        counts.unfinished.add(last);
    }

    /**
     * Split a random region of at least two of the workload's keys at a random one of them past its first (not at the
     * middle, where the workload splits, so that the two seldom race for one key; when they do, the workload's split
     * is refused {@code INVALID} and counted).
     */
    private void split(final List<RegionMeta> regions)
    {
        final RegionMeta r = regions.get(rng.nextInt(regions.size()));
        final int s = keys.ceilIndex(r.start());
        final int e = keys.endIndex(r.end());
        if (e - s < 2)
        {
            counts.mergesRefused++;
            return;
        }
        try
        {
            client.split(keys.key(s + 1 + rng.nextInt(e - s - 1)));
            counts.splits++;
        }
        catch (final RegionClientException ex)
        {
            counts.mergesRefused++; // a merge of it under way (MERGING), or the key already starts a region
            refusal("split of region " + r.id() + ": " + ex.status());
        }
    }

    private void refusal(final String what)
    {
        if (counts.firstRefusals.size() < KEEP_REFUSALS)
        {
            counts.firstRefusals.add(what);
        }
    }

    /** @return the report's line for these counts. */
    static String describe(final Counts c, final Duration every)
    {
        final String interval = every.toMillis() % 1000 == 0 ? every.toSeconds() + " s" : every.toMillis() + " ms";
        return String.format(java.util.Locale.ROOT, "faults: one every %s: %d leader moves (%d refused), merges " +
            "%d committed and %d rolled back (%d of them after a refused commit), %d not started (the prepare " +
            "or the split refused), %d splits to have regions to merge, %d unfinished", interval, c.leaderMoves,
            c.leaderMovesRefused, c.mergesCommitted, c.mergesRolledBack, c.commitsRefused, c.mergesRefused, c.splits,
            c.unfinished.size());
    }

    /** @return the refusals worth printing: the first few, and every unfinished merge. */
    static List<String> problems(final Counts c)
    {
        final List<String> all = new ArrayList<>(c.firstRefusals);
        for (final String u : c.unfinished)
        {
            all.add("UNFINISHED " + u);
        }
        return Collections.unmodifiableList(all);
    }
}
