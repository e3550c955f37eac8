package io.regioncache.hybrid.blackbox24;

import static io.regioncache.hybrid.blackbox24.Bb24.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.regioncache.BackingSnapshot;
import io.regioncache.Region;
import io.regioncache.Snapshot;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.store.InMemoryBackingStore;

/**
 * README, Embedding, "Read into an UnsafeBuffer": Snapshot.get (and multiGet) answer into an Agrona UnsafeBuffer on or
 * off the heap, and "Any other MutableDirectBuffer class (an ExpandableArrayBuffer, a host's own) gets the same answer
 * through its putBytes ... the engine never writes a buffer of a class it does not know around that class's
 * accessors"; "any Agrona DirectBuffer works" as a key.
 */
class ReadIntoBuffersTest
{
    /** A host's own buffer class: an UnsafeBuffer subclass that counts the writes made through its accessors. */
    static final class HostBuffer extends UnsafeBuffer
    {
        int puts;

        HostBuffer(final byte[] bytes)
        {
            super(bytes);
        }

        @Override
        public void putBytes(final int index, final byte[] src)
        {
            puts++;
            super.putBytes(index, src);
        }

        @Override
        public void putBytes(final int index, final byte[] src, final int offset, final int length)
        {
            puts++;
            super.putBytes(index, src, offset, length);
        }

        @Override
        public void putBytes(final int index, final ByteBuffer src, final int length)
        {
            puts++;
            super.putBytes(index, src, length);
        }

        @Override
        public void putBytes(final int index, final ByteBuffer src, final int srcIndex, final int length)
        {
            puts++;
            super.putBytes(index, src, srcIndex, length);
        }

        @Override
        public void putBytes(final int index, final DirectBuffer srcBuffer, final int srcIndex, final int length)
        {
            puts++;
            super.putBytes(index, srcBuffer, srcIndex, length);
        }
    }

    private HybridEngine engine;
    private Snapshot snapshot;
    private final Map<String, byte[]> expected = new LinkedHashMap<>();

    private static byte[] value(final int length, final int seed)
    {
        final byte[] v = new byte[length];
        for (int i = 0; i < length; i++)
        {
            v[i] = (byte)(seed * 31 + i * 7);
        }
        return v;
    }

    @BeforeEach
    void fill()
    {
        engine = HybridEngine.owning(new InMemoryBackingStore(), Bb24.config());
        Bb24.ok(engine, engine.createRegion(new Region(1, new byte[0], new byte[0], 1)));
        final int[] lengths = {0, 1, 100, 113, 114, 115, 200, 5000};
        final WriteBatch first = new WriteBatch(1, 1, 3);
        for (int i = 0; i < lengths.length; i++)
        {
            final byte[] v = value(lengths[i], i);
            first.put(b("k" + i), v); // key of 2 bytes: 114 bytes of value fill the 116 bytes
            expected.put("k" + i, v);
        }
        first.put(b("hist"), b("old-value"));
        expected.put("hist", b("old-value"));
        first.put(b("gone"), b("x"));
        expected.put("gone", null);
        expected.put("absent", null);
        Bb24.ok(engine, engine.write(first));
        Bb24.ok(engine, engine.write(new WriteBatch(1, 1, 4).delete(b("gone"))));
        Bb24.ok(engine, engine.write(new WriteBatch(1, 1, 9).put(b("hist"), b("newer-than-the-read"))
            .put(b("k3"), b("newer"))));
        snapshot = engine.cache().snapshot(1, 1, 5);
    }

    @AfterEach
    void close()
    {
        snapshot.close();
        engine.close();
    }

