package io.regioncache.ratis;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which of a node's replicas have waited too long for their first snapshot, and when each is next due a nudge.
 * <p>
 * A replica created on a node that never applied its region's split (the node learned the child from a parent
 * snapshot) starts empty and must be sent a snapshot by the region's leader. Ratis 3.2.2's leader can lose the log
 * appender of such a follower (RATIS-2487/RATIS-2499, fixed upstream after the newest release served here): the
 * follower then waits for good. If it hears nothing, its own election timeout forces a new leader (pre-vote is off);
 * if it still hears the leader, nothing does, so the node asks that leader to step down: the next leader starts
 * fresh appenders, which send the snapshot. The first nudge is due {@code firstNs} after the wait began; each later
 * one waits twice as long as the last, up to {@code maxNs}, so a snapshot that is merely slow to transfer is
 * disturbed at most a few times.
 * <p>
 * Threads: {@link #waiting} and {@link #arrived} run on state machine threads (a replica's initialize, its snapshot
 * install, its group's removal); {@link #due} on the node's group-operations thread. The map is concurrent and each
 * {@link Wait}'s schedule is written only by that one thread.
 */
final class SnapshotStallWatch
{
    private static final class Wait
    {
        final long sinceNs;
        long nextNs;   // written only by the group-operations thread (and the constructor)
        long backoffNs;

        Wait(final long sinceNs, final long firstNs)
        {
            this.sinceNs = sinceNs;
            this.nextNs = sinceNs + firstNs;
            this.backoffNs = firstNs;
        }
    }

    private final Map<Long, Wait> waits = new ConcurrentHashMap<>();
    private final long firstNs;
    private final long maxNs;

    /**
     * @param firstNs how long a replica may wait before its first nudge (&gt; 0).
     * @param maxNs   the longest gap between two nudges (&ge; firstNs).
     */
    SnapshotStallWatch(final long firstNs, final long maxNs)
    {
        if (firstNs <= 0 || maxNs < firstNs)
        {
            throw new IllegalArgumentException("first " + firstNs + " ns, max " + maxNs + " ns");
        }
        this.firstNs = firstNs;
        this.maxNs = maxNs;
    }

    /** A replica of the region started empty, at {@code nowNs}; a second call keeps the first start. */
    void waiting(final long regionId, final long nowNs)
    {
        waits.putIfAbsent(regionId, new Wait(nowNs, firstNs));
    }

    /** The region's replica holds data now (a snapshot arrived), or it is gone. */
    void arrived(final long regionId)
    {
        waits.remove(regionId);
    }

    /**
     * @param nowNs the time.
     * @return the regions due a nudge now, in id order; each one's next nudge is scheduled (the gap doubles).
     */
    long[] due(final long nowNs)
    {
        final TreeMap<Long, Wait> due = new TreeMap<>();
        waits.forEach((id, w) ->
        {
            if (nowNs - w.nextNs >= 0)
            {
                due.put(id, w);
            }
        });
        final long[] out = new long[due.size()];
        int i = 0;
        for (final Map.Entry<Long, Wait> e : due.entrySet())
        {
            final Wait w = e.getValue();
            w.backoffNs = Math.min(maxNs, w.backoffNs * 2);
            w.nextNs = nowNs + w.backoffNs;
            out[i++] = e.getKey();
        }
        return out;
    }

    /**
     * @param nowNs the time.
     * @return every waiting region and how long it has waited, in milliseconds (for diagnostics).
     */
    Map<Long, Long> waitedMs(final long nowNs)
    {
        final Map<Long, Long> out = new TreeMap<>();
        waits.forEach((id, w) -> out.put(id, (nowNs - w.sinceNs) / 1_000_000));
        return out;
    }
}
