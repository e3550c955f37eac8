package io.regioncache.ratis;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import io.regioncache.Region;
import io.regioncache.RegionInfo;
import io.regioncache.micrometer.RegionCacheMeterBinder;

/**
 * A node's read-only HTTP endpoint (JDK {@link HttpServer}), as TiKV's status server:
 * <ul>
 * <li>{@code GET /metrics}: Prometheus text format from a Micrometer Prometheus registry holding the engine's
 * {@link RegionCacheMeterBinder} gauges ({@code regioncache_*}), the node's counters ({@code regioncache_node_*_total},
 * among them {@code snapshots_taken} and {@code snapshots_installed}) and per-region Raft gauges
 * ({@code regioncache_raft_role{region,role}} = 1 for the replica's current role, {@code regioncache_raft_leader},
 * {@code regioncache_raft_commit_index}, {@code regioncache_raft_applied_index}), refreshed at each scrape since
 * splits and merges add and remove regions;</li>
 * <li>{@code GET /regions}: JSON of the node's cached regions ({@code RegionCache.regions()}, as TiKV's
 * {@code /cached_regions}) and of the region replicas it hosts with their Raft role and indexes;</li>
 * <li>{@code GET /state}: the node's {@link ReplicaState} (every replica's exact region view, role, commit and
 * applied index; the node's counters; bytes its cache holds), what {@code drive --cluster} reports and checks
 * convergence with;</li>
 * <li>{@code GET /digests}: the same with, per region, a digest of every stored MVCC entry of its range at the
 * applied index, and the node's cached regions cross-checked against its RocksDB: the cross-replica check done
 * remotely. It scans the node's whole RocksDB, so it is for checks, not for a scraper.</li>
 * </ul>
 * Any other method gets 405 (with {@code Allow: GET}), any other path 404. Binds {@code 127.0.0.1} unless told
 * otherwise.
 */
public final class NodeHttpServer implements AutoCloseable
{
    private static final String[] ROLES = {"LEADER", "FOLLOWER", "CANDIDATE", "LISTENER"};
    /**
     * Threads serving exchanges, at most: each one a client holds with a half-sent request is held until the request
     * time limit cuts it off, so one such client (or a few) no longer stops the others. Past this many at once a new
     * connection is closed at once (the JDK closes what its executor refuses): bounded threads, and the client can
     * retry, where a queue would hold it behind the held ones until the time limit closed it too.
     */
    static final int THREADS = 32;
    /** Seconds a client may take to send its request ({@code sun.net.httpserver.maxReqTime}), unless the host set it. */
    static final String MAX_REQ_TIME_SECONDS = "10";
    /** Seconds a response may take to be read ({@code sun.net.httpserver.maxRspTime}), unless the host set it. */
    static final String MAX_RSP_TIME_SECONDS = "60";

