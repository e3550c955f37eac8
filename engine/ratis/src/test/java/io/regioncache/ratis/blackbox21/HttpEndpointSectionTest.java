package io.regioncache.ratis.blackbox21;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.ProgressSignal;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.ReplicaState;
import io.regioncache.ratis.ServedNode;

/**
 * README "Running a cluster", "HTTP endpoint": three {@link ServedNode}s with {@code --http-port} (as {@code serve}
 * and {@code NodeMain} start them), two regions, a few writes; each endpoint checked as documented.
 */
@Timeout(300)
class HttpEndpointSectionTest
{
    @TempDir
    static Path dir;

    private static final List<ServedNode> NODES = new ArrayList<>();
    private static Map<String, String> peers;
    private static RegionClient client;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception
    {
        final int[] ports = LocalNodes.freePorts(3);
        peers = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++)
        {
            peers.put("n" + (i + 1), "127.0.0.1:" + ports[i]);
        }
        for (final String id : peers.keySet())
        {
            NODES.add(ServedNode.start(id, peers, dir.resolve(id), ServedNode.DEFAULT_BIND, 0, null));
        }
        client = new RegionClient(peers);
        for (int i = 0; i < 20; i++)
        {
            client.put(b("k" + i), b("v" + i));
        }
        client.split(b("k10"));
        client.put(b("k3"), b("again"));
        awaitConverged();
    }

    /** Every node hosts the same regions at the same applied index, and each region has a leader. */
    private static void awaitConverged() throws InterruptedException
    {
        final List<ProgressSignal> signals = NODES.stream().map(n -> n.node().progress()).toList();
        assertTrue(ProgressSignal.await(signals, () ->
        {
            final Map<Long, RegionMeta> first = NODES.get(0).node().regions();
            if (first.size() != 2)
            {
                return false;
            }
            for (final Long id : first.keySet())
            {
                long leaders = 0;
                final long applied = NODES.get(0).node().appliedIndex(id);
                for (final ServedNode n : NODES)
                {
                    if (!first.equals(n.node().regions()) || n.node().appliedIndex(id) != applied)
                    {
                        return false;
                    }
                    leaders += n.node().isLeader(id) ? 1 : 0;
                }
                if (leaders != 1)
                {
                    return false;
                }
            }
            return true;
        }, 120_000), "cluster converged");
    }

    @AfterAll
    static void stop()
    {
        if (client != null)
        {
            client.close();
        }
        NODES.forEach(ServedNode::close);
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> send(final ServedNode n, final String method, final String path)
        throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.http().port() + path))
            .timeout(Duration.ofSeconds(60)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    /**
     * README: "GET /metrics: Prometheus text format ..., every series tagged node: the engine's RegionCacheMeterBinder
     * gauges (regioncache_*), the node's counters (regioncache_node_&lt;name&gt;_total: snapshots_taken,
     * snapshots_installed, leader_changes, warm_loads, follower_evictions, rejected_requests, cache_reads, store_reads,
     * group_create_retries, group_start_retries, snapshot_stall_nudges, replica_restarts, engine result codes, reply
     * statuses, ...)".
     */
    @Test
    void metricsTagEverySeriesWithTheNodeAndNameTheDocumentedCounters() throws Exception
    {
        for (final ServedNode n : NODES)
        {
            final HttpResponse<String> r = send(n, "GET", "/metrics");
            assertEquals(200, r.statusCode());
            final String id = n.node().id();
            int samples = 0;
            for (final String line : r.body().split("\n"))
            {
                if (line.isEmpty() || line.startsWith("#"))
                {
                    continue;
                }
                samples++;
                assertTrue(line.contains("node=\"" + id + "\""), "series without node tag: " + line);
            }
            assertTrue(samples > 20, r.body());
            for (final String c : new String[] {"snapshots_taken", "snapshots_installed", "leader_changes",
                "warm_loads", "follower_evictions", "rejected_requests", "cache_reads", "store_reads",
                "group_create_retries", "group_start_retries", "snapshot_stall_nudges", "replica_restarts"})
            {
                assertTrue(Pattern.compile("(?m)^regioncache_node_" + c + "_total\\{node=\"" + id + "\"")
                    .matcher(r.body()).find(), c + " on " + id + ":\n" + r.body());
            }
            assertTrue(Pattern.compile("(?m)^regioncache_node_engine_\\w+_total\\{").matcher(r.body()).find(),
                "engine result codes");
            assertTrue(Pattern.compile("(?m)^regioncache_node_reply_\\w+_total\\{").matcher(r.body()).find(),
                "reply statuses");
            assertTrue(Pattern.compile("(?m)^regioncache_(?!node_|raft_)\\w+\\{").matcher(r.body()).find(),
                "engine gauges");
        }
    }

    private static double sample(final String text, final String series)
    {
        final Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertTrue(m.find(), series + " in:\n" + text);
        return Double.parseDouble(m.group(1));
    }

    /**
     * README: "per region hosted ... regioncache_raft_role{region,role} (1 for the current role of LEADER / FOLLOWER /
     * CANDIDATE / LISTENER, 0 for the others), regioncache_raft_leader{region}, regioncache_raft_commit_index{region},
     * regioncache_raft_applied_index{region}".
     */
    @Test
    void raftGaugesPerRegionWithOneRoleSet() throws Exception
    {
        int leaders = 0;
        for (final ServedNode n : NODES)
        {
            final String text = send(n, "GET", "/metrics").body();
            final String id = n.node().id();
            for (final Long region : n.node().regions().keySet())
            {
                double ones = 0;
                String current = null;
                for (final String role : new String[] {"LEADER", "FOLLOWER", "CANDIDATE", "LISTENER"})
                {
                    final double v = sample(text, "regioncache_raft_role{node=\"" + id + "\",region=\"" + region
                        + "\",role=\"" + role + "\"}");
                    assertTrue(v == 0 || v == 1, role + " " + v);
                    ones += v;
                    current = v == 1 ? role : current;
                }
                assertEquals(1, ones, "exactly one role set for region " + region + " on " + id + ":\n" + text);
                final double leader = sample(text, "regioncache_raft_leader{node=\"" + id + "\",region=\"" + region
                    + "\"}");
                assertEquals("LEADER".equals(current) ? 1.0 : 0.0, leader, text);
                leaders += (int) leader;
                assertTrue(sample(text, "regioncache_raft_commit_index{node=\"" + id + "\",region=\"" + region
                    + "\"}") > 0, text);
                assertTrue(sample(text, "regioncache_raft_applied_index{node=\"" + id + "\",region=\"" + region
                    + "\"}") > 0, text);
            }
        }
        assertEquals(2, leaders, "one leader per region over the cluster");
    }

    /**
     * README: "GET /regions: JSON, {"node":..., "cached_regions":[...], "replicas":[...]}; cached_regions is the node's
     * RegionCache.regions() (id, start and end in hex, epoch, conf version, state, pins, safe point, applied version,
     * gets, scanned), as TiKV's /cached_regions; replicas lists every region replica hosted with its Raft role, commit
     * and applied index and the node's region view."
     */
    @Test
    void regionsJsonHasTheDocumentedShape() throws Exception
    {
        for (final ServedNode n : NODES)
        {
            final HttpResponse<String> r = send(n, "GET", "/regions");
            assertEquals(200, r.statusCode());
            final JsonObject o = new Gson().fromJson(r.body(), JsonObject.class);
            assertEquals(n.node().id(), o.get("node").getAsString());
            final int cached = n.node().engine().cache().regions().size();
            assertEquals(cached, o.getAsJsonArray("cached_regions").size(), r.body());
            for (final JsonElement e : o.getAsJsonArray("cached_regions"))
            {
                final JsonObject c = e.getAsJsonObject();
                for (final String f : new String[] {"id", "start", "end", "epoch", "conf_version", "state", "pins",
                    "safe_point", "applied_version", "gets", "scanned"})
                {
                    assertTrue(c.has(f), f + " in " + c);
                }
                HexFormat.of().parseHex(c.get("start").getAsString());
                HexFormat.of().parseHex(c.get("end").getAsString());
            }
            final List<Long> ids = new ArrayList<>();
            for (final JsonElement e : o.getAsJsonArray("replicas"))
            {
                final JsonObject j = e.getAsJsonObject();
                ids.add(j.get("id").getAsLong());
                for (final String f : new String[] {"role", "commit_index", "applied_index", "meta"})
                {
                    assertTrue(j.has(f), f + " in " + j);
                }
            }
            assertEquals(new ArrayList<>(n.node().regions().keySet()), ids, r.body());
        }
    }

    /**
     * README: "GET /state: the node's ReplicaState as JSON: every replica's exact region view (hex of its binary
     * encoding), role, commit and applied index, the node's counters and the bytes its cache holds." and "GET
     * /digests: the same plus, per region, a digest (count and SHA-256 prefix) of every stored MVCC entry".
     */
    @Test
    void stateAndDigestsAreTheReplicaState() throws Exception
    {
        awaitConverged();
        String digestOfFirst = null;
        for (final ServedNode n : NODES)
        {
            final HttpResponse<String> s = send(n, "GET", "/state");
            assertEquals(200, s.statusCode());
            final ReplicaState state = ReplicaState.fromJson(s.body());
            assertEquals(n.node().id(), state.node());
            assertEquals(n.node().regions().keySet(), state.replicas().keySet());
            state.replicas().forEach((id, rep) ->
            {
                assertEquals(n.node().regions().get(id), rep.meta(), "exact view of region " + id);
                assertNotNull(rep.role(), s.body());
            });
            assertTrue(state.counters().containsKey("snapshots_taken"), s.body());
            assertEquals(n.node().engine().cache().memoryInUse(), state.memoryInUse());
            final HttpResponse<String> d = send(n, "GET", "/digests");
            assertEquals(200, d.statusCode());
            final ReplicaState digests = ReplicaState.fromJson(d.body());
            assertEquals(List.of(), digests.cacheDivergences());
            for (final ReplicaState.Replica rep : digests.replicas().values())
            {
                assertNotNull(rep.digest(), d.body());
            }
            final String all = digests.replicas().values().stream().map(ReplicaState.Replica::digest).toList()
                .toString();
            if (digestOfFirst == null)
            {
                digestOfFirst = all;
            }
            assertEquals(digestOfFirst, all, "same digests on every replica");
        }
    }

    /**
     * README: "HTTP endpoint (--http-port, NodeHttpServer, JDK HttpServer, read-only: any method but GET gets 405 with
     * Allow: GET, any other path 404)".
     */
    @Test
    void anyMethodButGetIs405WithAllowGetAndAnyOtherPath404() throws Exception
    {
        final ServedNode n = NODES.get(1);
        for (final String path : new String[] {"/metrics", "/regions", "/state", "/digests", "/nope"})
        {
            for (final String m : new String[] {"POST", "PUT", "DELETE", "PATCH", "HEAD"})
            {
                final HttpResponse<String> r = send(n, m, path);
                assertEquals(405, r.statusCode(), m + " " + path);
                assertEquals(List.of("GET"), r.headers().allValues("Allow"), m + " " + path);
            }
        }
        for (final String path : new String[] {"/", "/nope", "/metric", "/regions/1", "/status"})
        {
            assertEquals(404, send(n, "GET", path).statusCode(), path);
        }
    }

    /**
     * README: "NodeHttpServer sets the JDK server's JVM-wide sun.net.httpserver.maxReqTime=10 and maxRspTime=60 when
     * the host has not set them, before it creates its first server".
     */
    @Test
    void theJdkServerTimeLimitsAreSetWhenTheHostDidNot()
    {
        // This JVM's command line (the module's argLine) sets neither; a server was created in start().
        assertEquals("10", System.getProperty("sun.net.httpserver.maxReqTime"));
        assertEquals("60", System.getProperty("sun.net.httpserver.maxRspTime"));
    }
}
