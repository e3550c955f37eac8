package io.regioncache.fuzz;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.regioncache.store.MvccKeyCodec;

/**
 * The fuzzing finding on {@link MvccKeyCodec} (audit 32), as a plain test: given an expandable destination at an
 * offset past the most an Agrona expandable buffer can grow to ({@code ExpandableArrayBuffer.MAX_ARRAY_LENGTH},
 * 2^31 - 9), {@code putVersion}, {@code encodeKey} and {@code decodeKey} throw Agrona's
 * {@code IndexOutOfBoundsException} where their Javadoc says {@code IllegalArgumentException} ("if {@code VERSION_LENGTH}
 * bytes do not fit at {@code offset}", "the destination is too small", "{@code dst} is too small"): their room check
 * skips expandable buffers entirely. Nothing is written outside a buffer (Agrona refuses before growing). Fixed
 * 2026-12-08: the room check holds an expandable buffer to Agrona's largest array.
 */
class MvccKeyCodecExpandableLimitTest
{
    private static final int PAST_LIMIT = Integer.MAX_VALUE - 1;

    @Test
    void anExpandableDestinationThatCannotGrowIsRefusedTyped()
    {
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(16);
        assertThrows(IllegalArgumentException.class, () -> MvccKeyCodec.putVersion(dst, PAST_LIMIT, 1));
        final UnsafeBuffer key = new UnsafeBuffer("key".getBytes());
        assertThrows(IllegalArgumentException.class, () -> MvccKeyCodec.encodeKey(key, 0, 3, dst, PAST_LIMIT));
        final UnsafeBuffer encoded = new UnsafeBuffer(MvccKeyCodec.encodeKey("key".getBytes()));
        assertThrows(IllegalArgumentException.class,
            () -> MvccKeyCodec.decodeKey(encoded, 0, encoded.capacity(), dst, PAST_LIMIT));
    }
}
