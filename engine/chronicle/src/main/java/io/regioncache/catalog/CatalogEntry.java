package io.regioncache.catalog;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import io.regioncache.RegionInfo;
import io.regioncache.Region;
import io.regioncache.RegionState;

/**
 * One region as the catalog stores it, with its own compact binary form so that another process (another JVM,
 * another version of the library) can read it without Java serialization:
 * <pre>
 *  0   int   format version (1)
 *  4   long  region id
 *  12  long  epoch version
 *  20  long  conf version
 *  28  int   state ordinal
 *  32  int   pins
 *  36  long  safe point
 *  44  long  applied version
 *  52  long  gets
 *  60  long  scanned entries
 *  68  long  updated at (epoch millis)
 *  76  int   start length, then start bytes
 *  ..  int   end length, then end bytes
 * </pre>
 *
 * @param region         the region.
 * @param state          its state.
 * @param pins           snapshots pinning it.
 * @param safePoint      safe point.
 * @param appliedVersion newest whole batch applied.
 * @param gets           gets served.
 * @param scanned        entries scanned.
 * @param updatedAtMillis when the entry was written.
 */
public record CatalogEntry(
    Region region, RegionState state, int pins, long safePoint, long appliedVersion, long gets, long scanned,
    long updatedAtMillis)
{
    private static final int FORMAT = 1;
    private static final int FIXED = 76;

    /**
     * @param info   a region as the engine reports it.
     * @param millis the time of the report.
     * @return the entry.
     */
    public static CatalogEntry of(final RegionInfo info, final long millis)
    {
        return new CatalogEntry(info.region(), info.state(), info.pins(), info.safePoint(), info.appliedVersion(),
            info.gets(), info.scanned(), millis);
    }

    /** @return the binary form. */
    public byte[] encode()
    {
        final byte[] start = region.start();
        final byte[] end = region.end();
        final ByteBuffer b = ByteBuffer.allocate(FIXED + 8 + start.length + end.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(FORMAT).putLong(region.id()).putLong(region.epochVersion()).putLong(region.confVersion())
            .putInt(state.ordinal()).putInt(pins).putLong(safePoint).putLong(appliedVersion).putLong(gets)
            .putLong(scanned).putLong(updatedAtMillis);
        b.putInt(start.length).put(start).putInt(end.length).put(end);
        return b.array();
    }

    /**
     * @param bytes a binary form.
     * @return the entry.
     * @throws NullPointerException if {@code bytes} is null.
     * @throws IllegalArgumentException if the bytes are not a catalog entry of a known format (truncated, trailing
     * bytes, a negative length, an unknown state).
     */
    public static CatalogEntry decode(final byte[] bytes)
    {
        try
        {
            return decodeChecked(bytes);
        }
        catch (final java.nio.BufferUnderflowException ex)
        {
            // Bytes from a file another process wrote: a truncated entry is the documented IllegalArgumentException,
            // not an exception from inside the decoder.
            throw new IllegalArgumentException("not a catalog entry (" + bytes.length + " bytes): " + ex, ex);
        }
    }

    /** A length-prefixed key, its length checked against what is left before anything is allocated for it. */
    private static byte[] bytes(final ByteBuffer b)
    {
        final int n = b.getInt();
        if (n < 0 || n > b.remaining())
        {
            throw new IllegalArgumentException("not a catalog entry: a key of " + n + " bytes, " + b.remaining() +
                " left");
        }
        final byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    private static CatalogEntry decodeChecked(final byte[] bytes)
    {
        final ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        final int format = b.getInt();
        if (format != FORMAT)
        {
            throw new IllegalArgumentException("unknown catalog entry format " + format);
        }
        final long id = b.getLong();
        final long epoch = b.getLong();
        final long conf = b.getLong();
        final int stateCode = b.getInt();
        if (stateCode < 0 || stateCode >= RegionState.count())
        {
            throw new IllegalArgumentException("not a catalog entry: unknown state " + stateCode);
        }
        final RegionState state = RegionState.fromCode(stateCode);
        final int pins = b.getInt();
        final long safePoint = b.getLong();
        final long applied = b.getLong();
        final long gets = b.getLong();
        final long scanned = b.getLong();
        final long updated = b.getLong();
        final byte[] start = bytes(b);
        final byte[] end = bytes(b);
        if (b.hasRemaining())
        {
            throw new IllegalArgumentException("not a catalog entry: " + b.remaining() + " bytes after it");
        }
        return new CatalogEntry(new Region(id, start, end, epoch, conf), state, pins, safePoint, applied, gets,
            scanned, updated);
    }
}
