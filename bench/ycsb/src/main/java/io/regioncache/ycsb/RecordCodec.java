package io.regioncache.ycsb;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;

/**
 * One YCSB record (a set of named fields) in one value:
 * <pre>
 *  +----------+------------+------+-----------+-------+-----+
 *  | count u16| nameLen u16| name | valLen i32| value | ... |   fields in name order
 *  +----------+------------+------+-----------+-------+-----+
 * </pre>
 * Updates write some fields: the binding reads the record, merges, and writes it whole.
 */
final class RecordCodec
{
    private RecordCodec()
    {
    }

    static byte[] key(final String key)
    {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    static String keyString(final byte[] key)
    {
        return new String(key, StandardCharsets.UTF_8);
    }

    /** @return the fields as name → bytes, in name order. */
    static TreeMap<String, byte[]> toBytes(final Map<String, ByteIterator> values)
    {
        final TreeMap<String, byte[]> out = new TreeMap<>();
        for (final Map.Entry<String, ByteIterator> e : values.entrySet())
        {
            out.put(e.getKey(), e.getValue().toArray());
        }
        return out;
    }

    static byte[] encode(final TreeMap<String, byte[]> fields)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 110 * fields.size());
        final ByteBuffer head = ByteBuffer.allocate(6);
        head.putShort(0, (short)fields.size());
        out.write(head.array(), 0, 2);
        for (final Map.Entry<String, byte[]> e : fields.entrySet())
        {
            final byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            head.putShort(0, (short)name.length);
            out.write(head.array(), 0, 2);
            out.write(name, 0, name.length);
            head.putInt(0, e.getValue().length);
            out.write(head.array(), 0, 4);
            out.write(e.getValue(), 0, e.getValue().length);
        }
        return out.toByteArray();
    }

    /** @return the record's fields, name order. */
    static TreeMap<String, byte[]> decode(final byte[] record)
    {
        final TreeMap<String, byte[]> out = new TreeMap<>();
        final ByteBuffer b = ByteBuffer.wrap(record);
        final int n = b.getShort() & 0xFFFF;
        for (int i = 0; i < n; i++)
        {
            final byte[] name = new byte[b.getShort() & 0xFFFF];
            b.get(name);
            final byte[] value = new byte[b.getInt()];
            b.get(value);
            out.put(new String(name, StandardCharsets.UTF_8), value);
        }
        return out;
    }

    /** Decode into YCSB's result map, keeping only {@code fields} (null = all). */
    static void decodeInto(final byte[] record, final Set<String> fields, final Map<String, ByteIterator> result)
    {
        for (final Map.Entry<String, byte[]> e : decode(record).entrySet())
        {
            if (fields == null || fields.contains(e.getKey()))
            {
                result.put(e.getKey(), new ByteArrayByteIterator(e.getValue()));
            }
        }
    }

    static HashMap<String, ByteIterator> decodeAll(final byte[] record, final Set<String> fields)
    {
        final HashMap<String, ByteIterator> m = new HashMap<>();
        decodeInto(record, fields, m);
        return m;
    }

    /** @return {@code old} with {@code update}'s fields replaced (or just {@code update} if there is no record). */
    static byte[] merge(final byte[] old, final Map<String, ByteIterator> update)
    {
        final TreeMap<String, byte[]> fields = old == null ? new TreeMap<>() : decode(old);
        fields.putAll(toBytes(update));
        return encode(fields);
    }
}
