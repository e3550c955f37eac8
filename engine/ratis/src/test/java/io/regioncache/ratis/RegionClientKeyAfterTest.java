package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

/**
 * {@link RegionClient#keyAfter}: where a scan goes on after a page. A key shorter than the limit is followed by itself
 * plus 0x00; a key of the largest length (which nothing may extend: the scan used to send a start one byte over the
 * limit and fail with INVALID) by its prefix successor; the largest key of all by nothing.
 */
class RegionClientKeyAfterTest
{
    @Test
    void aShortKeyIsFollowedByItselfAndAZeroByte()
    {
        assertArrayEquals(new byte[] {'a', 0}, RegionClient.keyAfter(new byte[] {'a'}));
        final byte[] almost = new byte[EntryCodec.MAX_KEY_BYTES - 1];
        Arrays.fill(almost, (byte)0xFF);
        final byte[] next = RegionClient.keyAfter(almost);
        assertTrue(next.length == EntryCodec.MAX_KEY_BYTES && next[next.length - 1] == 0);
    }

    @Test
    void aKeyOfTheLargestLengthIsFollowedByItsPrefixSuccessor()
    {
        final byte[] max = new byte[EntryCodec.MAX_KEY_BYTES];
        Arrays.fill(max, (byte)'m');
        final byte[] next = RegionClient.keyAfter(max);
        final byte[] expected = Arrays.copyOf(max, max.length);
        expected[expected.length - 1] = 'n';
        assertArrayEquals(expected, next);
        assertTrue(Arrays.compareUnsigned(max, next) < 0);

        Arrays.fill(max, max.length - 3, max.length, (byte)0xFF); // "mmm...m\xff\xff\xff"
        final byte[] carried = RegionClient.keyAfter(max);
        final byte[] shorter = Arrays.copyOf(max, max.length - 3);
        shorter[shorter.length - 1] = 'n';
        assertArrayEquals(shorter, carried, "trailing 0xFF bytes dropped, the last byte before them incremented");
        assertTrue(Arrays.compareUnsigned(max, carried) < 0);
    }

    @Test
    void theLargestKeyOfAllHasNoKeyAfterIt()
    {
        final byte[] top = new byte[EntryCodec.MAX_KEY_BYTES];
        Arrays.fill(top, (byte)0xFF);
        assertNull(RegionClient.keyAfter(top));
    }
}
