package io.regioncache.bench.drive;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import io.regioncache.ratis.KeyHistory;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionClientException;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.Reply;
import io.regioncache.ratis.ScanPage;

/**
 * The replicated drive's workload through a {@link RegionClient}, the local drive's shape ({@link KeyPicker}):
 * {@code threads} threads each issue, per operation, a read with probability {@code readRatio} (a short scan with
 * probability {@code scanRatio}, else a get, a third of them on a random replica through ReadIndex) or a write batch
 * of {@code batchSize} distinct keys of one region (2% deletes). A region that took {@code splitKeys} key writes
 * since its last split splits in the middle, from the thread whose batch crossed the threshold.
 * <p>
 * Every read is checked: a value must be exactly what the drive writes for its key ({@link DriveKeys#value}, whose
 * "version" is this run's tag and the key's write number); a scan's keys must be in order and in its range; and every
 * observation (each get, each key a scan returned, each key of a scanned range it did not return) goes into a
 * {@link KeyHistory}, which checks per key that each read returned the latest acknowledged write or one concurrent
 * with it. Each key has one writer thread ({@code key % threads}), so its writes stay in order.
 */
final class ReplicatedWorkload
{
    private static final long INDEX_MASK = (1L << 40) - 1;
    private static final int RESEND_ROUNDS = 3;
    private static final long MERGING_PAUSE_MILLIS = 250;

    /** What a run did. */
    static final class Result
    {
        double seconds;
        long batches;
        long keyWrites;
        long deletes;
        long resplitBatches;
        long gets;
        long followerGets;
        long found;
        long scans;
        long scannedKeys;
        long splits;
        /** Splits refused: a merge held the region, or the faults split it first (only with drive --faults). */
        long splitsRefused;
        /** Batches sent again after a merge held their region past the client's own retries (drive --faults). */
        long mergingResends;
        long wrong;
        long errors;
        long foreignKeys;
        long readsChecked;
        List<String> violations = List.of();
        final List<String> firstProblems = Collections.synchronizedList(new ArrayList<>());
        Histogram writeLatency;
        Histogram leaderGetLatency;
        Histogram followerGetLatency;
        Histogram scanLatency;
    }

    /** A region as of one epoch: the split counter restarts with each split (the right half keeps the id). */
    private record RegionKey(long id, long epoch)
    {
    }

    private final DriveSettings st;
    private final RegionClient client;
    private final List<String> nodes;
    private final DriveKeys keys;
    private final KeyPicker picker;
    private final KeyHistory<Integer> history = new KeyHistory<>();
    /** Each key's next write number; only its owner thread touches an element. */
    private final int[] nextWrite;
    private final long runTag;
    private final Map<RegionKey, AtomicLong> writtenSinceSplit = new ConcurrentHashMap<>();
    private final Recorder writeLat = new Recorder(3);
    private final Recorder leaderLat = new Recorder(3);
    private final Recorder followerLat = new Recorder(3);
    private final Recorder scanLat = new Recorder(3);
    private final LongAdder batches = new LongAdder();
    private final LongAdder keyWrites = new LongAdder();
    private final LongAdder deletes = new LongAdder();
    private final LongAdder resplit = new LongAdder();
    private final LongAdder gets = new LongAdder();
    private final LongAdder followerGets = new LongAdder();
    private final LongAdder found = new LongAdder();
    private final LongAdder scans = new LongAdder();
    private final LongAdder scannedKeys = new LongAdder();
    private final LongAdder splits = new LongAdder();
    private final LongAdder splitsRefused = new LongAdder();
    private final LongAdder mergingResends = new LongAdder();
    private final LongAdder wrong = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder foreign = new LongAdder();
    private final Result result = new Result();

    /**
     * @param st     settings.
     * @param client the cluster's client.
     * @param nodes  node ids (follower reads go to a random one).
     * @param runTag this run's tag (1 to 2^24 - 1): values of earlier runs count as the keys' state before this one.
     */
    ReplicatedWorkload(final DriveSettings st, final RegionClient client, final List<String> nodes, final long runTag)
    {
        this.st = st;
        this.client = client;
        this.nodes = nodes;
        this.keys = new DriveKeys(st.keys());
        this.picker = new KeyPicker(st);
        this.nextWrite = new int[st.keys()];
        this.runTag = runTag;
    }

