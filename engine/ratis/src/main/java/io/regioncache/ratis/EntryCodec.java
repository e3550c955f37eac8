package io.regioncache.ratis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.regioncache.WriteBatch;
import io.regioncache.ratis.EntryFormatException.Reason;

/**
 * The binary encoding of {@link Entry}: compact (varints, no field names), versioned, and strict on decode.
 * <pre>
 *  +--------+------+--------------+------------------+-------------+----------------------
 *  | format | type | regionId (v) | epochVersion (v) | version (v) | body (per type)
 *  | u8=1,2 |  u8  |   varint     |     varint       |   varint    |
 *  +--------+------+--------------+------------------+-------------+----------------------
 *  WRITE          count (v), count x { op u8 (1 put, 2 delete), key (b), [value (b) if put] }
 *  SPLIT          n (v), n x { splitKey (b), newRegionId (v) }
 *  PREPARE_MERGE  targetId (v)
 *  COMMIT_MERGE   sourceId (v), sourceEpochVersion (v), sourceStart (b), sourceEnd (b), sourceLastVersion (v)
 *  ROLLBACK_MERGE (empty)
 *  SEAL_MERGE     targetId (v), targetEpochVersion (v)
 *  DELETE_RANGE   start (b), end (b)
 *  GET            key (b)
 *  DESCRIBE       (empty)
 *  SCAN           start (b), end (b), limit (v)
 *  (v) = unsigned LEB128 varint, (b) = varint length then the bytes
 * </pre>
 * <b>Compatibility.</b> Format 2 is what this code writes; its bytes are format 1's but for the format byte, and
 * in format 2 a {@code SPLIT}'s new region ids must be {@link Entry.Split#newRegionId} of the entry's region, epoch
 * and position (derived, so that two splits led by two nodes can never take one id). Format 1 keeps decoding as it
 * always did, its split ids as written (entries stay in Raft logs and are replayed after an upgrade, and the ids in
 * an old log are the ones the cluster already applied); a leader re-encodes every entry it appends, so a format-1
 * split sent now is appended as format 2 and refused if its ids are not derived. All nodes of a cluster must run
 * this code before any of them leads (an older follower refuses format 2). {@code EntryCodecTest} decodes committed
 * golden bytes of every type in both formats. New entry types get new type codes; an unknown format or type is
 * refused, never guessed.
 * <p>
 * <b>Limits</b> (checked before anything is allocated for them): an entry of at most {@link #MAX_ENTRY_BYTES}
 * (its version counted as one byte, so a request within the limit stays within it once the leader stamps it),
 * keys of at most {@link #MAX_KEY_BYTES}, values of at most {@link #MAX_VALUE_BYTES}, at most {@link #MAX_OPS} ops
 * and {@link #MAX_SPLIT_KEYS} split keys. Anything else is an {@link EntryFormatException} with a reason.
 */
public final class EntryCodec
{
    /** The first format: still decoded (Raft logs written by the previous version replay), no longer written. */
    public static final int FORMAT_1 = 1;
    /** The format this code writes: format 1 with derived split ids. */
    public static final int FORMAT_2 = 2;
    /** Largest encoded entry accepted. */
    public static final int MAX_ENTRY_BYTES = 2 << 20;
    /** Largest key (the cache's default maximum key length). */
    public static final int MAX_KEY_BYTES = 4096;
    /** Largest value. */
    public static final int MAX_VALUE_BYTES = 1 << 20;
    /** Most ops in one write batch. */
    public static final int MAX_OPS = 65_536;
    /** Most split keys in one split. */
    public static final int MAX_SPLIT_KEYS = 64;
    /** Most pairs one scan request asks a replica for. */
    public static final int MAX_SCAN_LIMIT = 10_000;

    static final int WRITE = 1;
    static final int SPLIT = 2;
    static final int PREPARE_MERGE = 3;
    static final int COMMIT_MERGE = 4;
    static final int ROLLBACK_MERGE = 5;
    static final int DELETE_RANGE = 6;
    static final int SEAL_MERGE = 7;
    static final int GET = 16;
    static final int DESCRIBE = 17;
    static final int SCAN = 18;

    private EntryCodec()
    {
    }

