package io.regioncache.fuzz;

import static io.regioncache.fuzz.Outcomes.check;
import static io.regioncache.fuzz.Outcomes.checkAllocation;
import static io.regioncache.fuzz.Outcomes.expectOnly;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;


import com.code_intelligence.jazzer.junit.FuzzTest;

import io.regioncache.WriteBatch;
import io.regioncache.fuzz.Outcomes.Outcome;
import io.regioncache.ratis.Entry;
import io.regioncache.ratis.EntryCodec;
import io.regioncache.ratis.EntryFormatException;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.Reply;

/**
 * The Raft module's decoders of bytes from the network and from Raft logs, given arbitrary bytes (README
 * "Replication", "Entries"): {@link EntryCodec#decode} (every request and log entry), {@link Reply#decode} (every
 * answer a client reads) and {@link RegionMeta#decode} (the region view in snapshots and replies).
 * <p>
 * Each either decodes or throws {@link EntryFormatException} with a reason (the only exception their Javadoc and the
 * package's {@code Wire} document: "never an {@code ArrayIndexOutOfBoundsException}"), allocates at most a fixed
 * allowance plus a small multiple of the input (never what a length field claims), and finishes within libFuzzer's
 * per-input timeout when fuzzing (30 s, {@code run-fuzz.sh}).
 * What decodes obeys the documented limits (a non-empty key of at most 4 KiB, values of at most 1 MiB, 1 to 65,536
 * ops, 1 to 64 increasing split keys with the derived ids in format 2, no region merging with itself, a scan limit of
 * 1 to 10,000) and survives a round trip: its re-encoding decodes to an entry that encodes to the same bytes (format
 * 2), a reply and a region view encode to bytes that decode back to equal fields.
 */
class RaftWireFuzzTest
{
    /** What {@link EntryCodec#decode}, {@link Reply#decode} and {@link RegionMeta#decode} may throw. */
    static final List<Class<? extends RuntimeException>> DOCUMENTED = List.of(EntryFormatException.class);

    /** Fixed allocation allowance per decode (exception text, a scan page's or region view's bounded arrays). */
    private static final long ALLOWANCE = 256 << 10;

    @FuzzTest(maxDuration = "5m")
    void entryDecode(final byte[] input)
    {
        final Outcome<Entry> decoded = expectOnly(() -> EntryCodec.decode(input), DOCUMENTED, "EntryCodec.decode", input);
        checkAllocation(() -> EntryCodec.decode(input), ALLOWANCE, 8, "EntryCodec.decode", input);
        if (!decoded.returned())
        {
            check(((EntryFormatException)decoded.refusal()).reason() != null, "a refusal without a reason", input);
            return;
        }
        final Entry e = decoded.value();
        checkLimits(e, input[0] & 0xFF, input);
        // A format-1 split names its ids as written: re-encoding it (format 2) refuses ids that are not derived.
        final Outcome<byte[]> encoded = expectOnly(() -> EntryCodec.encode(e), DOCUMENTED, "EntryCodec.encode", input);
        if (!encoded.returned())
        {
            check(input[0] == EntryCodec.FORMAT_1 && e instanceof Entry.Split,
                "a decoded format-2 entry (or a format-1 entry other than a split) refused on re-encoding: " +
                    encoded.refusal(), input);
            return;
        }
        final byte[] once = encoded.value();
        check(once.length <= input.length, "re-encoding grew the entry from " + input.length + " to " + once.length,
            input);
        final byte[] twice = EntryCodec.encode(EntryCodec.decode(once));
        check(Arrays.equals(once, twice), "encode(decode(encode(decode(b)))) differs from encode(decode(b))", input);
    }