    /** @return the keys written and read. */
    DriveKeys keys()
    {
        return keys;
    }

    /**
     * Split the key space into {@code regions} equal ranges (as the local drive's initial table), skipping a key
     * that already starts a region (a cluster driven before).
     *
     * @return splits made.
     */
    int presplit()
    {
        int made = 0;
        for (final RegionTable.Entry e : RegionTable.initial(keys, st.regions()).entries())
        {
            final byte[] at = e.region().start();
            if (at.length > 0 && !Arrays.equals(client.locate(at).start(), at))
            {
                client.split(at);
                made++;
            }
        }
        return made;
    }

    /**
     * Run until {@code ops} operations were issued or the duration passed, then check the history.
     *
     * @param err where live progress goes (null: none).
     * @return what happened.
     * @throws InterruptedException if interrupted.
     */
    Result run(final PrintWriter err) throws InterruptedException
    {
        final int threads = Math.max(1, st.threads());
        final long totalOps = st.ops() > 0 ? st.ops() : Long.MAX_VALUE;
        final long deadline = st.ops() > 0 ? Long.MAX_VALUE : System.nanoTime() + st.duration().toNanos();
        final AtomicLong issued = new AtomicLong();
        final List<Thread> workers = new ArrayList<>();
        final long start = System.nanoTime();
        for (int t = 0; t < threads; t++)
        {
            final int owner = t;
            final Thread w = new Thread(() -> work(owner, threads, issued, totalOps, deadline), "drive-replicas-" + t);
            w.start();
            workers.add(w);
        }
        for (final Thread w : workers)
        {
            w.join();
        }
        result.seconds = (System.nanoTime() - start) / 1e9;
        result.batches = batches.sum();
        result.keyWrites = keyWrites.sum();
        result.deletes = deletes.sum();
        result.resplitBatches = resplit.sum();
        result.gets = gets.sum();
        result.followerGets = followerGets.sum();
        result.found = found.sum();
        result.scans = scans.sum();
        result.scannedKeys = scannedKeys.sum();
        result.splits = splits.sum();
        result.splitsRefused = splitsRefused.sum();
        result.mergingResends = mergingResends.sum();
        result.wrong = wrong.sum();
        result.errors = errors.sum();
        result.foreignKeys = foreign.sum();
        result.writeLatency = writeLat.getIntervalHistogram();
        result.leaderGetLatency = leaderLat.getIntervalHistogram();
        result.followerGetLatency = followerLat.getIntervalHistogram();
        result.scanLatency = scanLat.getIntervalHistogram();
        if (err != null)
        {
            err.println("checking " + history.reads() + " reads per key");
            err.flush();
        }
        result.readsChecked = history.reads();
        result.violations = history.violations();
        return result;
    }

    private void work(final int owner, final int owners, final AtomicLong issued, final long totalOps,
        final long deadline)
    {
        final SplittableRandom rng = new SplittableRandom(st.seed() * 31 + owner);
        final int[] chosen = new int[st.batchSize()];
        while (issued.incrementAndGet() <= totalOps && System.nanoTime() < deadline)
        {
            try
            {
                if (rng.nextDouble() < st.readRatio())
                {
                    if (rng.nextDouble() < st.scanRatio())
                    {
                        scan(picker.next(rng));
                    }
                    else
                    {
                        get(picker.next(rng), rng.nextInt(3) == 0 ? nodes.get(rng.nextInt(nodes.size())) : null);
                    }
                }
                else
                {
                    writeBatch(rng, owner, owners, chosen);
                }
            }
            catch (final RuntimeException ex)
            {
                problem(errors, ex.toString());
            }
        }
    }

    private void problem(final LongAdder counter, final String what)
    {
        counter.increment();
        if (result.firstProblems.size() < 5)
        {
            result.firstProblems.add(what);
        }
    }

    // ------------------------------------------------------------------ writes

