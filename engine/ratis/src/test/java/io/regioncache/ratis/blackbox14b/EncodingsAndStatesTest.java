package io.regioncache.ratis.blackbox14b;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.regioncache.ResultCode;
import io.regioncache.ratis.EntryCodec;
import io.regioncache.ratis.EntryFormatException;
import io.regioncache.ratis.EntryFormatException.Reason;
import io.regioncache.ratis.NodeCounters;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaState;
import io.regioncache.ratis.Reply;

/**
 * The public encodings and documents of the module, through their public API only (no cluster): {@link Reply}'s and
 * {@link RegionMeta}'s bytes (round trips, null versus empty, every malformed prefix typed), {@link NodeCounters}'
 * names (the README's list for {@code /metrics}), {@link ReplicaState}'s JSON ({@code fromJson}: "@throws
 * IllegalArgumentException if the document is not one") and its derived numbers.
 */
class EncodingsAndStatesTest
{
    private static final HexFormat HEX = HexFormat.of();

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A writer of the documented primitives (unsigned LEB128 varints, length-prefixed bytes). */
    static final class Bytes
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes u8(final int v)
        {
            out.write(v);
            return this;
        }

        Bytes varint(final long v)
        {
            long x = v;
            while ((x & ~0x7FL) != 0)
            {
                out.write((int)((x & 0x7F) | 0x80));
                x >>>= 7;
            }
            out.write((int)x);
            return this;
        }

        Bytes bytes(final byte[] b)
        {
            varint(b.length);
            out.writeBytes(b);
            return this;
        }

