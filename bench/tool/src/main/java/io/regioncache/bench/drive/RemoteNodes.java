package io.regioncache.bench.drive;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.regioncache.ratis.ReplicaCheck;
import io.regioncache.ratis.ReplicaState;

/**
 * The states of running nodes, read from their read-only HTTP endpoints: {@code GET /state} (views, roles, indexes,
 * counters) and {@code GET /digests} (the same with per-region digests and the cache cross-check).
 */
final class RemoteNodes implements ReplicaCheck.Source
{
    private final Map<String, String> http;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param http node id → host:port of its HTTP endpoint. */
    RemoteNodes(final Map<String, String> http)
    {
        this.http = http;
    }

    @Override
    public List<ReplicaState> states(final boolean digests) throws IOException
    {
        final List<ReplicaState> out = new ArrayList<>(http.size());
        for (final Map.Entry<String, String> e : http.entrySet())
        {
            final URI uri = URI.create("http://" + e.getValue() + (digests ? "/digests" : "/state"));
            final HttpResponse<String> r;
            try
            {
                r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted reading " + uri, ex);
            }
            if (r.statusCode() != 200)
            {
                throw new IOException(uri + " answered " + r.statusCode() + ": " + r.body());
            }
            final ReplicaState s;
            try
            {
                s = ReplicaState.fromJson(r.body());
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IOException(uri + ": " + ex.getMessage(), ex);
            }
            if (!s.node().equals(e.getKey()))
            {
                throw new IOException(uri + " is node " + s.node() + ", not " + e.getKey() + " (check --http)");
            }
            out.add(s);
        }
        return out;
    }
}