    @FuzzTest(maxDuration = "5m")
    void replyAndRegionMetaDecode(final byte[] input)
    {
        final Outcome<Reply> reply = expectOnly(() -> Reply.decode(input), DOCUMENTED, "Reply.decode", input);
        checkAllocation(() -> Reply.decode(input), ALLOWANCE, 8, "Reply.decode", input);
        if (reply.returned())
        {
            final Reply r = reply.value();
            final Reply back = expectOnly(() -> Reply.decode(r.encode()), List.of(), "Reply round trip", input).value();
            check(back.status() == r.status() && back.version() == r.version() &&
                Arrays.equals(back.value(), r.value()) && java.util.Objects.equals(back.meta(), r.meta()),
                "a reply's round trip changed it: " + r + " -> " + back, input);
            if (r.detail().getBytes(StandardCharsets.UTF_8).length <= 1 << 16)
            {
                check(back.detail().equals(r.detail()), "a reply's detail changed in its round trip", input);
            }
        }
        final Outcome<RegionMeta> meta = expectOnly(() -> RegionMeta.decode(input), DOCUMENTED, "RegionMeta.decode",
            input);
        checkAllocation(() -> RegionMeta.decode(input), ALLOWANCE, 8, "RegionMeta.decode", input);
        if (meta.returned())
        {
            final RegionMeta m = meta.value();
            check(m.id() >= 0 && m.epochVersion() >= 0 && m.lastVersion() >= 0 && m.mergeTarget() >= 0 &&
                m.start().length <= EntryCodec.MAX_KEY_BYTES && m.end().length <= EntryCodec.MAX_KEY_BYTES,
                "a region view out of its limits: " + m, input);
            final RegionMeta back = expectOnly(() -> RegionMeta.decode(m.encode()), List.of(), "RegionMeta round trip",
                input).value();
            check(back.equals(m) && Arrays.equals(back.children(), m.children()) &&
                Arrays.equals(back.mergedSources(), m.mergedSources()) &&
                back.mergeTargetEpoch() == m.mergeTargetEpoch() && back.state() == m.state(),
                "a region view's round trip changed it: " + m + " -> " + back, input);
        }
    }

    /** The README's limits, on what decoded. */
    private static void checkLimits(final Entry e, final int format, final byte[] input)
    {
        check(e.regionId() >= 0 && e.epochVersion() >= 0 && e.version() >= 0, "a negative number decoded: " + e,
            input);
        if (e instanceof Entry.Write w)
        {
            check(!w.ops().isEmpty() && w.ops().size() <= EntryCodec.MAX_OPS, "op count " + w.ops().size(), input);
            for (final Entry.Op op : w.ops())
            {
                checkKey(op.key(), input);
                check(op.op() == WriteBatch.PUT || op.op() == WriteBatch.DELETE, "op " + op.op(), input);
                check(op.op() == WriteBatch.DELETE ? op.value() == null :
                    op.value() != null && op.value().length <= EntryCodec.MAX_VALUE_BYTES, "a put without a value " +
                    "within the limit, or a delete with one", input);
            }
        }
        else if (e instanceof Entry.Split s)
        {
            final int n = s.splitKeys().length;
            check(n >= 1 && n <= EntryCodec.MAX_SPLIT_KEYS && s.newRegionIds().length == n, "split of " + n, input);
            for (int i = 0; i < n; i++)
            {
                checkKey(s.splitKeys()[i], input);
                check(i == 0 || Arrays.compareUnsigned(s.splitKeys()[i - 1], s.splitKeys()[i]) < 0,
                    "split keys not increasing", input);
                check(s.newRegionIds()[i] > 0 && s.newRegionIds()[i] != s.regionId(), "bad new id", input);
                check(format != EntryCodec.FORMAT_2 ||
                    s.newRegionIds()[i] == Entry.Split.newRegionId(s.regionId(), s.epochVersion(), i),
                    "a format-2 split with an id that is not derived", input);
            }
        }
        else if (e instanceof Entry.PrepareMerge p)
        {
            check(p.targetId() != p.regionId(), "prepare merge into itself", input);
        }
        else if (e instanceof Entry.SealMerge sm)
        {
            check(sm.targetId() != sm.regionId(), "seal merge into itself", input);
        }
        else if (e instanceof Entry.CommitMerge c)
        {
            check(c.sourceId() != c.regionId(), "commit merge of itself", input);
            check(c.sourceStart().length <= EntryCodec.MAX_KEY_BYTES && c.sourceEnd().length <= EntryCodec.MAX_KEY_BYTES,
                "source bounds over the key limit", input);
        }
        else if (e instanceof Entry.DeleteRange d)
        {
            check(d.start().length <= EntryCodec.MAX_KEY_BYTES && d.end().length <= EntryCodec.MAX_KEY_BYTES,
                "bounds over the key limit", input);
        }
        else if (e instanceof Entry.Get g)
        {
            check(g.key().length <= EntryCodec.MAX_KEY_BYTES, "key over the limit", input);
        }
        else if (e instanceof Entry.Scan sc)
        {
            check(sc.limit() >= 1 && sc.limit() <= EntryCodec.MAX_SCAN_LIMIT, "scan limit " + sc.limit(), input);
            check(sc.end().length == 0 || Arrays.compareUnsigned(sc.start(), sc.end()) < 0, "empty scan", input);
        }
    }

    private static void checkKey(final byte[] key, final byte[] input)
    {
        check(key.length >= 1 && key.length <= EntryCodec.MAX_KEY_BYTES, "key of " + key.length + " bytes", input);
    }
}
