package io.regioncache.ratis;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.regioncache.ratis.EntryFormatException.Reason;

/**
 * A replica's answer to a command or a read.
 *
 * @param status  outcome.
 * @param version for a write: the version it was applied at; for a read: the version it read at.
 * @param value   the value read, or null.
 * @param meta    the replica's region view: on {@code Describe}, and on every refusal by a replica that holds the
 *                region ({@link Status#STALE_EPOCH}, {@link Status#KEY_NOT_IN_REGION}, {@link Status#MERGING},
 *                {@link Status#REGION_GONE}, and {@link Status#INVALID} for an entry the replica decoded), so the
 *                sender sees what refused it; null on {@link Status#OK} of a write or read, on
 *                {@link Status#NOT_INITIALIZED} and {@link Status#STORE_ERROR}, and on an {@code INVALID} given
 *                before a region is looked at (bytes that are not an entry, a client-side refusal).
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

    /** The longest detail a reply carries, in UTF-8 bytes ({@link #decode} refuses a longer one). */
    static final int MAX_DETAIL_BYTES = 1 << 16;

    /**
     * @return format-1 bytes; a detail over {@value #MAX_DETAIL_BYTES} UTF-8 bytes is cut to fit (it is prose), so
     *         what this writes {@link #decode} reads back.
     * @throws EntryFormatException {@code TOO_LARGE} for a value over {@link EntryCodec#MAX_ENTRY_BYTES} (no
     *                              replica sends one: a stored value is at most {@link EntryCodec#MAX_VALUE_BYTES},
     *                              a scan page at most one pair past its byte budget).
     */
    public byte[] encode()
    {
        if (value != null && value.length > EntryCodec.MAX_ENTRY_BYTES)
        {
            throw new EntryFormatException(Reason.TOO_LARGE, "reply value of " + value.length + " bytes");
        }
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
        out.bytes(detailBytes(detail));
        return out.toArray();
    }

    /**
     * The detail's UTF-8 bytes, cut to {@value #MAX_DETAIL_BYTES} at most: the JDK's encoder stops at the last whole
     * character that fits (it never splits a surrogate pair), so the cut is the longest prefix that fits.
     */
    private static byte[] detailBytes(final String detail)
    {
        final byte[] b = detail.getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_DETAIL_BYTES)
        {
            return b;
        }
        final ByteBuffer out = ByteBuffer.allocate(MAX_DETAIL_BYTES);
        StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE).encode(CharBuffer.wrap(detail), out, true);
        return Arrays.copyOf(out.array(), out.position());
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
        final String detail = new String(in.bytes(MAX_DETAIL_BYTES, "detail"), StandardCharsets.UTF_8);
        in.end();
        return new Reply(Status.values()[s], version, value, meta, detail);
    }
}