    static
    {
        // The JDK server reads a request's line and headers (and drains an unread body) on the executor's thread,
        // with no time limit by default: a client that sends part of a request and waits held that thread for good,
        // and with it every other client (blackbox8/HttpEndpointHostileTest: /metrics unanswered after 120 s). These
        // JVM-wide settings make the server close such a connection; they are read once, when the JDK's server class
        // is first loaded, so they are set here, before this class creates a server, and only when unset.
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null)
        {
            System.setProperty("sun.net.httpserver.maxReqTime", MAX_REQ_TIME_SECONDS);
        }
        if (System.getProperty("sun.net.httpserver.maxRspTime") == null)
        {
            System.setProperty("sun.net.httpserver.maxRspTime", MAX_RSP_TIME_SECONDS);
        }
    }

    private final ReplicaNode node;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MultiGauge role;
    private final MultiGauge leader;
    private final MultiGauge commitIndex;
    private final MultiGauge appliedIndex;
    private final HttpServer http;
    private final ExecutorService executor;

    private NodeHttpServer(final ReplicaNode node, final InetSocketAddress bind) throws IOException
    {
        this.node = node;
        final String nodeId = node.id();
        registry.config().commonTags("node", nodeId);
        new RegionCacheMeterBinder(node.engine().cache(), 1_000).bindTo(registry);
        for (final String name : node.counters().toMap().keySet())
        {
            FunctionCounter.builder("regioncache.node." + name, node.counters(), c -> c.toMap().get(name))
                .register(registry);
        }
        role = MultiGauge.builder("regioncache.raft.role")
            .description("1 for this node's current Raft role in the region").register(registry);
        leader = MultiGauge.builder("regioncache.raft.leader")
            .description("1 if this node leads the region").register(registry);
        commitIndex = MultiGauge.builder("regioncache.raft.commit.index").register(registry);
        appliedIndex = MultiGauge.builder("regioncache.raft.applied.index").register(registry);
        // The JDK's server binds in its constructor and does not close its socket when that bind fails (nor does it
        // hand the socket to the caller), so every start on a port in use leaked a file descriptor for good (audit 9,
        // blackbox9/NodeLifecycleResourcesTest). Bind once here first, as the server will (SO_REUSEADDR), so that a
        // port in use is refused before the server opens anything; only a port taken between the two binds still
        // costs that descriptor.
        ReplicaNode.probeBind(bind);
        http = HttpServer.create(bind, 16);
        executor = new ThreadPoolExecutor(1, THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r ->
        {
            final Thread t = new Thread(r, "regioncache-http-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    /**
     * @param node the node to expose.
     * @param bind address and port (port 0: any free port, see {@link #port()}).
     * @return the running endpoint.
     * @throws IOException if the port cannot be bound.
     */
    public static NodeHttpServer start(final ReplicaNode node, final InetSocketAddress bind) throws IOException
    {
        return new NodeHttpServer(node, bind);
    }

    /** @return the bound port. */
    public int port()
    {
        return http.getAddress().getPort();
    }

    /** @return the bound address. */
    public InetSocketAddress address()
    {
        return http.getAddress();
    }

    /**
     * @return the Prometheus text exposition, Raft gauges refreshed first (one scrape at a time: the exchanges run
     * on up to {@link #THREADS} threads, and two refreshes of one gauge set would interleave).
     */
    public synchronized String scrape()
    {
        refreshRaftGauges();
        return registry.scrape();
    }

    private void refreshRaftGauges()
    {
        final List<MultiGauge.Row<?>> roles = new ArrayList<>();
        final List<MultiGauge.Row<?>> leaders = new ArrayList<>();
        final List<MultiGauge.Row<?>> commits = new ArrayList<>();
        final List<MultiGauge.Row<?>> applied = new ArrayList<>();
        for (final Long id : node.regions().keySet())
        {
            final String region = Long.toString(id);
            final String current = node.role(id);
            for (final String r : ROLES)
            {
                roles.add(MultiGauge.Row.of(Tags.of("region", region, "role", r), r.equals(current) ? 1 : 0));
            }
            leaders.add(MultiGauge.Row.of(Tags.of("region", region), "LEADER".equals(current) ? 1 : 0));
            commits.add(MultiGauge.Row.of(Tags.of("region", region), node.commitIndex(id)));
            applied.add(MultiGauge.Row.of(Tags.of("region", region), node.appliedIndex(id)));
        }
        role.register(roles, true);
        leader.register(leaders, true);
        commitIndex.register(commits, true);
        appliedIndex.register(applied, true);
    }

    private void handle(final HttpExchange ex) throws IOException
    {
        // Not try-with-resources on the exchange: its resource is closed before a catch clause runs, so the 500 below
        // went to a closed exchange and the client saw the connection drop with no answer.
        try
        {
            try
            {
                if (!"GET".equals(ex.getRequestMethod()))
                {
                    ex.getResponseHeaders().set("Allow", "GET");
                    send(ex, 405, "text/plain; charset=utf-8", "method not allowed: this endpoint is read-only\n");
                    return;
                }
                switch (ex.getRequestURI().getPath())
                {
                    case "/metrics" -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", scrape());
                    case "/regions" -> send(ex, 200, "application/json", regionsJson());
                    case "/state" -> send(ex, 200, "application/json", ReplicaState.of(node, false).toJson());
                    case "/digests" -> send(ex, 200, "application/json", ReplicaState.of(node, true).toJson());
                    default -> send(ex, 404, "text/plain; charset=utf-8",
                        "not found: try /metrics, /regions, /state or /digests\n");
                }
            }
            catch (final RuntimeException e) // a scrape racing the node's close: answer, do not kill the server thread
            {
                try
                {
                    send(ex, 500, "text/plain; charset=utf-8", e.toString() + "\n");
                }
                catch (final IOException | RuntimeException ignored)
                {
                    // headers already sent or exchange closed
                }
            }
        }
        finally
        {
            ex.close();
        }
    }

    private static void send(final HttpExchange ex, final int code, final String type, final String body)
        throws IOException
    {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        if ("HEAD".equals(ex.getRequestMethod()))
        {
            ex.sendResponseHeaders(code, -1); // a HEAD answer has no body (a length made the JDK log a warning)
            return;
        }
        ex.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody())
        {
            out.write(bytes);
        }
    }

    /** @return the {@code /regions} document. */
    public String regionsJson()
    {
        final StringBuilder b = new StringBuilder(256);
        b.append("{\"node\":").append(quote(node.id())).append(",\"cached_regions\":[");
        boolean first = true;
        for (final RegionInfo info : node.engine().cache().regions())
        {
            final Region r = info.region();
            b.append(first ? "" : ",").append("{\"id\":").append(r.id())
                .append(",\"start\":").append(quote(hex(r.start())))
                .append(",\"end\":").append(quote(hex(r.end())))
                .append(",\"epoch\":").append(r.epochVersion())
                .append(",\"conf_version\":").append(r.confVersion())
                .append(",\"state\":").append(quote(info.state().name()))
                .append(",\"pins\":").append(info.pins())
                .append(",\"safe_point\":").append(info.safePoint())
                .append(",\"applied_version\":").append(info.appliedVersion())
                .append(",\"gets\":").append(info.gets())
                .append(",\"scanned\":").append(info.scanned()).append('}');
            first = false;
        }
        b.append("],\"replicas\":[");
        first = true;
        for (final Map.Entry<Long, RegionMeta> e : node.regions().entrySet())
        {
            final long id = e.getKey();
            final String r = node.role(id);
            b.append(first ? "" : ",").append("{\"id\":").append(id)
                .append(",\"role\":").append(r == null ? "null" : quote(r))
                .append(",\"commit_index\":").append(node.commitIndex(id))
                .append(",\"applied_index\":").append(node.appliedIndex(id))
                .append(",\"meta\":").append(quote(e.getValue().toString())).append('}');
            first = false;
        }
        return b.append("]}\n").toString();
    }

    private static String hex(final byte[] key)
    {
        return java.util.HexFormat.of().formatHex(key);
    }

    private static String quote(final String s)
    {
        final StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default ->
                {
                    if (c < 0x20)
                    {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    }
                    else
                    {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** Stop serving (at once) and release the registry. */
    @Override
    public void close()
    {
        http.stop(0);
        executor.shutdownNow();
        registry.close();
    }
}
