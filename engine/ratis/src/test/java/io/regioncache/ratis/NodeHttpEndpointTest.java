package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each node's HTTP endpoint on a running 3-node cluster: {@code /metrics} in the Prometheus text format (engine
 * gauges, node counters, Raft role / commit / applied index per region), {@code /regions} JSON of the cached
 * regions, and nothing but GET.
 */
final class NodeHttpEndpointTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(120)
    void metricsAndRegionsAreScrapedAndWritesAreRefused(@TempDir final Path dir) throws Exception
    {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final List<NodeHttpServer> servers = new ArrayList<>();
        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> { }).startAll();
             RegionClient client = cluster.client())
        {
            cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID, 20_000);
            for (int i = 0; i < 40; i++)
            {
                client.put(b(String.format("k%03d", i)), b("v" + i));
            }
            final long left = client.split(b("k020"));
            cluster.awaitLeader(left, 20_000);
            client.get(b("k030"));
            client.get(b("k005"));
            cluster.awaitConverged(30_000);

            final Map<String, NodeHttpServer> byId = new LinkedHashMap<>();
            for (final String id : cluster.peers.keySet())
            {
                final NodeHttpServer s = NodeHttpServer.start(cluster.node(id), new InetSocketAddress("127.0.0.1", 0));
                servers.add(s);
                byId.put(id, s);
                assertTrue(s.address().getAddress().isLoopbackAddress(), s.address().toString());
            }
            // Each scrape is compared with the node's live state, and the nodes' scrapes with each other: that holds
            // while the cluster stands still. A leader change (an election timeout of 600 ms is in reach of a loaded
            // 2-core machine's stalls) appends an entry, moves leaders and warms caches mid-scrape: a failure while
            // the cluster's state moved is retried on a converged cluster; a failure on a cluster that stood still
            // is the test's failure.
            for (int attempt = 1; ; attempt++)
            {
                cluster.awaitConverged(30_000);
                final String before = stateOf(cluster);
                try
                {
                    scrapeAndCheck(cluster, http, byId, left);
                    break;
                }
                catch (final AssertionError ex)
                {
                    final String after = stateOf(cluster);
                    if (attempt == 3 || before.equals(after))
                    {
                        throw ex;
                    }
                    System.out.println("attempt " + attempt + " failed while the cluster changed (" + ex.getMessage() +
                        "): " + before + " -> " + after);
                }
            }
            cluster.assertHealthy();
        }
        finally
        {
            servers.forEach(NodeHttpServer::close);
        }
    }

    /** What the checks compare with the scrapes: per node, its counters, regions, applied indexes, roles, cache. */
    private static String stateOf(final LocalCluster cluster)
    {
        final StringBuilder sb = new StringBuilder();
        for (final ReplicaNode n : cluster.running.values())
        {
            sb.append(n.id()).append(n.counters().toMap()).append(n.regions().keySet());
            for (final long region : n.regions().keySet())
            {
                sb.append(' ').append(region).append(':').append(n.appliedIndex(region)).append('/')
                    .append(n.commitIndex(region)).append(n.isLeader(region) ? "L" : "");
            }
            sb.append(" cached ").append(n.engine().cache().regions().size()).append("; ");
        }
        return sb.toString();
    }

    private static void scrapeAndCheck(final LocalCluster cluster, final HttpClient http,
        final Map<String, NodeHttpServer> byId, final long left) throws Exception
    {
        final String leader = cluster.leaderOf(ReplicaNode.ROOT_REGION_ID);
        int leaders = 0;
        final List<ReplicaState> states = new ArrayList<>();
        for (final String id : cluster.peers.keySet())
        {
            final String base = "http://127.0.0.1:" + byId.get(id).port();

            final HttpResponse<String> metrics = get(http, base + "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            final String text = metrics.body();
            for (final long region : new long[] {ReplicaNode.ROOT_REGION_ID, left})
            {
                final String tags = "node=\"" + id + "\",region=\"" + region + "\"";
                assertTrue(text.contains("regioncache_raft_commit_index{" + tags + "}"), text);
                assertTrue(text.contains("regioncache_raft_applied_index{" + tags + "}"), text);
                final double applied = value(text, "regioncache_raft_applied_index\\{" + Pattern.quote(tags) + "\\}");
                assertEquals(cluster.node(id).appliedIndex(region), (long) applied, id + " region " + region);
                double roles = 0;
                for (final String role : new String[] {"LEADER", "FOLLOWER", "CANDIDATE", "LISTENER"})
                {
                    roles += value(text, "regioncache_raft_role\\{" + Pattern.quote(tags + ",role=\"" + role + "\"") + "\\}");
                }
                assertEquals(1.0, roles, "exactly one role per region on " + id);
                leaders += (int) value(text, "regioncache_raft_leader\\{" + Pattern.quote(tags) + "\\}");
            }
            assertTrue(text.contains("# TYPE regioncache_node_snapshots_taken_total counter"), text);
            assertTrue(text.contains("regioncache_node_snapshots_installed_total{node=\"" + id + "\"}"), text);
            assertTrue(text.contains("regioncache_node_leader_changes_total{"), text);
            assertTrue(Pattern.compile("(?m)^regioncache_regions_\\w*\\{").matcher(text).find()
                || Pattern.compile("(?m)^regioncache_(?!raft_|node_)\\w+\\{").matcher(text).find(),
                "the engine's binder gauges are exported");

            final HttpResponse<String> regions = get(http, base + "/regions");
            assertEquals(200, regions.statusCode());
            assertEquals("application/json", regions.headers().firstValue("Content-Type").orElse(""));
            final String json = regions.body();
            assertTrue(json.startsWith("{\"node\":\"" + id + "\",\"cached_regions\":["), json);
            assertTrue(json.contains("\"replicas\":[{\"id\":" + ReplicaNode.ROOT_REGION_ID + ","), json);
            final int cached = cluster.node(id).engine().cache().regions().size();
            assertEquals(cached, count(json.substring(0, json.indexOf("\"replicas\"")), "\"state\":"), json);
            if (id.equals(leader))
            {
                assertTrue(cached > 0, "the root's leader warmed its cache: " + json);
            }

            // The node's state, and with digests the cross-replica check's inputs, read back exactly.
            final ReplicaState state = ReplicaState.fromJson(get(http, base + "/state").body());
            assertEquals(cluster.node(id).regions().keySet(), state.replicas().keySet());
            assertEquals(cluster.node(id).regions().get(left), state.replicas().get(left).meta());
            assertNull(state.replicas().get(left).digest(), "/state computes no digest");
            final ReplicaState digests = ReplicaState.fromJson(get(http, base + "/digests").body());
            for (final long region : new long[] {ReplicaNode.ROOT_REGION_ID, left})
            {
                assertEquals(ReplicaCheck.digest(cluster.node(id), cluster.node(id).regions().get(region)),
                    digests.replicas().get(region).digest(), id + " region " + region);
            }
            assertEquals(cluster.node(id).counters().toMap(), digests.counters());
            states.add(digests);

            for (final String method : new String[] {"POST", "PUT", "DELETE", "PATCH"})
            {
                for (final String path : new String[] {"/metrics", "/regions", "/state", "/digests", "/"})
                {
                    final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                        .method(method, HttpRequest.BodyPublishers.ofString("x")).build(),
                        HttpResponse.BodyHandlers.ofString());
                    assertEquals(405, r.statusCode(), method + " " + path);
                    assertEquals("GET", r.headers().firstValue("Allow").orElse(""));
                }
            }
            assertEquals(404, get(http, base + "/cached_regions/../admin").statusCode());
            // The node still serves after the refused requests.
            assertEquals(200, get(http, base + "/metrics").statusCode());
        }
        assertEquals(2, leaders, "one leader per region across the nodes");
        assertNull(ReplicaCheck.convergenceProblemOf(states));
        assertEquals(List.of(), ReplicaCheck.divergencesOf(states));
        assertEquals(2, states.stream().mapToInt(ReplicaState::led).sum());
        // A replica whose digest differs, or that has none, is reported.
        final ReplicaState first = states.get(0);
        final java.util.Map<Long, ReplicaState.Replica> tampered = new java.util.TreeMap<>(first.replicas());
        final ReplicaState.Replica r = tampered.get(left);
        tampered.put(left, new ReplicaState.Replica(r.meta(), r.role(), r.commitIndex(), r.appliedIndex(), "0:00"));
        final List<ReplicaState> bad = new ArrayList<>(states);
        bad.set(0, new ReplicaState(first.node(), tampered, first.counters(), 0, List.of()));
        assertEquals(1, ReplicaCheck.divergencesOf(bad).size(), ReplicaCheck.divergencesOf(bad).toString());
    }

    private static HttpResponse<String> get(final HttpClient http, final String url) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double value(final String text, final String seriesRegex)
    {
        final Matcher m = Pattern.compile("(?m)^" + seriesRegex + " (\\S+)$").matcher(text);
        assertTrue(m.find(), "no series " + seriesRegex + " in\n" + text);
        return Double.parseDouble(m.group(1));
    }

    private static int count(final String s, final String needle)
    {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1))
        {
            n++;
        }
        return n;
    }
}