    private static Map<String, IntFunction<MutableDirectBuffer>> destinations()
    {
        final Map<String, IntFunction<MutableDirectBuffer>> d = new LinkedHashMap<>();
        d.put("UnsafeBuffer(byte[])", n -> new UnsafeBuffer(new byte[n]));
        d.put("UnsafeBuffer(byte[], offset)", n -> new UnsafeBuffer(new byte[n + 40], 37, n));
        d.put("UnsafeBuffer(direct ByteBuffer)", n -> new UnsafeBuffer(ByteBuffer.allocateDirect(n)));
        d.put("UnsafeBuffer(direct slice)", n -> new UnsafeBuffer(ByteBuffer.allocateDirect(n + 13), 13, n));
        d.put("UnsafeBuffer(heap ByteBuffer slice)",
            n -> new UnsafeBuffer(ByteBuffer.wrap(new byte[n + 20], 11, n).slice()));
        d.put("ExpandableArrayBuffer", ExpandableArrayBuffer::new);
        d.put("ExpandableDirectByteBuffer", ExpandableDirectByteBuffer::new);
        d.put("host's own class", n -> new HostBuffer(new byte[n]));
        return d;
    }

    @Test
    void everyDestinationClassGetsTheSameAnswer()
    {
        for (final Map.Entry<String, IntFunction<MutableDirectBuffer>> d : destinations().entrySet())
        {
            for (final Map.Entry<String, byte[]> e : expected.entrySet())
            {
                final MutableDirectBuffer dst = d.getValue().apply(6000);
                final byte[] k = b(e.getKey());
                final int n = snapshot.get(new UnsafeBuffer(k), 0, k.length, dst, 7);
                final String what = d.getKey() + " " + e.getKey();
                if (e.getValue() == null)
                {
                    assertEquals(BackingSnapshot.NOT_FOUND, n, what);
                    continue;
                }
                assertEquals(e.getValue().length, n, what);
                final byte[] got = new byte[n];
                dst.getBytes(7, got);
                assertArrayEquals(e.getValue(), got, what);
                if (dst instanceof HostBuffer && n > 0)
                {
                    assertTrue(((HostBuffer)dst).puts > 0, what + ": written through the class's putBytes");
                }
            }
        }
    }

    @Test
    void aTooSmallFixedDestinationGetsTheSameAnswerWhateverItsClass()
    {
        final Map<String, IntFunction<MutableDirectBuffer>> fixed = destinations();
        fixed.remove("ExpandableArrayBuffer");
        fixed.remove("ExpandableDirectByteBuffer");
        for (final Map.Entry<String, IntFunction<MutableDirectBuffer>> d : fixed.entrySet())
        {
            for (final String key : new String[] {"k2", "k4", "k6", "hist"})
            {
                final MutableDirectBuffer dst = d.getValue().apply(16);
                final int n = snapshot.get(new UnsafeBuffer(b(key)), 0, key.length(), dst, 12);
                final int want = expected.get(key).length;
                assertEquals(-2 - want, n, d.getKey() + " " + key);
                for (int i = 0; i < 16; i++)
                {
                    assertEquals(0, dst.getByte(i), d.getKey() + " " + key + ": nothing copied");
                }
            }
        }
    }

    private static Map<String, IntFunction<MutableDirectBuffer>> keyBuffers()
    {
        final Map<String, IntFunction<MutableDirectBuffer>> d = destinations();
        d.put("UnsafeBuffer(UnsafeBuffer over a direct ByteBuffer)", n ->
        {
            final ByteBuffer direct = ByteBuffer.allocateDirect(n);
            final UnsafeBuffer u = new UnsafeBuffer(direct); // keeps the ByteBuffer reachable
            return new UnsafeBuffer(u);
        });
        return d;
    }

    @Test
    void anyAgronaBufferServesAsTheKey()
    {
        for (final Map.Entry<String, IntFunction<MutableDirectBuffer>> d : keyBuffers().entrySet())
        {
            for (final Map.Entry<String, byte[]> e : expected.entrySet())
            {
                final byte[] k = b(e.getKey());
                final MutableDirectBuffer key = d.getValue().apply(64);
                key.setMemory(0, 64, (byte)'#');
                key.putBytes(3, k);
                final UnsafeBuffer dst = new UnsafeBuffer(new byte[6000]);
                final int n = snapshot.get(key, 3, k.length, dst, 0);
                final String what = "key in " + d.getKey() + " " + e.getKey();
                if (e.getValue() == null)
                {
                    assertEquals(BackingSnapshot.NOT_FOUND, n, what);
                }
                else
                {
                    assertEquals(e.getValue().length, n, what);
                    assertArrayEquals(e.getValue(), Arrays.copyOf(dst.byteArray(), n), what);
                }
            }
        }
    }

