package io.regioncache.bench.drive;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.ServedNode;
import io.regioncache.ratis.TlsFiles;

/**
 * {@code regioncache serve --id n1 --peers n1=127.0.0.1:9101,n2=...,n3=... --data-dir DIR [--http-port P]}: run one
 * replicated node (Apache Ratis over gRPC, one Raft group per region) until the process is stopped.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Run one node of a replicated RegionCache cluster (Apache Ratis, one Raft group per region) " +
        "until stopped. Start every node with the same --peers; the first start creates region 1 (every key), a " +
        "restart with the same --data-dir recovers its regions.")
public final class ServeCommand implements Callable<Integer>
{
    /** How long SIGTERM's hook waits for the node's close (Ratis' stop snapshot, RocksDB) before the JVM halts. */
    private static final long CLOSE_ON_SIGTERM_SECONDS = 60;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "This node's id (one of --peers).")
    String id;

    @Option(names = "--peers", required = true, paramLabel = "ID=HOST:PORT,...",
        description = "Every node of the cluster with its Raft (gRPC) address, the same list on every node.")
    String peers;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR",
        description = "This node's directory (RocksDB, Raft logs and snapshots).")
    Path dataDir;

    @Option(names = "--http-port", paramLabel = "PORT",
        description = "Serve read-only GET /metrics (Prometheus text) and /regions (JSON) on this port (0: any).")
    String httpPortText;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = ServedNode.DEFAULT_BIND,
        description = "Address the Raft server and the HTTP endpoint bind (default: ${DEFAULT-VALUE}, only this " +
            "machine can connect; 0.0.0.0 for every interface).")
    String bind;

    @Option(names = "--tls-cert", paramLabel = "FILE",
        description = "This node's certificate (PEM). With --tls-key and --tls-ca: Raft, admin and client traffic " +
            "run over mutual TLS; peers and clients must present a certificate signed by the --tls-ca CA.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "This node's private key (PEM, PKCS#8).")
    Path tlsKey;

    @Option(names = "--tls-ca", paramLabel = "FILE", description = "The CA certificate(s) trusted (PEM).")
    Path tlsCa;

    /** Counted down to stop a node started by {@link #call()} (the shutdown hook does it for a process). */
    final CountDownLatch stop = new CountDownLatch(1);
    /** The running node, once started. */
    volatile ServedNode served;
    /** Completed with the node once it serves, or with why it could not start: wait on it, do not poll served. */
    final CompletableFuture<ServedNode> started = new CompletableFuture<>();

    @Override
    public Integer call() throws Exception
    {
        final ServedNode node;
        try
        {
            node = start();
        }
        catch (final Exception | Error ex)
        {
            started.completeExceptionally(ex);
            throw ex;
        }
        // SIGTERM: the JVM halts once its shutdown hooks return, so the hook waits for the close below (Ratis' stop
        // snapshot, RocksDB) instead of only asking for it; a hook that merely counted down let the JVM halt mid-close.
        final CountDownLatch closed = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            stop.countDown();
            try
            {
                // Bounded: a close that hangs must not make SIGTERM hang the process with it.
                if (!closed.await(CLOSE_ON_SIGTERM_SECONDS, TimeUnit.SECONDS))
                {
                    System.err.println("serve: the node did not close within " + CLOSE_ON_SIGTERM_SECONDS +
                        " s of SIGTERM; exiting anyway");
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "regioncache-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try
        {
            stop.await();
        }
        finally
        {
            try
            {
                node.close();
            }
            finally
            {
                closed.countDown();
            }
            served = null;
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ignored)
            {
                // the JVM is shutting down: the hook is running
            }
        }
        return 0;
    }

    /**
     * Start the node described by the options.
     *
     * @return the running node.
     * @throws Exception if it cannot start.
     */
    ServedNode start() throws Exception
    {
        final Map<String, String> map;
        try
        {
            map = ServedNode.parsePeers(peers);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--peers: " + ex.getMessage());
        }
        if (!map.containsKey(id))
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--id " + id + " is not among --peers " + map.keySet());
        }
        // ASCII digits only, as for --peers ports (ReplicaNode.portNumber): picocli's Integer takes a sign and other
        // scripts' digits.
        if (httpPortText != null && !httpPortText.matches("[0-9]+"))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--http-port: " + httpPortText
                + " is not a port number");
        }
        final Integer httpPort = httpPortText == null ? null : ReplicaNode.portNumber(httpPortText);
        if (httpPort != null && httpPort < 0)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--http-port: " + httpPortText
                + " is outside 0..65535");
        }
        final TlsFiles tls;
        try
        {
            tls = TlsFiles.ofOptions(tlsCert, tlsKey, tlsCa);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        final ServedNode node = ServedNode.start(id, map, dataDir, bind, httpPort, tls);
        final PrintWriter out = spec.commandLine().getOut();
        out.println("node " + id + " serving Raft on " + map.get(id) + " (bound to " + bind
            + (tls == null ? ", plaintext" : ", mutual TLS") + "), data in " + dataDir
            + (node.http() == null ? "" : "; http://" + bind + ":" + node.http().port() + "/metrics and /regions"));
        out.flush();
        served = node;
        started.complete(node);
        return node;
    }
}
