package io.regioncache.ratis.blackbox30;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BooleanSupplier;

import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.ProgressSignal;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaCheck;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.ReplicaState;

/**
 * A 3-node in-process cluster built from the public API only, as the other black-box audits build theirs: Raft
 * ports from {@link LocalNodes#freePorts} on 127.0.0.1, {@link ReplicaNode#start} with the default settings the README
 * describes, waits on the nodes' {@link ProgressSignal}s (README, "How the Ratis tests wait"), end checks with
 * {@link ReplicaCheck}. A node can be stopped (in-process, gracefully) and started again from its directory.
 */
final class Cluster30 implements AutoCloseable
{
    final Map<String, String> peers = new LinkedHashMap<>();
    /** Running nodes by id; a concurrent map, so that client threads may read the ids while faults change them. */
    final Map<String, ReplicaNode> running = new ConcurrentSkipListMap<>();
    /** Problems met while stopping nodes (errors counted before the stop, bytes left in use after it). */
    final List<String> problems = new ArrayList<>();
    private final Path root;

    Cluster30(final Path root) throws IOException
    {
        this.root = root;
        final int[] ports = LocalNodes.freePorts(3);
        for (int i = 1; i <= 3; i++)
        {
            peers.put("n" + i, "127.0.0.1:" + ports[i - 1]);
        }
        try
        {
            for (final String id : peers.keySet())
            {
                start(id);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    void start(final String id) throws IOException
    {
        running.put(id, ReplicaNode.start(new ReplicaNode.Config(id, peers, root.resolve(id))));
    }

    /** Stop a node; what it counted before the stop and the bytes its cache holds after it are checked. */
    void stop(final String id)
    {
        final ReplicaNode n = running.remove(id);
        final String errors = errorsOf(ReplicaState.of(n, false));
        if (errors != null)
        {
            problems.add("before stopping: " + errors);
        }
        n.close();
        final long inUse = n.engine().cache().memoryInUse();
        if (inUse != 0)
        {
            problems.add(id + " held " + inUse + " bytes in its cache after close");
        }
    }

    Collection<ReplicaNode> nodes()
    {
        return running.values();
    }

    /**
     * Wait on the running nodes' progress signals until the condition holds (no sleeping).
     *
     * @return whether it held in time.
     */
    boolean await(final BooleanSupplier condition, final long timeoutMs) throws InterruptedException
    {
        final List<ProgressSignal> signals = new ArrayList<>();
        for (final ReplicaNode n : running.values())
        {
            signals.add(n.progress());
        }
        return ProgressSignal.await(signals, condition, timeoutMs);
    }

    String awaitLeader(final long regionId) throws IOException, InterruptedException
    {
        return ReplicaCheck.awaitLeader(ReplicaCheck.of(running.values()), regionId, 60_000);
    }

    /** @return whether every running node hosts every region any running node knows. */
    boolean everyNodeHostsEveryRegion()
    {
        final Set<Long> all = ReplicaCheck.regions(running.values()).keySet();
        for (final ReplicaNode n : running.values())
        {
            if (!n.regions().keySet().containsAll(all))
            {
                return false;
            }
        }
        return true;
    }

    /** @return the errors a node's state must not show (README: zero INTERNAL_ERROR, STORE_ERROR, ...), or null. */
    static String errorsOf(final ReplicaState s)
    {
        final long merge = s.counter("merge_source_missing");
        if (s.internalErrors() != 0 || merge != 0)
        {
            return s.node() + ": engine_internal_error=" + s.counter("engine_internal_error") + " engine_store_error="
                + s.counter("engine_store_error") + " reply_store_error=" + s.counter("reply_store_error")
                + " rejected_in_log=" + s.counter("rejected_in_log") + " uninitialized_applies="
                + s.counter("uninitialized_applies") + " merge_source_missing=" + merge;
        }
        return null;
    }

    /**
     * The README's "Fault scenarios" end checks on the running nodes: converged, zero divergences, zero internal or
     * store errors, malformed entries and entries applied without data, no region left merging.
     */
    void endChecks(final String what) throws InterruptedException
    {
        final String why = ReplicaCheck.awaitConverged(running.values(), 60_000);
        if (why != null)
        {
            throw new AssertionError(what + ": not converged in 60 s: " + why + "\n" + describe());
        }
        final List<String> div = ReplicaCheck.divergences(running.values());
        if (!div.isEmpty())
        {
            throw new AssertionError(what + ": divergences " + div);
        }
        final List<String> errs = new ArrayList<>(problems);
        for (final ReplicaNode n : running.values())
        {
            final String e = errorsOf(ReplicaState.of(n, false));
            if (e != null)
            {
                errs.add(e);
            }
            for (final RegionMeta m : n.regions().values())
            {
                if (m.state() != RegionMeta.State.NORMAL)
                {
                    errs.add(n.id() + " region left " + m.state() + ": " + m);
                }
            }
        }
        if (!errs.isEmpty())
        {
            throw new AssertionError(what + ": " + errs);
        }
    }

    String describe()
    {
        final StringBuilder b = new StringBuilder();
        for (final ReplicaNode n : running.values())
        {
            b.append(n.id()).append(": ");
            n.regions().forEach((id, m) -> b.append(id).append("@").append(n.appliedIndex(id)).append("/")
                .append(n.commitIndex(id)).append(" ").append(n.role(id)).append(" ").append(m).append("; "));
            b.append('\n');
        }
        return b.toString();
    }

    /** Close every node; @return the nodes whose cache still held bytes after close, and earlier problems. */
    List<String> closeAll()
    {
        final List<String> leaks = new ArrayList<>(problems);
        for (final String id : new ArrayList<>(running.keySet()))
        {
            final ReplicaNode n = running.remove(id);
            n.close();
            final long inUse = n.engine().cache().memoryInUse();
            if (inUse != 0)
            {
                leaks.add(id + ": " + inUse + " bytes in use after close");
            }
        }
        return leaks;
    }

    @Override
    public void close()
    {
        closeAll();
    }
}
