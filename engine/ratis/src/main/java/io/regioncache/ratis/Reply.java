package io.regioncache.ratis;

import java.nio.charset.StandardCharsets;

import io.regioncache.ratis.EntryFormatException.Reason;

/**
 * A replica's answer to a command or a read.
 *
 * @param status  outcome.
 * @param version for a write: the version it was applied at; for a read: the version it read at.
 * @param value   the value read, or null.
 * @param meta    the replica's region view on {@link Status#STALE_EPOCH}, {@link Status#KEY_NOT_IN_REGION} and
 *                {@code Describe}; else null.
 * @param detail  human-readable detail, or "".
 */
public record Reply(Status status, long version, byte[] value, RegionMeta meta, String detail)
{
    private static final int FORMAT_1 = 1;

    /** Outcome of a command or read. */
    public enum Status
    {
        /** Done (a read that found nothing has a null value). */
        OK,
        /** The sender's epoch is not the region's: refresh the route and retry. */
        STALE_EPOCH,
        /** A key is outside the region's range: refresh the route and retry. */
        KEY_NOT_IN_REGION,
        /** The region is prepared to merge (writes wait for commit or rollback). */
        MERGING,
        /** The region was merged away: refresh the route. */
        REGION_GONE,
        /** Refused as malformed or out of limits, or semantically invalid. */
        INVALID,
        /** The node's store failed (the replica must be repaired; counted). */
        STORE_ERROR,
        /** The replica has no data for the region yet (waiting for its first snapshot). */
        NOT_INITIALIZED
    }

    static Reply ok(final long version, final byte[] value)
    {
        return new Reply(Status.OK, version, value, null, "");
    }

    static Reply of(final Status status, final RegionMeta meta, final String detail)
    {
        return new Reply(status, 0, null, meta, detail);
    }

    /** @return format-1 bytes. */
    public byte[] encode()
    {
        final Wire.Out out = new Wire.Out(32 + (value == null ? 0 : value.length));
        out.u8(FORMAT_1).u8(status.ordinal()).varint(version).u8(value == null ? 0 : 1);
        if (value != null)
        {
            out.bytes(value);
        }
        out.u8(meta == null ? 0 : 1);
        if (meta != null)
        {
            out.raw(meta.encode());
        }
        out.bytes(detail.getBytes(StandardCharsets.UTF_8));
        return out.toArray();
    }

    /**
     * @param bytes format-1 bytes.
     * @return the reply.
     */
    public static Reply decode(final byte[] bytes)
    {
        final Wire.In in = new Wire.In(bytes);
        if (in.u8() != FORMAT_1)
        {
            throw new EntryFormatException(Reason.UNKNOWN_FORMAT, "reply format");
        }
        final int s = in.u8();
        if (s >= Status.values().length)
        {
            throw new EntryFormatException(Reason.INVALID, "reply status " + s);
        }
        final long version = in.varint();
        // A value is one stored value or a scan page (at most one maximal pair past ScanPage.MAX_BYTES).
        final byte[] value = in.u8() == 1 ? in.bytes(EntryCodec.MAX_ENTRY_BYTES, "value") : null;
        final RegionMeta meta = in.u8() == 1 ? RegionMeta.read(in, false) : null;
        final String detail = new String(in.bytes(1 << 16, "detail"), StandardCharsets.UTF_8);
        in.end();
        return new Reply(Status.values()[s], version, value, meta, detail);
    }
}
