package io.regioncache.ratis;

import java.util.ArrayList;
import java.util.List;

/**
 * One replica's answer to a {@link Entry.Scan}, carried as a {@link Reply}'s value (format 1:
 * {@code more u8, count varint, count x {key (b), value (b)}}): the pairs in key order and whether the replica
 * stopped before the end of the range it was asked for (limit or size), so the client asks again from after the last
 * key. A page holds at least one pair and stops growing before {@link #MAX_BYTES}, so it always fits a
 * {@link Reply}'s value limit.
 *
 * @param pairs the pairs.
 * @param more  true if the replica's range holds more keys before the requested end.
 */
public record ScanPage(List<KeyValue> pairs, boolean more)
{
    /** Encoded size a page does not grow past (its first pair excepted: one maximal pair is below the reply limit). */
    static final int MAX_BYTES = 1 << 20;

    /**
     * A key and its value.
     *
     * @param key   key.
     * @param value value.
     */
    public record KeyValue(byte[] key, byte[] value)
    {
    }

    /**
     * @param bytes a reply's value.
     * @return the page.
     * @throws EntryFormatException if malformed.
     */
    static ScanPage decode(final byte[] bytes)
    {
        final Wire.In in = new Wire.In(bytes);
        final boolean more = in.u8() == 1;
        final int n = in.length(EntryCodec.MAX_SCAN_LIMIT, "scan pairs");
        final List<KeyValue> pairs = new ArrayList<>(n);
        for (int i = 0; i < n; i++)
        {
            pairs.add(new KeyValue(in.bytes(EntryCodec.MAX_KEY_BYTES, "key"), in.bytes(EntryCodec.MAX_VALUE_BYTES,
                "value")));
        }
        in.end();
        return new ScanPage(List.copyOf(pairs), more);
    }

    /** Builds a page, counting its encoded size. */
    static final class Builder
    {
        private final List<KeyValue> pairs = new ArrayList<>();
        private long bytes = 16;

        void add(final byte[] key, final byte[] value)
        {
            pairs.add(new KeyValue(key, value));
            bytes += key.length + value.length + 10;
        }

        int size()
        {
            return pairs.size();
        }

        /** @return true if the pair may join the page: it is the first, or the page stays within MAX_BYTES. */
        boolean fits(final byte[] key, final byte[] value)
        {
            return pairs.isEmpty() || bytes + key.length + value.length + 10 <= MAX_BYTES;
        }

        byte[] build(final boolean more)
        {
            final Wire.Out out = new Wire.Out((int) bytes);
            out.u8(more ? 1 : 0).varint(pairs.size());
            for (final KeyValue kv : pairs)
            {
                out.bytes(kv.key()).bytes(kv.value());
            }
            return out.toArray();
        }
    }
}
