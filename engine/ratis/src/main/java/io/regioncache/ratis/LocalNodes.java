package io.regioncache.ratis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

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
        final int[] ports = freePorts(n);
        for (int i = 1; i <= n; i++)
        {
            peers.put("n" + i, "127.0.0.1:" + ports[i - 1]);
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
        return freePorts(1)[0];
    }

    /** Lowest port {@link #freePorts} picks from. */
    private static final int PICK_FROM = 10_000;
    /** Where Linux's ephemeral range starts by default (when {@code ip_local_port_range} cannot be read). */
    private static final int DEFAULT_EPHEMERAL_LOW = 32_768;

    /**
     * Distinct TCP ports free on 127.0.0.1 now, for nodes that bind them a moment later. Two races made a node's
     * bind fail (and Ratis then exits the JVM): asking the kernel for port 0 once per node and closing each socket at
     * once can hand out the same port twice, and a port from the ephemeral range can be taken by an outgoing
     * connection's local port (the nodes started first already connect to each other) before its node binds it. So
     * each port is held bound until all are chosen, and the ports are picked at random below the kernel's ephemeral
     * range, which outgoing connections never use. Another process may still take one before it is bound.
     *
     * @param n how many.
     * @return {@code n} distinct ports.
     * @throws IOException if no free port is found after many tries.
     */
    public static int[] freePorts(final int n) throws IOException
    {
        final int high = ephemeralLow();
        final List<ServerSocket> held = new ArrayList<>();
        try
        {
            final int[] ports = new int[n];
            for (int i = 0; i < n; i++)
            {
                final ServerSocket s = high - PICK_FROM < 1_000 ? bindAny() : bindBelow(high);
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        }
        finally
        {
            for (final ServerSocket s : held)
            {
                s.close();
            }
        }
    }

    private static ServerSocket bindBelow(final int high) throws IOException
    {
        IOException last = null;
        for (int attempt = 0; attempt < 1_000; attempt++)
        {
            final ServerSocket s = new ServerSocket();
            try
            {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    ThreadLocalRandom.current().nextInt(PICK_FROM, high)));
                return s;
            }
            catch (final IOException busy)
            {
                s.close();
                last = busy;
            }
        }
        throw last;
    }

    private static ServerSocket bindAny() throws IOException
    {
        return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    /** @return the first port of the kernel's ephemeral range (Linux), or the usual default. */
    private static int ephemeralLow()
    {
        try
        {
            // Line by line, as cat reads it: the file reports a size of 0, so readAllBytes reads one byte first and
            // the kernel answers end-of-file to a read that does not start at offset 0 ("3" for "32768 60999"), which
            // sent freePorts into the ephemeral range it avoids.
            final String range = Files.readAllLines(Paths.get("/proc/sys/net/ipv4/ip_local_port_range"),
                StandardCharsets.US_ASCII).get(0).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        }
        catch (final IOException | RuntimeException unknown)
        {
            return DEFAULT_EPHEMERAL_LOW;
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