    /**
     * @param e an entry.
     * @return its format-2 bytes.
     * @throws NullPointerException if {@code e} is null.
     * @throws EntryFormatException if the entry breaks a limit or is malformed: a negative number
     *                              ({@code BAD_NUMBER}), a null key, value, bound or op list, split keys and new ids
     *                              that do not pair up or are not the derived ones ({@code INVALID}), anything
     *                              decode would refuse (so a client
     *                              learns before sending).
     */
    public static byte[] encode(final Entry e)
    {
        java.util.Objects.requireNonNull(e, "entry");
        checkShape(e);
        final Wire.Out out = new Wire.Out(64);
        out.u8(FORMAT_2).u8(typeOf(e)).varint(e.regionId()).varint(e.epochVersion()).varint(e.version());
        if (e instanceof Entry.Write w)
        {
            out.varint(w.ops().size());
            for (final Entry.Op op : w.ops())
            {
                out.u8(op.op()).bytes(op.key());
                if (op.op() == WriteBatch.PUT)
                {
                    out.bytes(op.value());
                }
            }
        }
        else if (e instanceof Entry.Split s)
        {
            out.varint(s.splitKeys().length);
            for (int i = 0; i < s.splitKeys().length; i++)
            {
                out.bytes(s.splitKeys()[i]).varint(s.newRegionIds()[i]);
            }
        }
        else if (e instanceof Entry.PrepareMerge p)
        {
            out.varint(p.targetId());
        }
        else if (e instanceof Entry.SealMerge sm)
        {
            out.varint(sm.targetId()).varint(sm.targetEpoch());
        }
        else if (e instanceof Entry.CommitMerge c)
        {
            out.varint(c.sourceId()).varint(c.sourceEpochVersion()).bytes(c.sourceStart()).bytes(c.sourceEnd())
                .varint(c.sourceLastVersion());
        }
        else if (e instanceof Entry.DeleteRange d)
        {
            out.bytes(d.start()).bytes(d.end());
        }
        else if (e instanceof Entry.Get g)
        {
            out.bytes(g.key());
        }
        else if (e instanceof Entry.Scan sc)
        {
            out.bytes(sc.start()).bytes(sc.end()).varint(sc.limit());
        }
        final byte[] bytes = out.toArray();
        decode(bytes); // the writer obeys the reader's limits: refuse here what every replica would refuse
        return bytes;
    }

    /** What the writer would otherwise trip over from inside (a null array, unpaired split arrays). */
    private static void checkShape(final Entry e)
    {
        if (e instanceof Entry.Write w)
        {
            if (w.ops() == null)
            {
                throw new EntryFormatException(Reason.INVALID, "a write without an op list");
            }
            for (final Entry.Op op : w.ops())
            {
                if (op == null || op.key() == null || (op.op() == WriteBatch.PUT && op.value() == null))
                {
                    throw new EntryFormatException(Reason.INVALID, "a null op, key or put value");
                }
            }
        }
        else if (e instanceof Entry.Split s)
        {
            if (s.splitKeys() == null || s.newRegionIds() == null || s.splitKeys().length != s.newRegionIds().length)
            {
                throw new EntryFormatException(Reason.INVALID, "split keys and new region ids must pair up");
            }
            for (final byte[] k : s.splitKeys())
            {
                notNull(k);
            }
        }
        else if (e instanceof Entry.CommitMerge c)
        {
            notNull(c.sourceStart());
            notNull(c.sourceEnd());
        }
        else if (e instanceof Entry.DeleteRange d)
        {
            notNull(d.start());
            notNull(d.end());
        }
        else if (e instanceof Entry.Get g)
        {
            notNull(g.key());
        }
        else if (e instanceof Entry.Scan sc)
        {
            notNull(sc.start());
            notNull(sc.end());
        }
    }

    private static void notNull(final byte[] key)
    {
        if (key == null)
        {
            throw new EntryFormatException(Reason.INVALID, "a null key or bound");
        }
    }

    /**
     * @param e an entry.
     * @param version the version to stamp.
     * @return a copy of a mutating entry with another version.
     * @throws IllegalArgumentException if {@code e} is null or not a mutating entry (a query has no version).
     */
    public static Entry withVersion(final Entry e, final long version)
    {
        if (e instanceof Entry.Write w)
        {
            return new Entry.Write(w.regionId(), w.epochVersion(), version, w.ops());
        }
        if (e instanceof Entry.Split s)
        {
            return new Entry.Split(s.regionId(), s.epochVersion(), version, s.splitKeys(), s.newRegionIds());
        }
        if (e instanceof Entry.PrepareMerge p)
        {
            return new Entry.PrepareMerge(p.regionId(), p.epochVersion(), version, p.targetId());
        }
        if (e instanceof Entry.CommitMerge c)
        {
            return new Entry.CommitMerge(c.regionId(), c.epochVersion(), version, c.sourceId(), c.sourceEpochVersion(),
                c.sourceStart(), c.sourceEnd(), c.sourceLastVersion());
        }
        if (e instanceof Entry.RollbackMerge r)
        {
            return new Entry.RollbackMerge(r.regionId(), r.epochVersion(), version);
        }
        if (e instanceof Entry.SealMerge sm)
        {
            return new Entry.SealMerge(sm.regionId(), sm.epochVersion(), version, sm.targetId(), sm.targetEpoch());
        }
        if (e instanceof Entry.DeleteRange d)
        {
            return new Entry.DeleteRange(d.regionId(), d.epochVersion(), version, d.start(), d.end());
        }
        throw new IllegalArgumentException("not a mutating entry: " + e);
    }

