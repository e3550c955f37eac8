package io.regioncache.ratis;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cluster of {@link ReplicaNode}s in this JVM: nodes {@code n1..nN} on free 127.0.0.1 ports, each with its own data
 * directory under one root (the tool's {@code drive --replicas}, the YCSB runner's {@code --start-cluster}, tests).
 * Closing closes every node; {@link #closeAll()} also reports a cache that still holds memory afterwards.
 */
public final class LocalNodes implements AutoCloseable
{
    private final Map<String, String> peers;
    private final List<ReplicaNode> nodes = new ArrayList<>();
    private boolean closed;

    private LocalNodes(final Map<String, String> peers)
    {
        this.peers = peers;
    }

    /**
     * Start {@code n} nodes with default settings.
     *
     * @param n    nodes (1 or more).
     * @param root their data directories' parent ({@code root/n1}, ...); an existing one is recovered.
     * @return the running nodes.
     * @throws IOException if a node cannot start (those already started are closed).
     */
    public static LocalNodes start(final int n, final Path root) throws IOException
    {
        if (n < 1)
        {
            throw new IllegalArgumentException("nodes " + n);
        }
        final Map<String, String> peers = new LinkedHashMap<>();
        for (int i = 1; i <= n; i++)
        {
            peers.put("n" + i, "127.0.0.1:" + freePort());
        }
        final LocalNodes c = new LocalNodes(Collections.unmodifiableMap(peers));
        try
        {
            for (final String id : peers.keySet())
            {
                c.nodes.add(ReplicaNode.start(new ReplicaNode.Config(id, peers, root.resolve(id))));
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            c.closeAll();
            throw ex;
        }
        return c;
    }

    /** @return a TCP port free on 127.0.0.1 now (another process may take it before it is bound). */
    public static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0))
        {
            return s.getLocalPort();
        }
    }

    /** @return node id → its Raft address (host:port). */
    public Map<String, String> peers()
    {
        return peers;
    }

    /** @return the peers as a command line names them: {@code ID=HOST:PORT,...}. */
    public String peerList()
    {
        final StringBuilder b = new StringBuilder();
        peers.forEach((id, a) -> b.append(b.length() == 0 ? "" : ",").append(id).append('=').append(a));
        return b.toString();
    }

    /** @return the running nodes. */
    public List<ReplicaNode> nodes()
    {
        return Collections.unmodifiableList(nodes);
    }

    /**
     * Close every node (once).
     *
     * @return the nodes whose cache still held memory after close ({@code "n1: 123 bytes"}); empty if none.
     */
    public List<String> closeAll()
    {
        final List<String> leaks = new ArrayList<>();
        if (closed)
        {
            return leaks;
        }
        closed = true;
        for (final ReplicaNode n : nodes)
        {
            n.close();
            final long inUse = n.engine().cache().memoryInUse();
            if (inUse != 0)
            {
                leaks.add(n.id() + ": " + inUse + " bytes");
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
