package io.regioncache.ratis;

import java.util.Arrays;

import io.regioncache.ratis.EntryFormatException.Reason;
import io.regioncache.Region;

/**
 * A replica's view of its region: range, epoch, merge state, the last MVCC version applied, and the history a
 * lagging replica needs when it installs a snapshot instead of replaying the log (the children split off this
 * region, whose groups it must create, and the sources merged into it, whose groups it must remove).
 * Immutable; stored in every snapshot and returned to routers.
 *
 * @param id            region id (the Raft group id derives from it, {@link ReplicaNode#groupIdOf}).
 * @param start         inclusive start.
 * @param end           exclusive end (empty = +infinity).
 * @param epochVersion  epoch version: grows on split, merge and merge rollback.
 * @param state         merge state.
 * @param mergeTarget   target while {@link State#MERGING} or {@link State#SEALED}, else 0.
 * @param lastVersion   highest MVCC version applied (versions strictly increase in log order).
 * @param children      ids of every region split off this one.
 * @param mergedSources ids of every region merged into this one.
 * @param mergeTargetEpoch the target's epoch when this source sealed its merge ({@link State#SEALED} and after), else
 *                         0: the target commits only at that epoch, and once it moved past it without merging this
 *                         region, the merge can never commit and may be rolled back.
 */