    /**
     * Decode and validate.
     *
     * @param bytes encoded entry.
     * @return the entry.
     * @throws EntryFormatException with the reason if the bytes are not one valid entry.
     */
    public static Entry decode(final byte[] bytes)
    {
        if (bytes.length > MAX_ENTRY_BYTES && bytes.length - versionBytesPastOne(bytes) > MAX_ENTRY_BYTES)
        {
            throw new EntryFormatException(Reason.TOO_LARGE, "entry of " + bytes.length + " bytes > " + MAX_ENTRY_BYTES);
        }
        final Wire.In in = new Wire.In(bytes);
        final int format = in.u8();
        if (format != FORMAT_1 && format != FORMAT_2)
        {
            throw new EntryFormatException(Reason.UNKNOWN_FORMAT, "format " + format);
        }
        final int type = in.u8();
        final long regionId = in.varint();
        final long epoch = in.varint();
        final long version = in.varint();
        final Entry e;
        switch (type)
        {
            case WRITE:
            {
                final int n = in.length(MAX_OPS, "op count");
                if (n == 0)
                {
                    throw new EntryFormatException(Reason.INVALID, "empty write batch");
                }
                final List<Entry.Op> ops = new ArrayList<>(Math.min(n, 1024));
                for (int i = 0; i < n; i++)
                {
                    final byte op = (byte)in.u8();
                    final byte[] key = in.bytes(MAX_KEY_BYTES, "key length");
                    if (key.length == 0)
                    {
                        // The cache and the store refuse an empty key: an entry holding one is refused here, at the
                        // client and at every replica alike, rather than acknowledged and then not stored.
                        throw new EntryFormatException(Reason.INVALID, "empty key");
                    }
                    if (op == WriteBatch.PUT)
                    {
                        ops.add(new Entry.Op(op, key, in.bytes(MAX_VALUE_BYTES, "value length")));
                    }
                    else if (op == WriteBatch.DELETE)
                    {
                        ops.add(new Entry.Op(op, key, null));
                    }
                    else
                    {
                        throw new EntryFormatException(Reason.INVALID, "unknown op " + op);
                    }
                }
                e = new Entry.Write(regionId, epoch, version, List.copyOf(ops));
                break;
            }
            case SPLIT:
            {
                final int n = in.length(MAX_SPLIT_KEYS, "split key count");
                if (n == 0)
                {
                    throw new EntryFormatException(Reason.INVALID, "split without keys");
                }
                final byte[][] keys = new byte[n][];
                final long[] ids = new long[n];
                for (int i = 0; i < n; i++)
                {
                    keys[i] = in.bytes(MAX_KEY_BYTES, "split key length");
                    ids[i] = in.varint();
                    if (keys[i].length == 0 || (i > 0 && Arrays.compareUnsigned(keys[i - 1], keys[i]) >= 0))
                    {
                        throw new EntryFormatException(Reason.INVALID, "split keys must be non-empty and increasing");
                    }
                    if (ids[i] == 0 || ids[i] == regionId || (i > 0 && contains(ids, i, ids[i])))
                    {
                        throw new EntryFormatException(Reason.INVALID, "bad new region id " + ids[i]);
                    }
                    if (format == FORMAT_2 && ids[i] != Entry.Split.newRegionId(regionId, epoch, i))
                    {
                        // An id chosen by the sender could be taken by a split of another group that this replica
                        // has not applied yet: only the derived id is free on every replica alike.
                        throw new EntryFormatException(Reason.INVALID, "new region id " + ids[i] + " is not "
                            + Entry.Split.newRegionId(regionId, epoch, i) + ", the id derived from region "
                            + regionId + " at epoch " + epoch + ", key " + i);
                    }
                }
                e = new Entry.Split(regionId, epoch, version, keys, ids);
                break;
            }
            case PREPARE_MERGE:
                e = new Entry.PrepareMerge(regionId, epoch, version, in.varint());
                if (((Entry.PrepareMerge)e).targetId() == regionId)
                {
                    throw new EntryFormatException(Reason.INVALID, "a region cannot merge into itself");
                }
                break;
            case COMMIT_MERGE:
                e = new Entry.CommitMerge(regionId, epoch, version, in.varint(), in.varint(),
                    in.bytes(MAX_KEY_BYTES, "source start length"), in.bytes(MAX_KEY_BYTES, "source end length"),
                    in.varint());
                // A commit naming its own region as the source was applied: the target marked itself merged and
                // removed its own group on every replica, leaving its range to no region (found by an audit).
                if (((Entry.CommitMerge)e).sourceId() == regionId)
                {
                    throw new EntryFormatException(Reason.INVALID, "a region cannot merge into itself");
                }
                break;
            case ROLLBACK_MERGE:
                e = new Entry.RollbackMerge(regionId, epoch, version);
                break;
            case SEAL_MERGE:
                e = new Entry.SealMerge(regionId, epoch, version, in.varint(), in.varint());
                if (((Entry.SealMerge)e).targetId() == regionId)
                {
                    throw new EntryFormatException(Reason.INVALID, "a region cannot merge into itself");
                }
                break;
            case DELETE_RANGE:
                e = new Entry.DeleteRange(regionId, epoch, version,
                    in.bytes(MAX_KEY_BYTES, "start length"), in.bytes(MAX_KEY_BYTES, "end length"));
                break;
            case GET:
                e = new Entry.Get(regionId, epoch, version, in.bytes(MAX_KEY_BYTES, "key length"));
                break;
            case DESCRIBE:
                e = new Entry.Describe(regionId, epoch, version);
                break;
            case SCAN:
            {
                final byte[] start = in.bytes(MAX_KEY_BYTES, "scan start length");
                final byte[] end = in.bytes(MAX_KEY_BYTES, "scan end length");
                final int limit = in.length(MAX_SCAN_LIMIT, "scan limit");
                if (limit == 0 || (end.length > 0 && Arrays.compareUnsigned(start, end) >= 0))
                {
                    throw new EntryFormatException(Reason.INVALID, "empty scan");
                }
                e = new Entry.Scan(regionId, epoch, version, start, end, limit);
                break;
            }
            default:
                throw new EntryFormatException(Reason.UNKNOWN_TYPE, "type " + type);
        }
        in.end();
        return e;
    }

