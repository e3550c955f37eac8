package io.regioncache.internal.table;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.regioncache.ChosenKeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Chosen keys cannot share a hash: keys built against the constants the hash used before it was keyed (all of them
 * had one hash then), and keys that share an {@code Arrays.hashCode}, spread like random keys. See {@link KeyHash}.
 */
class KeyHashFloodTest
{
    private static final int KEYS = 1 << 15;
    private static final int CAPACITY = 1 << 16;
    /** 32,768 keys in 65,536 slots: a random hash puts at most ~8 in one slot; chosen collisions put all of them. */
    private static final int MOST_PER_SLOT = 16;

    @Test
    void keysBuiltAgainstTheUnkeyedHashSpread()
    {
        assertSpread(ChosenKeys::oldIndexHashColliding, "keys whose second word is the unkeyed hash's mask");
    }

    @Test
    void keysSharingAnArraysHashCodeSpread()
    {
        assertEquals(Arrays.hashCode(ChosenKeys.arraysHashColliding(16, 0)), Arrays.hashCode(ChosenKeys.arraysHashColliding(16, 12345)));
        assertSpread(i -> ChosenKeys.arraysHashColliding(16, i), "keys with one Arrays.hashCode");
    }

    @Test
    void theArrayFormIsTheIndexHashAndChecksItsRange()
    {
        final byte[] key = ChosenKeys.arraysHashColliding(5, 3);
        final byte[] framed = new byte[key.length + 7];
        System.arraycopy(key, 0, framed, 3, key.length);
        assertEquals(KeyHash.hash(new org.agrona.concurrent.UnsafeBuffer(key), 0, key.length),
            KeyHash.hashArray(framed, 3, key.length));
        assertThrows(IndexOutOfBoundsException.class, () -> KeyHash.hashArray(key, 1, key.length));
        assertThrows(IndexOutOfBoundsException.class, () -> KeyHash.hashArray(key, -1, 2));
    }

    @Test
    void theSeedPropertyIsReadAsALongAndAnythingElseIsRandom()
    {
        assertEquals(16, KeyHash.chooseSeed("0x10"));
        assertEquals(-42, KeyHash.chooseSeed(" -42 "));
        // Random otherwise: two draws of 64 bits are equal with odds 2^-64.
        assertNotEquals(KeyHash.chooseSeed(null), KeyHash.chooseSeed(null));
        assertNotEquals(KeyHash.chooseSeed("not a number"), KeyHash.chooseSeed("not a number"));
    }

    /** Runs when the build is given the property: {@code -Dregioncache.hashSeed=0x10} replays that layout. */
    @Test
    void aSeedGivenToTheJvmIsTheOneInUse()
    {
        final String fixed = System.getProperty(KeyHash.SEED_PROPERTY);
        assumeTrue(null != fixed, "-D" + KeyHash.SEED_PROPERTY + " not given");
        assertEquals(Long.decode(fixed.trim()), KeyHash.seed());
    }

    private interface KeyMaker
    {
        byte[] key(long i);
    }

    private static void assertSpread(final KeyMaker maker, final String what)
    {
        final Set<Long> hashes = new HashSet<>();
        final Map<Long, Integer> perSlot = new HashMap<>();
        int most = 0;
        for (int i = 0; i < KEYS; i++)
        {
            final byte[] key = maker.key(i);
            final long h = KeyHash.hashArray(key, 0, key.length);
            hashes.add(h);
            most = Math.max(most, perSlot.merge(h & (CAPACITY - 1), 1, Integer::sum));
        }
        // 64-bit hashes of 32,768 distinct keys: a chance collision has odds ~2^-34.
        assertEquals(KEYS, hashes.size(), what + ": distinct hashes (seed " + KeyHash.seed() + ")");
        assertTrue(most <= MOST_PER_SLOT, what + ": " + most + " keys share one home slot of " + CAPACITY +
            " (seed " + KeyHash.seed() + ")");
    }
}
