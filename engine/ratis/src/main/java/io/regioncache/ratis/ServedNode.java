package io.regioncache.ratis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One node as a process runs it ({@code NodeMain}, the tool's {@code serve}): the {@link ReplicaNode} and, if asked
 * for, its read-only HTTP endpoint ({@link NodeHttpServer}), both bound to the same address ({@code 127.0.0.1}
 * unless another is given).
 */
public final class ServedNode implements AutoCloseable
{
    /** Address bound when none is given: only this machine can reach the node. */
    public static final String DEFAULT_BIND = "127.0.0.1";

    private final ReplicaNode node;
    private final NodeHttpServer http;

    private ServedNode(final ReplicaNode node, final NodeHttpServer http)
    {
        this.node = node;
        this.http = http;
    }

    /**
     * @param id       this node's id (a key of {@code peers}).
     * @param peers    every node, id → host:port, the same list on every node.
     * @param dataDir  this node's data directory.
     * @param bindHost address the Raft server and the HTTP endpoint bind.
     * @param httpPort HTTP port (0: any free one), or null for no HTTP endpoint.
     * @param tls      mutual TLS for the node's gRPC traffic (Raft, admin, clients), or null for plaintext.
     * @return the running node.
     * @throws IOException if Ratis, RocksDB or the HTTP port cannot start.
     */
    public static ServedNode start(final String id, final Map<String, String> peers, final Path dataDir,
        final String bindHost, final Integer httpPort, final TlsFiles tls) throws IOException
    {
        final ReplicaNode node = ReplicaNode.start(new ReplicaNode.Config(id, peers, dataDir).bindHost(bindHost)
            .tls(tls));
        try
        {
            final NodeHttpServer http = httpPort == null ? null
                : NodeHttpServer.start(node, new InetSocketAddress(bindHost, httpPort));
            return new ServedNode(node, http);
        }
        catch (final IOException | RuntimeException ex)
        {
            node.close();
            throw ex;
        }
    }

    /**
     * @param peers {@code ID=HOST:PORT,ID=HOST:PORT,...}.
     * @return id → address, in the given order.
     * @throws IllegalArgumentException if an entry is not {@code ID=HOST:PORT} (port 1..65535), or two peers share
     *                                  an id or an address.
     */
    public static Map<String, String> parsePeers(final String peers)
    {
        final Map<String, String> map = new LinkedHashMap<>();
        for (final String p : peers.split(",", -1)) // -1: a trailing empty entry is refused like any other
        {
            final String[] kv = p.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank() || kv[1].lastIndexOf(':') <= 0)
            {
                throw new IllegalArgumentException("peer '" + p + "' is not ID=HOST:PORT");
            }
            final String address = kv[1].trim();
            try
            {
                Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("peer '" + p + "' has no numeric port", ex);
            }
            if (map.put(kv[0].trim(), address) != null)
            {
                throw new IllegalArgumentException("peer id " + kv[0].trim() + " given twice");
            }
        }
        ReplicaNode.checkPeers(map); // the node's own rules (port range, no shared address), as a usage error here
        return map;
    }

    /** @return the replica node. */
    public ReplicaNode node()
    {
        return node;
    }

    /** @return the HTTP endpoint, or null if none was asked for. */
    public NodeHttpServer http()
    {
        return http;
    }

    /** Stop the HTTP endpoint, then the node. */
    @Override
    public void close()
    {
        if (http != null)
        {
            http.close();
        }
        node.close();
    }
}