    private static boolean contains(final long[] ids, final int n, final long id)
    {
        for (int j = 0; j < n; j++)
        {
            if (ids[j] == id)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The entry limit counts the version field as one byte. A client sends version 0 (one byte); the leader stamps the
     * log entry with its clock (a nine-byte varint), so without this a request that passed the client's own check at
     * up to {@link #MAX_ENTRY_BYTES} was refused by the leader for 8 bytes it added itself. A log entry is thus at most
     * 8 bytes over the limit, and every entry accepted before still decodes.
     *
     * @return the bytes the version varint takes past one, or 0 if the header does not parse (refused later anyway).
     */
    private static int versionBytesPastOne(final byte[] bytes)
    {
        try
        {
            final Wire.In in = new Wire.In(bytes);
            in.u8();
            in.u8();
            in.varint();
            in.varint();
            final int start = in.remaining();
            in.varint();
            return start - in.remaining() - 1;
        }
        catch (final EntryFormatException ex)
        {
            return 0;
        }
    }

    private static int typeOf(final Entry e)
    {
        if (e instanceof Entry.Write)
        {
            return WRITE;
        }
        if (e instanceof Entry.Split)
        {
            return SPLIT;
        }
        if (e instanceof Entry.PrepareMerge)
        {
            return PREPARE_MERGE;
        }
        if (e instanceof Entry.CommitMerge)
        {
            return COMMIT_MERGE;
        }
        if (e instanceof Entry.RollbackMerge)
        {
            return ROLLBACK_MERGE;
        }
        if (e instanceof Entry.SealMerge)
        {
            return SEAL_MERGE;
        }
        if (e instanceof Entry.DeleteRange)
        {
            return DELETE_RANGE;
        }
        if (e instanceof Entry.Get)
        {
            return GET;
        }
        if (e instanceof Entry.Scan)
        {
            return SCAN;
        }
        return DESCRIBE;
    }
}