    private void writeBatch(final SplittableRandom rng, final int owner, final int owners, final int[] chosen)
    {
        final RegionMeta m = client.locate(keys.key(picker.next(rng)));
        final int start = keys.ceilIndex(m.start());
        final int end = keys.endIndex(m.end());
        if (end <= start)
        {
            return; // a region between two of this key space's keys (a cluster another key space split)
        }
        final int n = picker.batch(rng, start, end, owner, owners, chosen);
        if (n == 0)
        {
            return; // no key of this writer in the region
        }
        final Map<Integer, Boolean> batch = new HashMap<>();
        final int[] index = new int[n];
        for (int x = 0; x < n; x++)
        {
            final boolean delete = rng.nextDouble() < KeyPicker.DELETE_RATIO;
            batch.put(chosen[x], delete);
            index[x] = nextWrite[chosen[x]]++;
            if (delete)
            {
                deletes.increment();
            }
        }
        final Map<Integer, Integer> number = new HashMap<>();
        for (int x = 0; x < n; x++)
        {
            number.put(chosen[x], index[x]);
        }
        final long t0 = System.nanoTime();
        send(batch, number, t0, 0);
        writeLat.recordValue(Math.max(1, (System.nanoTime() - t0) / 1_000));
        batches.increment();
        keyWrites.add(n);
        final RegionMeta now = client.locate(keys.key(chosen[0]));
        final long after = writtenSinceSplit.computeIfAbsent(new RegionKey(now.id(), now.epochVersion()),
            k -> new AtomicLong()).addAndGet(n);
        if (after - n < st.splitKeys())
        {
            final int s = keys.ceilIndex(now.start());
            final int e = keys.endIndex(now.end());
            if (KeyPicker.shouldSplit(after, st.splitKeys(), e - s))
            {
                try
                {
                    client.split(keys.key(KeyPicker.middle(s, e)));
                    splits.increment();
                }
                catch (final RegionClientException ex)
                {
                    if (ex.status() != Reply.Status.MERGING && ex.status() != Reply.Status.INVALID)
                    {
                        throw ex;
                    }
                    // drive --faults: a merge holds the region (MERGING), or the fault thread split it at this key
                    // first (INVALID: the key already starts a region; RegionClient.split refuses nothing else for a
                    // key inside the range). Not split now: the region is at a new epoch, whose own count of writes
                    // splits it later.
                    splitsRefused.increment();
                }
            }
        }
    }

    /**
     * Send puts and deletes of one region; if a split cut the batch ({@code KEY_NOT_IN_REGION} before it was sent
     * again), send each region's part separately with the same write numbers (the same values: a part applied twice
     * writes the same thing).
     */
    private void send(final Map<Integer, Boolean> batch, final Map<Integer, Integer> number, final long t0,
        final int round)
    {
        final Map<byte[], byte[]> ops = new HashMap<>();
        batch.forEach((k, delete) -> ops.put(keys.key(k), delete ? null : value(k, number.get(k))));
        try
        {
            client.write(ops);
            final long t1 = System.nanoTime();
            batch.forEach((k, delete) -> history.write(k, number.get(k), delete, t0, t1, true));
        }
        catch (final RegionClientException ex)
        {
            if (ex.status() == Reply.Status.MERGING && round < RESEND_ROUNDS)
            {
                // The client retried for about a second while a merge (drive --faults) held the region. This attempt
                // was not applied (an earlier unanswered one may have been): sent again a little later with the same
                // write numbers, so the same values, and acknowledged in the history only when one is answered OK.
                mergingResends.increment();
                pause(MERGING_PAUSE_MILLIS);
                send(batch, number, t0, round + 1);
                return;
            }
            if (ex.status() == Reply.Status.KEY_NOT_IN_REGION && round < RESEND_ROUNDS && batch.size() > 1)
            {
                resplit.increment();
                final Map<Long, Map<Integer, Boolean>> parts = new HashMap<>();
                batch.forEach((k, delete) -> parts.computeIfAbsent(client.locate(keys.key(k)).id(),
                    id -> new HashMap<>()).put(k, delete));
                for (final Map<Integer, Boolean> part : parts.values())
                {
                    send(part, number, t0, round + 1);
                }
                return;
            }
            batch.forEach((k, delete) -> history.write(k, number.get(k), delete, t0, 0, false));
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            batch.forEach((k, delete) -> history.write(k, number.get(k), delete, t0, 0, false));
            throw ex;
        }
    }

