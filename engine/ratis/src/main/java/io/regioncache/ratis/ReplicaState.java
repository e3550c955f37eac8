package io.regioncache.ratis;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.regioncache.SnapshotStatus;
import io.regioncache.hybrid.CrossCheck;

/**
 * What one node says about itself for a report and a cross-replica check, in one process or over its HTTP
 * endpoint ({@code GET /state}, {@code GET /digests}): every region replica it hosts (view, role, commit and applied
 * index, optionally a digest of the region's stored entries), its counters, the bytes its cache holds and, with
 * digests, where its cached regions differ from its RocksDB. {@link ReplicaCheck} decides convergence and
 * divergence from a list of these, wherever they came from.
 *
 * @param node             node id.
 * @param replicas         region id → replica.
 * @param counters         {@link NodeCounters#toMap()}.
 * @param memoryInUse      bytes the node's cache holds.
 * @param cacheDivergences cached regions that differ from the node's RocksDB ({@code CrossCheck}); empty without
 *                         digests.
 */
public record ReplicaState(String node, Map<Long, Replica> replicas, Map<String, Long> counters, long memoryInUse,
    List<String> cacheDivergences)
{
    private static final int DIGEST_TRIES = 5;
    private static final Gson GSON = new Gson();

    /**
     * One region replica.
     *
     * @param meta         the replica's view of the region.
     * @param role         its Raft role, or null while its division starts or stops.
     * @param commitIndex  its commit index (-1 unknown).
     * @param appliedIndex its last applied index (-1 unknown).
     * @param digest       count and SHA-256 prefix of every stored MVCC entry of the range at {@code appliedIndex}
     *                     ({@link ReplicaCheck#digest}); null when not asked for or when applies kept moving.
     */
    public record Replica(RegionMeta meta, String role, long commitIndex, long appliedIndex, String digest)
    {
    }

    /**
     * @param n       a running node.
     * @param digests also hash every region (a full scan of the node's RocksDB) and cross-check its cache.
     * @return its state now.
     */
    public static ReplicaState of(final ReplicaNode n, final boolean digests)
    {
        final Map<Long, Replica> replicas = new TreeMap<>();
        n.regions().forEach((id, meta) -> replicas.put(id, replica(n, id, meta, digests)));
        final List<String> cache = new ArrayList<>();
        if (digests)
        {
            for (final CrossCheck.Report r : CrossCheck.checkAll(n.engine()))
            {
                if (r.status() == SnapshotStatus.OK && !r.ok())
                {
                    cache.add(n.id() + " cache of region " + r.regionId() + " differs from its RocksDB: " +
                        r.divergences());
                }
            }
        }
        return new ReplicaState(n.id(), replicas, n.counters().toMap(), n.engine().cache().memoryInUse(), cache);
    }

    private static Replica replica(final ReplicaNode n, final long id, final RegionMeta first, final boolean digests)
    {
        RegionMeta meta = first;
        long applied = n.appliedIndex(id);
        String digest = null;
        // A hash belongs to an applied index only if nothing was applied (and the view did not change) meanwhile.
        for (int i = 0; digests && i < DIGEST_TRIES && digest == null; i++)
        {
            final String d = ReplicaCheck.digest(n, meta);
            final long after = n.appliedIndex(id);
            final RegionMeta now = n.regions().get(id);
            if (after == applied && meta.equals(now))
            {
                digest = d;
            }
            applied = after;
            meta = now == null ? meta : now;
        }
        return new Replica(meta, n.role(id), n.commitIndex(id), applied, digest);
    }

    /** @return regions this replica leads. */
    public int led()
    {
        return (int) replicas.values().stream().filter(r -> "LEADER".equals(r.role())).count();
    }

    /** @return regions hosted and not led. */
    public int followed()
    {
        return replicas.size() - led();
    }

    /**
     * @param name a {@link NodeCounters#toMap()} name.
     * @return its value, 0 if absent.
     */
    public long counter(final String name)
    {
        return counters.getOrDefault(name, 0L);
    }

    /** @return internal and store errors, malformed log entries and entries applied without data (all must be 0). */
    public long internalErrors()
    {
        return counter("engine_internal_error") + counter("engine_store_error") + counter("reply_store_error")
            + counter("rejected_in_log") + counter("uninitialized_applies");
    }

    /** @return the JSON the HTTP endpoint serves (region views as hex of {@link RegionMeta#encode()}, the current (format-2) encoding, exactly). */
    public String toJson()
    {
        final JsonObject o = new JsonObject();
        o.addProperty("node", node);
        final JsonArray rs = new JsonArray();
        replicas.forEach((id, r) ->
        {
            final JsonObject j = new JsonObject();
            j.addProperty("id", id);
            j.addProperty("role", r.role());
            j.addProperty("commit_index", r.commitIndex());
            j.addProperty("applied_index", r.appliedIndex());
            j.addProperty("digest", r.digest());
            j.addProperty("view", r.meta().toString());
            j.addProperty("meta", HexFormat.of().formatHex(r.meta().encode()));
            rs.add(j);
        });
        o.add("replicas", rs);
        final JsonObject c = new JsonObject();
        counters.forEach(c::addProperty);
        o.add("counters", c);
        o.addProperty("memory_in_use", memoryInUse);
        final JsonArray d = new JsonArray();
        cacheDivergences.forEach(d::add);
        o.add("cache_divergences", d);
        return GSON.toJson(o) + "\n";
    }

    /**
     * @param json what {@link #toJson()} wrote.
     * @return the state.
     * @throws IllegalArgumentException if the document is not one.
     */
    public static ReplicaState fromJson(final String json)
    {
        try
        {
            final JsonObject o = GSON.fromJson(json, JsonObject.class);
            final Map<Long, Replica> replicas = new TreeMap<>();
            for (final JsonElement e : o.getAsJsonArray("replicas"))
            {
                final JsonObject j = e.getAsJsonObject();
                final RegionMeta meta = RegionMeta.decode(HexFormat.of().parseHex(j.get("meta").getAsString()));
                replicas.put(exactLong(j.get("id")), new Replica(meta, stringOrNull(j, "role"),
                    exactLong(j.get("commit_index")), exactLong(j.get("applied_index")), stringOrNull(j, "digest")));
            }
            final Map<String, Long> counters = new LinkedHashMap<>();
            o.getAsJsonObject("counters").entrySet().forEach(e -> counters.put(e.getKey(), exactLong(e.getValue())));
            final List<String> cache = new ArrayList<>();
            o.getAsJsonArray("cache_divergences").forEach(e -> cache.add(e.getAsString()));
            return new ReplicaState(o.get("node").getAsString(), replicas, counters, exactLong(o.get("memory_in_use")),
                cache);
        }
        catch (final RuntimeException ex) // gson's parse and type errors, a missing member, a bad region view
        {
            throw new IllegalArgumentException("not a node state document: " + ex, ex);
        }
    }

    /**
     * A JSON number that is a long exactly: Gson's {@code getAsLong} truncates 1.5 to 1 and wraps 2^64 + 1 to 1, so a
     * document that is not one would be read as another.
     */
    private static long exactLong(final JsonElement e)
    {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber())
        {
            throw new IllegalArgumentException("not a number: " + e);
        }
        return e.getAsBigDecimal().longValueExact(); // ArithmeticException (a RuntimeException) if not a long
    }

    private static String stringOrNull(final JsonObject j, final String name)
    {
        final JsonElement e = j.get(name);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }
}