        byte[] get()
        {
            return out.toByteArray();
        }
    }

    static Reason reasonOf(final Runnable decode)
    {
        final Throwable t = assertThrows(Throwable.class, decode::run);
        assertEquals(EntryFormatException.class, t.getClass(), () -> "expected EntryFormatException, got " + t);
        return ((EntryFormatException)t).reason();
    }

    static RegionMeta sealed()
    {
        return new RegionMeta(42, b("a"), b("q"), 5, RegionMeta.State.SEALED, 9, 1004, new long[] {7, 8},
            new long[] {3}, 6);
    }

    // ================================================================== Reply

    /** "{@code value} the value read, or null": null and an empty value stay apart through the bytes. */
    @Test
    void replyRoundTripKeepsNullAndEmptyValuesApartForEveryStatus()
    {
        for (final Reply.Status s : Reply.Status.values())
        {
            final Reply none = Reply.decode(new Reply(s, 7, null, null, "").encode());
            assertEquals(s, none.status());
            assertEquals(7, none.version());
            assertNull(none.value(), s + ": null stays null");
            assertNull(none.meta());
            assertEquals("", none.detail());
            final Reply empty = Reply.decode(new Reply(s, Long.MAX_VALUE, new byte[0], sealed(), "é ✓").encode());
            assertArrayEquals(new byte[0], empty.value(), s + ": an empty value stays present");
            assertEquals(Long.MAX_VALUE, empty.version());
            assertEquals(sealed(), empty.meta());
            assertEquals(RegionMeta.State.SEALED, empty.meta().state());
            assertEquals(6, empty.meta().mergeTargetEpoch(), "the meta inside a reply keeps its format-2 field");
            assertEquals("é ✓", empty.detail());
        }
    }

    /** Every malformed reply is an {@link EntryFormatException} with its reason, never another exception. */
    @Test
    void replyDecodeRefusesEveryMalformedFormTyped()
    {
        final byte[] good = new Reply(Reply.Status.STALE_EPOCH, 300, b("val"), sealed(), "why").encode();
        for (int len = 0; len < good.length; len++)
        {
            final byte[] cut = Arrays.copyOf(good, len);
            assertEquals(Reason.TRUNCATED, reasonOf(() -> Reply.decode(cut)), "prefix of " + len);
        }
        assertEquals(Reason.TRAILING_BYTES, reasonOf(() -> Reply.decode(Arrays.copyOf(good, good.length + 1))));
        for (final int format : new int[] {0, 2, 255})
        {
            final byte[] f = good.clone();
            f[0] = (byte)format;
            assertEquals(Reason.UNKNOWN_FORMAT, reasonOf(() -> Reply.decode(f)), "format " + format);
        }
        final byte[] status = good.clone();
        status[1] = (byte)Reply.Status.values().length;
        assertEquals(Reason.INVALID, reasonOf(() -> Reply.decode(status)));
        // a meta whose state byte is not a state, inside an otherwise well-formed reply
        final byte[] meta = new Bytes().u8(1).u8(Reply.Status.OK.ordinal()).varint(1).u8(0).u8(1)
            .u8(2).varint(5).bytes(b("")).bytes(b("")).varint(1).u8(RegionMeta.State.values().length).varint(0)
            .varint(0).varint(0).varint(0).varint(0).bytes(b("")).get();
        assertEquals(Reason.INVALID, reasonOf(() -> Reply.decode(meta)));
        // a version varint of ten continuation bytes
        final byte[] longVarint = new Bytes().u8(1).u8(0).u8(0xFF).u8(0xFF).u8(0xFF).u8(0xFF).u8(0xFF).u8(0xFF)
            .u8(0xFF).u8(0xFF).u8(0xFF).u8(0xFF).u8(0x01).get();
        assertEquals(Reason.BAD_NUMBER, reasonOf(() -> Reply.decode(longVarint)));
        // a detail length announced past what follows
        final byte[] detail = new Bytes().u8(1).u8(0).varint(1).u8(0).u8(0).varint(100).get();
        assertEquals(Reason.TRUNCATED, reasonOf(() -> Reply.decode(detail)));
    }

    /**
     * {@code encode} "@return format-1 bytes" and {@code decode} "@param bytes format-1 bytes": what one writes the
     * other reads. A detail over 64 KiB or a value over {@link EntryCodec#MAX_ENTRY_BYTES} is encoded without a word,
     * and then refused by {@code decode} ({@code TOO_LARGE}): a reply the replica may build (a detail naming a
     * region view with two 4 KiB keys is 16 KiB of hex, so this needs an extreme detail) cannot be read back.
     */
    /**
     * A detail over 64 KiB of UTF-8 is cut to the longest prefix of whole characters that fits: never inside a
     * character of several bytes nor between the two halves of a surrogate pair.
     */
    @Test
    void aLongDetailIsCutAtACharacterBoundary()
    {
        for (final String unit : List.of("\u20AC", "\uD83D\uDE00", "a\u20AC\uD83D\uDE00", "ab\uD83D\uDE00"))
        {
            final String detail = unit.repeat((1 << 16) / unit.length() + 7);
            final String read = Reply.decode(new Reply(Reply.Status.INVALID, 0, null, null, detail).encode()).detail();
            final int bytes = read.getBytes(StandardCharsets.UTF_8).length;
            assertTrue(detail.startsWith(read), "a prefix of the detail");
            assertTrue(bytes <= 1 << 16, bytes + " bytes");
            final int next = Character.charCount(detail.codePointAt(read.length()));
            assertTrue(bytes + detail.substring(read.length(), read.length() + next)
                .getBytes(StandardCharsets.UTF_8).length > 1 << 16, "the longest such prefix");
            assertTrue(read.isEmpty() || !Character.isHighSurrogate(read.charAt(read.length() - 1)), "no half pair");
        }
    }

    @Test
    void everyReplyEncodeAcceptsDecodesBack()
    {
        final List<String> broken = new ArrayList<>();
        final Reply longDetail = new Reply(Reply.Status.INVALID, 0, null, null, "d".repeat((1 << 16) + 1));
        final Reply bigValue = new Reply(Reply.Status.OK, 1, new byte[EntryCodec.MAX_ENTRY_BYTES + 1], null, "");
        final Reply atLimit = new Reply(Reply.Status.INVALID, 0, new byte[EntryCodec.MAX_ENTRY_BYTES], null,
            "d".repeat(1 << 16));
        assertEquals(1 << 16, Reply.decode(atLimit.encode()).detail().length(), "a 64 KiB detail reads back");
        for (final Reply r : List.of(longDetail, bigValue))
        {
            final byte[] bytes;
            try
            {
                bytes = r.encode();
            }
            catch (final EntryFormatException refusedAtEncode)
            {
                continue; // refused when written: consistent
            }
            try
            {
                Reply.decode(bytes);
            }
            catch (final EntryFormatException ex)
            {
                broken.add(r.status() + " reply (value " + (r.value() == null ? "null" : r.value().length + " B")
                    + ", detail " + r.detail().length() + " chars): encoded, then decode refused it: " + ex.getMessage());
            }
        }
        assertEquals(List.of(), broken);
    }

    // ================================================================== RegionMeta

    /** Round trips, format 1 read as target epoch 0, equality by content across formats, the 9-argument form. */
    @Test
    void regionMetaRoundTripsAndCompares()
    {
        final RegionMeta s = sealed();
        assertEquals(s, RegionMeta.decode(s.encode()));
        assertEquals(s.hashCode(), RegionMeta.decode(s.encode()).hashCode());
        assertEquals(2, s.encode()[0], "format 2 is written");
        final byte[] format1 = new Bytes().u8(1).varint(42).bytes(b("a")).bytes(b("q")).varint(5)
            .u8(RegionMeta.State.MERGING.ordinal()).varint(9).varint(1004).varint(2).varint(7).varint(8).varint(1)
            .varint(3).get();
        final RegionMeta old = RegionMeta.decode(format1);
        assertEquals(0, old.mergeTargetEpoch(), "format 1: no target epoch");
        final RegionMeta nine = new RegionMeta(42, b("a"), b("q"), 5, RegionMeta.State.MERGING, 9, 1004,
            new long[] {7, 8}, new long[] {3});
        assertEquals(0, nine.mergeTargetEpoch(), "the 9-argument form: not sealed");
        assertEquals(nine, old);
        assertEquals(nine.hashCode(), old.hashCode());
        assertNotEquals(nine, new RegionMeta(42, b("a"), b("q"), 5, RegionMeta.State.MERGING, 9, 1004,
            new long[] {7, 8}, new long[] {3}, 1), "another target epoch is another view");
        assertNotEquals(nine, null);

        final RegionMeta fresh = RegionMeta.initial(77, b("k"), b(""));
        assertEquals(1, fresh.epochVersion(), "initial: epoch 1");
        assertEquals(RegionMeta.State.NORMAL, fresh.state());
        assertEquals(0, fresh.mergeTarget());
        assertEquals(0, fresh.lastVersion());
        assertEquals(0, fresh.children().length);
        assertEquals(0, fresh.mergedSources().length);
        assertEquals(0, fresh.mergeTargetEpoch());
        assertEquals(77, fresh.toRegion().id());
        assertEquals(1, fresh.toRegion().epochVersion());
        assertArrayEquals(b("k"), fresh.toRegion().start());
        // 4,096 children (the history bound) still decode
        final long[] many = new long[4096];
        Arrays.fill(many, 5);
        final RegionMeta full = new RegionMeta(1, b(""), b(""), 1, RegionMeta.State.NORMAL, 0, 0, many, new long[0]);
        assertEquals(4096, RegionMeta.decode(full.encode()).children().length);
    }

    /** "@throws EntryFormatException if malformed": every prefix, trailing bytes, bad format, state, counts, keys. */
    @Test
    void regionMetaDecodeRefusesEveryMalformedFormTyped()
    {
        final byte[] good = sealed().encode();
        for (int len = 0; len < good.length; len++)
        {
            final byte[] cut = Arrays.copyOf(good, len);
            assertEquals(Reason.TRUNCATED, reasonOf(() -> RegionMeta.decode(cut)), "prefix of " + len);
        }
        assertEquals(Reason.TRAILING_BYTES, reasonOf(() -> RegionMeta.decode(Arrays.copyOf(good, good.length + 1))));
        for (final int format : new int[] {0, 3, 255})
        {
            final byte[] f = good.clone();
            f[0] = (byte)format;
            assertEquals(Reason.UNKNOWN_FORMAT, reasonOf(() -> RegionMeta.decode(f)), "format " + format);
        }
        final Bytes badState = new Bytes().u8(2).varint(1).bytes(b("")).bytes(b("")).varint(1).u8(4).varint(0)
            .varint(0).varint(0).varint(0).varint(0);
        assertEquals(Reason.INVALID, reasonOf(() -> RegionMeta.decode(badState.get())));
        final Bytes manyChildren = new Bytes().u8(2).varint(1).bytes(b("")).bytes(b("")).varint(1).u8(0).varint(0)
            .varint(0).varint(4097);
        assertEquals(Reason.TOO_LARGE, reasonOf(() -> RegionMeta.decode(manyChildren.get())));
        final Bytes bigStart = new Bytes().u8(2).varint(1).bytes(new byte[EntryCodec.MAX_KEY_BYTES + 1]);
        assertEquals(Reason.TOO_LARGE, reasonOf(() -> RegionMeta.decode(bigStart.get())));
        final Bytes hugeId = new Bytes().u8(2);
        for (int i = 0; i < 10; i++)
        {
            hugeId.u8(0xFF);
        }
        hugeId.u8(1);
        assertEquals(Reason.BAD_NUMBER, reasonOf(() -> RegionMeta.decode(hugeId.get())));
    }

    /** {@code contains}: start inclusive, end exclusive, empty end = +infinity, unsigned order. */
    @Test
    void regionMetaContainsAtItsEdges()
    {
        final RegionMeta m = RegionMeta.initial(2, b("b"), b("d"));
        assertTrue(m.contains(b("b")), "start is inclusive");
        assertFalse(m.contains(b("d")), "end is exclusive");
        assertTrue(m.contains(b("c\u0000")));
        assertTrue(m.contains(new byte[] {'c', (byte)0xFF, (byte)0xFF}), "unsigned: 0xFF sorts high, still below d");
        assertFalse(m.contains(b("a\u00FF")), "below start");
        assertFalse(m.contains(new byte[0]), "the empty key is below b");
        final RegionMeta all = RegionMeta.initial(1, new byte[0], new byte[0]);
        assertTrue(all.contains(new byte[0]), "the empty key is in [\"\", +inf)");
        final byte[] maxKey = new byte[EntryCodec.MAX_KEY_BYTES];
        Arrays.fill(maxKey, (byte)0xFF);
        assertTrue(all.contains(maxKey), "an empty end is +infinity");
        assertTrue(RegionMeta.initial(3, b("x"), new byte[0]).contains(maxKey));
        assertFalse(RegionMeta.initial(3, b("x"), new byte[0]).contains(b("w")));
    }

    // ================================================================== NodeCounters

    /**
     * README "HTTP endpoint": the node's counters are {@code regioncache_node_<name>_total} with the names
     * {@code snapshots_taken}, {@code snapshots_installed}, {@code leader_changes}, {@code warm_loads},
     * {@code follower_evictions}, {@code rejected_requests}, {@code cache_reads}, {@code store_reads},
     * {@code group_create_retries}, {@code snapshot_stall_nudges}, engine result codes, reply statuses; the
     * fault-scenario section names {@code group_op_failures}. {@code toMap}: "every counter by name". A fresh
     * node's are all 0, every getter agrees with its name, and no two counters share a name.
     */
    @Test
    void nodeCountersHaveTheReadmeNamesAndAreZeroWhenFresh()
    {
        final NodeCounters c = new NodeCounters();
        final Map<String, Long> m = c.toMap();
        for (final String name : List.of("snapshots_taken", "snapshots_installed", "leader_changes", "warm_loads",
            "follower_evictions", "rejected_requests", "cache_reads", "store_reads", "group_create_retries",
            "snapshot_stall_nudges", "group_op_failures", "rejected_in_log", "uninitialized_applies",
            "merge_source_missing", "became_leader", "groups_removed", "replica_restarts", "group_start_retries"))
        {
            assertEquals(0L, m.get(name), () -> name + " in " + m.keySet());
        }
        for (final ResultCode code : ResultCode.values())
        {
            assertEquals(0L, m.get("engine_" + code.name().toLowerCase(java.util.Locale.ROOT)), code::name);
            assertEquals(0, c.engineResults(code));
        }
        for (final Reply.Status s : Reply.Status.values())
        {
            assertEquals(0L, m.get("reply_" + s.name().toLowerCase(java.util.Locale.ROOT)), s::name);
            assertEquals(0, c.replies(s));
        }
        assertEquals(19 + ResultCode.values().length + Reply.Status.values().length, m.size(),
            "every counter once: " + m.keySet());
        for (final String name : m.keySet())
        {
            assertTrue(name.matches("[a-z][a-z0-9_]*"), name + ": a Prometheus-safe name");
            assertFalse(name.endsWith("_created") || name.endsWith("_total") || name.endsWith("_count")
                || name.endsWith("_sum") || name.endsWith("_bucket"), name + ": a suffix Prometheus' naming rewrites");
        }
        assertEquals(0, c.snapshotsTaken() + c.snapshotsInstalled() + c.becameLeader() + c.leaderChanges()
            + c.warmLoads() + c.followerEvictions() + c.rejectedRequests() + c.rejectedInLog() + c.uninitializedApplies()
            + c.mergeSourceMissing() + c.cacheReads() + c.storeReads() + c.groupsCreated() + c.groupsRemoved()
            + c.groupOpFailures() + c.groupCreateRetries() + c.groupStartRetries() + c.snapshotStallNudges());
    }

    // ================================================================== ReplicaState

    static ReplicaState sample()
    {
        final Map<Long, ReplicaState.Replica> rs = new TreeMap<>();
        rs.put(1L, new ReplicaState.Replica(RegionMeta.initial(1, b("m"), b("")), "LEADER", 12, 12, "3:abcdef012345"));
        rs.put(5L, new ReplicaState.Replica(sealed(), null, -1, -1, null));
        rs.put(9L, new ReplicaState.Replica(RegionMeta.initial(9, b(""), b("a")), "CANDIDATE", 0, 0, null));
        final Map<String, Long> counters = new LinkedHashMap<>(new NodeCounters().toMap());
        counters.put("cache_reads", 17L);
        return new ReplicaState("n\"1 ✓", rs, counters, 123_456, List.of("n1 cache of region 5 differs: [x]"));
    }

    /** {@code fromJson(toJson())} gives the same state: null role and digest, -1 indexes, odd node ids included. */
    @Test
    void replicaStateJsonRoundTrips()
    {
        final ReplicaState s = sample();
        final ReplicaState back = ReplicaState.fromJson(s.toJson());
        assertEquals(s, back);
        assertNull(back.replicas().get(5L).role());
        assertNull(back.replicas().get(5L).digest());
        assertEquals(-1, back.replicas().get(5L).appliedIndex());
        assertEquals(6, back.replicas().get(5L).meta().mergeTargetEpoch());
        assertEquals(List.copyOf(s.counters().keySet()), List.copyOf(back.counters().keySet()), "counter order kept");
        assertEquals(1, s.led(), "one LEADER");
        assertEquals(2, s.followed(), "hosted and not led: a null role and a CANDIDATE count as not led");
        assertEquals(17, s.counter("cache_reads"));
        assertEquals(0, s.counter("no_such_counter"), "absent: 0");
    }

    /**
     * {@code toJson}: "region views as hex of {@code RegionMeta#encode()}, the current (format-2) encoding, exactly".
     * The audit found the Javadoc naming format 1 while the hex was format 2 (first byte 02); the Javadoc was
     * corrected.
     */
    @Test
    void toJsonWritesRegionViewsInTheFormatItsJavadocNames()
    {
        final JsonObject o = JsonParser.parseString(sample().toJson()).getAsJsonObject();
        for (final var e : o.getAsJsonArray("replicas"))
        {
            final byte[] meta = HEX.parseHex(e.getAsJsonObject().get("meta").getAsString());
            assertEquals(sample().replicas().get(e.getAsJsonObject().get("id").getAsLong()).meta(),
                RegionMeta.decode(meta), "exact");
            assertEquals(2, meta[0], "Javadoc: hex of the view's format-2 encoding; first byte is format " + meta[0]);
        }
    }

    /** {@code internalErrors}: "internal and store errors, malformed log entries and entries applied without data". */
    @Test
    void internalErrorsCountEachNamedErrorAndTheNamesAreNodeCounters()
    {
        final List<String> names = List.of("engine_internal_error", "engine_store_error", "reply_store_error",
            "rejected_in_log", "uninitialized_applies");
        final Map<String, Long> real = new NodeCounters().toMap();
        for (final String n : names)
        {
            assertTrue(real.containsKey(n), n + " is a NodeCounters name (else it could never be non-zero)");
            final ReplicaState one = new ReplicaState("n1", Map.of(), Map.of(n, 3L), 0, List.of());
            assertEquals(3, one.internalErrors(), n);
        }
        final Map<String, Long> all = new LinkedHashMap<>(real);
        all.put("engine_invalid", 50L);
        all.put("reply_invalid", 50L);
        all.put("rejected_requests", 50L);
        assertEquals(0, new ReplicaState("n1", Map.of(), all, 0, List.of()).internalErrors(),
            "refused requests are not internal errors");
    }

    /** "@throws IllegalArgumentException if the document is not one": each broken document, nothing else thrown. */
    @Test
    void fromJsonRefusesWhatIsNotAStateDocumentWithIllegalArgumentException()
    {
        final String good = sample().toJson();
        final List<String> docs = new ArrayList<>(List.of("", " ", "null", "[]", "{}", "42", "\"x\"", "{",
            good.substring(0, good.length() / 2), good.trim() + " trailing", "[" + good + "]",
            "[".repeat(100_000), "{\"a\":".repeat(50_000)));
        final List<Consumer<JsonObject>> edits = List.of(
            o -> o.remove("node"), o -> o.add("node", null), o -> o.remove("replicas"), o -> o.addProperty("replicas", 1),
            o -> o.add("replicas", new JsonObject()), o -> o.remove("counters"), o -> o.add("counters", new JsonArray()),
            o -> o.getAsJsonObject("counters").addProperty("cache_reads", "many"),
            o -> o.getAsJsonObject("counters").add("cache_reads", new JsonObject()),
            o -> o.remove("memory_in_use"), o -> o.addProperty("memory_in_use", "lots"),
            o -> o.remove("cache_divergences"), o -> o.addProperty("cache_divergences", "x"),
            o -> o.getAsJsonArray("cache_divergences").add(new JsonObject()),
            o -> o.getAsJsonArray("replicas").add(1),
            o -> first(o).remove("meta"), o -> first(o).addProperty("meta", "zz"), o -> first(o).addProperty("meta", "0"),
            o -> first(o).addProperty("meta", ""), o -> first(o).addProperty("meta", first(o).get("meta").getAsString() + "00"),
            o -> first(o).addProperty("meta", "03" + first(o).get("meta").getAsString().substring(2)),
            o -> first(o).remove("id"), o -> first(o).addProperty("id", "one"),
            o -> first(o).remove("commit_index"), o -> first(o).remove("applied_index"),
            o -> first(o).add("role", new JsonObject()), o -> first(o).add("digest", new JsonArray()));
        for (final Consumer<JsonObject> edit : edits)
        {
            final JsonObject o = JsonParser.parseString(good).getAsJsonObject();
            edit.accept(o);
            docs.add(o.toString());
        }
        docs.add(null);
        final List<String> wrong = new ArrayList<>();
        for (final String doc : docs)
        {
            final String shown = doc == null ? "null" : doc.length() > 80 ? doc.substring(0, 80) + "..." : doc;
            try
            {
                final ReplicaState s = ReplicaState.fromJson(doc);
                wrong.add("accepted: " + shown + " -> " + s);
            }
            catch (final IllegalArgumentException expected)
            {
                // documented
            }
            catch (final Throwable t)
            {
                wrong.add(t.getClass().getName() + " for " + shown);
            }
        }
        assertEquals(List.of(), wrong);
    }

    /**
     * The same promise for numbers: an id, index or byte count that is not a whole number within a long is not a
     * state {@code toJson} could have written. Gson's {@code getAsLong} truncates 1.5 to 1 and wraps 2^64 to 0, so
     * such documents are read as other states.
     */
    @Test
    void fromJsonRefusesNumbersThatAreNotLongs()
    {
        final String good = sample().toJson();
        final List<Consumer<JsonObject>> edits = List.of(
            o -> first(o).addProperty("applied_index", 1.5),
            o -> first(o).addProperty("id", new java.math.BigInteger("18446744073709551617")),
            o -> o.addProperty("memory_in_use", new java.math.BigDecimal("1e30")),
            o -> o.getAsJsonObject("counters").addProperty("cache_reads", 2.75));
        final List<String> accepted = new ArrayList<>();
        for (final Consumer<JsonObject> edit : edits)
        {
            final JsonObject o = JsonParser.parseString(good).getAsJsonObject();
            edit.accept(o);
            try
            {
                final ReplicaState s = ReplicaState.fromJson(o.toString());
                accepted.add("read as replicas " + s.replicas().keySet() + ", applied "
                    + s.replicas().values().iterator().next().appliedIndex() + ", memory " + s.memoryInUse()
                    + ", cache_reads " + s.counter("cache_reads"));
            }
            catch (final IllegalArgumentException expected)
            {
                // documented
            }
        }
        assertEquals(List.of(), accepted);
    }

    private static JsonObject first(final JsonObject o)
    {
        return o.getAsJsonArray("replicas").get(0).getAsJsonObject();
    }
}