    private static void pause(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    private byte[] value(final int k, final int writeNumber)
    {
        final byte[] v = new byte[st.valueSize()];
        DriveKeys.value(k, runTag << 40 | writeNumber, v);
        return v;
    }

    // ------------------------------------------------------------------ reads

    /**
     * @return what a value read for key {@code k} shows: this run's write number, {@link KeyHistory#INITIAL} for a
     *         value of another run, {@link KeyHistory#ABSENT}; or null (counted wrong) if it is not a value of the key.
     */
    private Integer observe(final int k, final byte[] v)
    {
        if (v == null)
        {
            return KeyHistory.ABSENT;
        }
        final long version = v.length >= 16 ? DriveKeys.longAt(v, 8) : -1;
        if (!DriveKeys.isValue(v, k, version))
        {
            problem(wrong, "key " + k + ": a value of " + v.length + " bytes naming key " +
                (v.length >= 8 ? DriveKeys.longAt(v, 0) : -1) + " that is not what the drive writes");
            return null;
        }
        if (v.length != st.valueSize() || version >>> 40 != runTag)
        {
            return KeyHistory.INITIAL;
        }
        return (int) (version & INDEX_MASK);
    }

    private void get(final int k, final String node)
    {
        final long t0 = System.nanoTime();
        final RegionClient.ReadResult r = node == null ? client.get(keys.key(k)) : client.getFromFollower(keys.key(k),
            node);
        final long t1 = System.nanoTime();
        (node == null ? leaderLat : followerLat).recordValue(Math.max(1, (t1 - t0) / 1_000));
        gets.increment();
        if (node != null)
        {
            followerGets.increment();
        }
        if (r.value() != null)
        {
            found.increment();
        }
        final Integer seen = observe(k, r.value());
        if (seen != null)
        {
            history.read(k, seen, t0, t1);
        }
    }

    /**
     * A scan of {@code [k, k + scanLength)} across regions: keys in order and in range, each value checked and
     * recorded; every key of the range up to where the scan stopped that it did not return is recorded absent.
     */
    private void scan(final int k)
    {
        final int hi = Math.min(keys.size(), k + st.scanLength());
        final byte[] upper = hi >= keys.size() ? new byte[0] : keys.key(hi);
        final long t0 = System.nanoTime();
        final List<ScanPage.KeyValue> kvs = client.scan(keys.key(k), upper, st.scanLength());
        final long t1 = System.nanoTime();
        scanLat.recordValue(Math.max(1, (t1 - t0) / 1_000));
        scans.increment();
        scannedKeys.add(kvs.size());
        int expect = k; // the next key index not yet accounted for
        byte[] previous = null;
        for (final ScanPage.KeyValue kv : kvs)
        {
            if (previous != null && Arrays.compareUnsigned(previous, kv.key()) >= 0)
            {
                problem(wrong, "scan from key " + k + ": keys out of order");
                return;
            }
            previous = kv.key();
            final int idx = keys.indexOf(kv.key());
            if (idx < 0)
            {
                foreign.increment(); // a key of another key space (an earlier run on this cluster)
                continue;
            }
            if (idx < k || idx >= hi)
            {
                problem(wrong, "scan of [" + k + ", " + hi + ") returned key " + idx);
                return;
            }
            for (; expect < idx; expect++)
            {
                history.read(expect, KeyHistory.ABSENT, t0, t1);
            }
            final Integer seen = observe(idx, kv.value());
            if (seen != null)
            {
                history.read(idx, seen, t0, t1);
            }
            expect = idx + 1;
        }
        if (kvs.size() < st.scanLength())
        {
            for (; expect < hi; expect++) // the scan covered its whole range
            {
                history.read(expect, KeyHistory.ABSENT, t0, t1);
            }
        }
    }
}
