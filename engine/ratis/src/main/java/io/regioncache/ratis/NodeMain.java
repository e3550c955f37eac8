package io.regioncache.ratis;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Start one node from the command line and run until killed:
 * <pre>
 * java -cp CLASSPATH io.regioncache.ratis.NodeMain --id n1 \
 *      --peers n1=127.0.0.1:9101,n2=127.0.0.1:9102,n3=127.0.0.1:9103 --data-dir /tmp/rc/n1 [--http-port 9201] [--bind ADDR]
 *      [--tls-cert n1.pem --tls-key n1.key --tls-ca ca.pem]
 * </pre>
 * Ratis binds the port of this node's entry in {@code --peers} on {@code --bind} (default {@code 127.0.0.1});
 * {@code --http-port} adds the read-only {@code /metrics} and {@code /regions} endpoint on the same address. Every node
 * must get the same {@code --peers} list. A node restarted with the same data directory recovers its regions. The three
 * {@code --tls-*} options (all or none) put every gRPC channel on mutual TLS ({@link TlsFiles}).
 */
public final class NodeMain
{
    private NodeMain()
    {
    }

    private static final String USAGE = "usage: NodeMain --id n1 --peers n1=127.0.0.1:9101,n2=...,n3=... --data-dir DIR"
        + " [--http-port P] [--bind ADDR] [--tls-cert F --tls-key F --tls-ca F]";
    /** Every option; each takes a value. */
    private static final java.util.Set<String> OPTIONS = java.util.Set.of("--id", "--peers", "--data-dir", "--bind",
        "--http-port", "--tls-cert", "--tls-key", "--tls-ca");
    /** How long SIGTERM waits for the node to close before the JVM exits anyway, as {@code serve} does. */
    private static final long CLOSE_BOUND_MILLIS = 60_000;

    /**
     * @param args {@code --id ID --peers ID=HOST:PORT,... --data-dir DIR}; a bad option (unknown, without its value,
     *             or with a value that does not parse) prints a message and the usage and exits with code 2, as
     *             {@code serve} does.
     * @throws Exception if the node cannot start.
     */
    public static void main(final String[] args) throws Exception
    {
        String id = null;
        String peers = null;
        String dataDir = null;
        String bind = ServedNode.DEFAULT_BIND;
        Integer httpPort = null;
        Path tlsCert = null;
        Path tlsKey = null;
        Path tlsCa = null;
        Map<String, String> map = null;
        TlsFiles tls = null;
        try
        {
            for (int i = 0; i < args.length; i += 2)
            {
                // The name first: an unknown option last on the line is unknown, not "without its value".
                if (!OPTIONS.contains(args[i]))
                {
                    throw new IllegalArgumentException("unknown option " + args[i]);
                }
                if (i + 1 >= args.length)
                {
                    throw new IllegalArgumentException("option " + args[i] + " needs a value");
                }
                final String value = args[i + 1];
                switch (args[i])
                {
                    case "--id" -> id = value;
                    case "--peers" -> peers = value;
                    case "--data-dir" -> dataDir = value;
                    case "--bind" -> bind = value;
                    case "--http-port" -> httpPort = port(value);
                    case "--tls-cert" -> tlsCert = Path.of(value);
                    case "--tls-key" -> tlsKey = Path.of(value);
                    case "--tls-ca" -> tlsCa = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (id == null || peers == null || dataDir == null)
            {
                throw new IllegalArgumentException("--id, --peers and --data-dir are required");
            }
            map = ServedNode.parsePeers(peers);
            if (!map.containsKey(id))
            {
                throw new IllegalArgumentException("--id " + id + " is not among --peers " + map.keySet());
            }
            tls = TlsFiles.ofOptions(tlsCert, tlsKey, tlsCa);
        }
        catch (final IllegalArgumentException ex) // InvalidPathException, a bad --tls-* path, is one too
        {
            System.err.println(ex.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        final ServedNode node = ServedNode.start(id, map, Path.of(dataDir), bind, httpPort, tls);
        final CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            // The close runs on its own thread, waited for at most CLOSE_BOUND_MILLIS: a close that hangs must not
            // keep the JVM from exiting (README: at most 60 s, as for serve).
            final Thread closer = new Thread(node::close, "regioncache-node-close");
            closer.setDaemon(true);
            closer.start();
            try
            {
                closer.join(CLOSE_BOUND_MILLIS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            stop.countDown();
        }, "regioncache-node-shutdown"));
        System.out.println("node " + id + " serving " + map.get(id) + " (bound to " + bind + (tls == null ? ", plaintext"
            : ", mutual TLS") + "), data in " + dataDir
            + (node.http() == null ? "" : ", http://" + bind + ":" + node.http().port() + "/metrics and /regions"));
        stop.await();
    }

    private static int port(final String value)
    {
        // ASCII digits only, as for --peers ports (ReplicaNode.portNumber): Integer.parseInt also takes a sign and
        // other scripts' digits.
        if (!value.matches("[0-9]+"))
        {
            throw new IllegalArgumentException("--http-port " + value + " is not a port number");
        }
        final int p = ReplicaNode.portNumber(value);
        if (p < 0)
        {
            throw new IllegalArgumentException("--http-port " + value + " is outside 0..65535");
        }
        return p;
    }
}
