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

    /**
     * @param args {@code --id ID --peers ID=HOST:PORT,... --data-dir DIR}.
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
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            switch (args[i])
            {
                case "--id" -> id = args[i + 1];
                case "--peers" -> peers = args[i + 1];
                case "--data-dir" -> dataDir = args[i + 1];
                case "--bind" -> bind = args[i + 1];
                case "--http-port" -> httpPort = Integer.valueOf(args[i + 1]);
                case "--tls-cert" -> tlsCert = Path.of(args[i + 1]);
                case "--tls-key" -> tlsKey = Path.of(args[i + 1]);
                case "--tls-ca" -> tlsCa = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (id == null || peers == null || dataDir == null)
        {
            System.err.println("usage: NodeMain --id n1 --peers n1=127.0.0.1:9101,n2=...,n3=... --data-dir DIR"
                + " [--http-port P] [--bind ADDR] [--tls-cert F --tls-key F --tls-ca F]");
            System.exit(2);
        }
        final Map<String, String> map = ServedNode.parsePeers(peers);
        final TlsFiles tls = TlsFiles.ofOptions(tlsCert, tlsKey, tlsCa);
        final ServedNode node = ServedNode.start(id, map, Path.of(dataDir), bind, httpPort, tls);
        final CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            node.close();
            stop.countDown();
        }, "regioncache-node-shutdown"));
        System.out.println("node " + id + " serving " + map.get(id) + " (bound to " + bind + (tls == null ? ", plaintext"
            : ", mutual TLS") + "), data in " + dataDir
            + (node.http() == null ? "" : ", http://" + bind + ":" + node.http().port() + "/metrics and /regions"));
        stop.await();
    }
}