    @Test
    void readOnlyByteBuffersServeAsTheKeyToo()
    {
        for (final Map.Entry<String, byte[]> e : expected.entrySet())
        {
            final byte[] k = b(e.getKey());
            final byte[] arr = new byte[k.length + 9];
            System.arraycopy(k, 0, arr, 5, k.length);
            final ByteBuffer direct = ByteBuffer.allocateDirect(arr.length);
            direct.put(arr).flip();
            final Map<String, DirectBuffer> keys = new LinkedHashMap<>();
            keys.put("read-only heap ByteBuffer", new UnsafeBuffer(ByteBuffer.wrap(arr).asReadOnlyBuffer()));
            keys.put("read-only direct ByteBuffer", new UnsafeBuffer(direct.asReadOnlyBuffer()));
            keys.put("read-only heap slice", new UnsafeBuffer(ByteBuffer.wrap(arr, 2, arr.length - 2).slice()
                .asReadOnlyBuffer()));
            for (final Map.Entry<String, DirectBuffer> kb : keys.entrySet())
            {
                final int offset = kb.getKey().contains("slice") ? 3 : 5;
                final UnsafeBuffer dst = new UnsafeBuffer(new byte[6000]);
                final int n = snapshot.get(kb.getValue(), offset, k.length, dst, 0);
                final String what = "key in a " + kb.getKey() + " " + e.getKey();
                if (e.getValue() == null)
                {
                    assertEquals(BackingSnapshot.NOT_FOUND, n, what);
                }
                else
                {
                    assertEquals(e.getValue().length, n, what);
                    assertArrayEquals(e.getValue(), Arrays.copyOf(dst.byteArray(), n), what);
                }
            }
        }
    }

    @Test
    void multiGetLikewiseForEveryKeyAndDestinationClass()
    {
        final List<String> keys = new ArrayList<>(expected.keySet());
        for (final Map.Entry<String, IntFunction<MutableDirectBuffer>> kd : keyBuffers().entrySet())
        {
            for (final Map.Entry<String, IntFunction<MutableDirectBuffer>> d : destinations().entrySet())
            {
                final MutableDirectBuffer keyBuf = kd.getValue().apply(256);
                final int[] offsets = new int[keys.size()];
                final int[] lengths = new int[keys.size()];
                int at = 1;
                for (int i = 0; i < keys.size(); i++)
                {
                    final byte[] k = b(keys.get(i));
                    keyBuf.putBytes(at, k);
                    offsets[i] = at;
                    lengths[i] = k.length;
                    at += k.length + 2;
                }
                final MutableDirectBuffer dst = d.getValue().apply(8000);
                final int[] valueOffsets = new int[keys.size()];
                final int[] valueLengths = new int[keys.size()];
                final int end = snapshot.multiGet(keyBuf, offsets, lengths, keys.size(), dst, 5, valueOffsets,
                    valueLengths);
                int total = 5;
                for (int i = 0; i < keys.size(); i++)
                {
                    final byte[] want = expected.get(keys.get(i));
                    final String what = kd.getKey() + " -> " + d.getKey() + " " + keys.get(i);
                    if (want == null)
                    {
                        assertEquals(BackingSnapshot.NOT_FOUND, valueLengths[i], what);
                        continue;
                    }
                    assertEquals(want.length, valueLengths[i], what);
                    final byte[] got = new byte[want.length];
                    dst.getBytes(valueOffsets[i], got);
                    assertArrayEquals(want, got, what);
                    total += want.length;
                }
                assertEquals(total, end, kd.getKey() + " -> " + d.getKey());
                if (dst instanceof HostBuffer)
                {
                    assertTrue(((HostBuffer)dst).puts > 0, d.getKey() + ": written through putBytes");
                }
            }
        }
    }
}