public record RegionMeta(
    long id, byte[] start, byte[] end, long epochVersion, State state, long mergeTarget, long lastVersion,
    long[] children, long[] mergedSources, long mergeTargetEpoch)
{
    private static final int FORMAT_1 = 1;
    /** Format 1 and then the merge target's epoch. */
    private static final int FORMAT_2 = 2;
    private static final int MAX_HISTORY = 4096;

    /** Merge state of a region. */
    public enum State
    {
        /** Takes writes. */
        NORMAL,
        /** Prepared to merge into {@code mergeTarget}: refuses writes until commit or rollback. */
        MERGING,
        /** Merged away: the group is being removed; refuses everything. */
        MERGED,
        /**
         * Prepared and sealed for the merge into {@code mergeTarget}: refuses writes, and a rollback; only the
         * target's commit follows. (Last in the enum because the ordinal is what is encoded.)
         */
        SEALED
    }

    /**
     * A region not sealed for a merge ({@code mergeTargetEpoch} 0).
     *
     * @param id            region id.
     * @param start         inclusive start.
     * @param end           exclusive end (empty = +infinity).
     * @param epochVersion  epoch version.
     * @param state         merge state.
     * @param mergeTarget   target while merging, else 0.
     * @param lastVersion   highest MVCC version applied.
     * @param children      ids of every region split off this one.
     * @param mergedSources ids of every region merged into this one.
     */
    public RegionMeta(final long id, final byte[] start, final byte[] end, final long epochVersion, final State state,
        final long mergeTarget, final long lastVersion, final long[] children, final long[] mergedSources)
    {
        this(id, start, end, epochVersion, state, mergeTarget, lastVersion, children, mergedSources, 0);
    }

    /**
     * @param id    id.
     * @param start start.
     * @param end   end.
     * @return a fresh region at epoch 1.
     */
    public static RegionMeta initial(final long id, final byte[] start, final byte[] end)
    {
        return new RegionMeta(id, start, end, 1, State.NORMAL, 0, 0, new long[0], new long[0]);
    }

    /** @return the engine's description of this region. */
    public Region toRegion()
    {
        return new Region(id, start, end, epochVersion);
    }

    /**
     * @param key a key.
     * @return true if the range holds it.
     */
    public boolean contains(final byte[] key)
    {
        return Arrays.compareUnsigned(key, start) >= 0 && (end.length == 0 || Arrays.compareUnsigned(key, end) < 0);
    }

    RegionMeta withRange(final byte[] newStart, final byte[] newEnd, final long newEpoch)
    {
        return new RegionMeta(id, newStart, newEnd, newEpoch, state, mergeTarget, lastVersion, children, mergedSources,
            mergeTargetEpoch);
    }

    RegionMeta withState(final State s, final long target, final long newEpoch)
    {
        // Leaving the merge (a rollback to NORMAL) forgets the target's epoch; MERGED keeps it, as history.
        return new RegionMeta(id, start, end, newEpoch, s, target, lastVersion, children, mergedSources,
            s == State.NORMAL ? 0 : mergeTargetEpoch);
    }

    RegionMeta withSeal(final long targetEpoch)
    {
        return new RegionMeta(id, start, end, epochVersion, State.SEALED, mergeTarget, lastVersion, children,
            mergedSources, targetEpoch);
    }

    RegionMeta withLastVersion(final long v)
    {
        return new RegionMeta(id, start, end, epochVersion, state, mergeTarget, v, children, mergedSources,
            mergeTargetEpoch);
    }

    RegionMeta withChildren(final long[] more)
    {
        return new RegionMeta(id, start, end, epochVersion, state, mergeTarget, lastVersion, concat(children, more),
            mergedSources, mergeTargetEpoch);
    }

    RegionMeta withMergedSource(final long source)
    {
        return new RegionMeta(id, start, end, epochVersion, state, mergeTarget, lastVersion, children,
            concat(mergedSources, new long[] {source}), mergeTargetEpoch);
    }

    private static long[] concat(final long[] a, final long[] b)
    {
        final long[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        // Bounded: the oldest history goes first (a replica that far behind is recreated by its operator).
        return all.length <= MAX_HISTORY ? all : Arrays.copyOfRange(all, all.length - MAX_HISTORY, all.length);
    }

    /** @return format-2 bytes (format 1's, then the merge target's epoch). */
    public byte[] encode()
    {
        final Wire.Out out = new Wire.Out(64 + start.length + end.length);
        out.u8(FORMAT_2).varint(id).bytes(start).bytes(end).varint(epochVersion).u8(state.ordinal())
            .varint(mergeTarget).varint(lastVersion).varint(children.length);
        for (final long c : children)
        {
            out.varint(c);
        }
        out.varint(mergedSources.length);
        for (final long s : mergedSources)
        {
            out.varint(s);
        }
        out.varint(mergeTargetEpoch);
        return out.toArray();
    }

    /**
     * @param bytes format-1 or format-2 bytes.
     * @return the meta.
     * @throws EntryFormatException if malformed.
     */
    public static RegionMeta decode(final byte[] bytes)
    {
        return read(new Wire.In(bytes), true);
    }

    static RegionMeta read(final Wire.In in, final boolean whole)
    {
        final int format = in.u8();
        if (format != FORMAT_1 && format != FORMAT_2)
        {
            throw new EntryFormatException(Reason.UNKNOWN_FORMAT, "region meta format " + format);
        }
        final long id = in.varint();
        final byte[] start = in.bytes(EntryCodec.MAX_KEY_BYTES, "start");
        final byte[] end = in.bytes(EntryCodec.MAX_KEY_BYTES, "end");
        final long epoch = in.varint();
        final int s = in.u8();
        if (s >= State.values().length)
        {
            throw new EntryFormatException(Reason.INVALID, "region state " + s);
        }
        final long target = in.varint();
        final long last = in.varint();
        final long[] children = new long[in.length(MAX_HISTORY, "children")];
        for (int i = 0; i < children.length; i++)
        {
            children[i] = in.varint();
        }
        final long[] merged = new long[in.length(MAX_HISTORY, "merged sources")];
        for (int i = 0; i < merged.length; i++)
        {
            merged[i] = in.varint();
        }
        final long targetEpoch = format == FORMAT_2 ? in.varint() : 0;
        if (whole)
        {
            in.end();
        }
        return new RegionMeta(id, start, end, epoch, State.values()[s], target, last, children, merged, targetEpoch);
    }

    @Override
    public String toString()
    {
        return "Region{id=" + id + ", [" + Region.hex(start) + ", " + (end.length == 0 ? "+inf" : Region.hex(end)) +
            "), epoch=" + epochVersion + ", " + state +
            (state == State.MERGING ? "->" + mergeTarget : "") +
            (state == State.SEALED ? "->" + mergeTarget + "@" + mergeTargetEpoch : "") + ", v=" + lastVersion + "}";
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof RegionMeta m && Arrays.equals(encode(), m.encode());
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(encode());
    }
}
