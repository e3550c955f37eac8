package io.regioncache.internal.table;

import java.security.SecureRandom;
import java.util.Objects;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.LoggerFactory;

/**
 * A fast 64-bit key hash in the style of wyhash, keyed by a secret chosen when the class loads: each 8-byte word is
 * folded in with a 64x64-&gt;128-bit multiply whose high and low halves are xor-ed ("mum"), which mixes every input
 * bit into every output bit.
 * <p>
 * <b>Why a secret.</b> The index probes linearly, so keys that share a home slot cost a probe each, on every write
 * and get of any of them: n such keys cost n<sup>2</sup>/2 probes to insert. With fixed constants a writer can make
 * as many as it likes, and for free: a "mum" with a zero factor is zero, so any 16-byte keys whose second word equals
 * the word mask hashed to one value (40,000 of them took 6.7 s to write and read back against 0.22 s for random
 * keys, {@code HashFloodTest}; a get of one of n such keys probes n/2 slots on average). Keys reach the apply thread
 * from the replicated log, that is, from clients. So the masks and the initial state come from {@link SecureRandom}
 * once per JVM, as Go's runtime keys its wyhash-derived map hash (and Rust's standard library its SipHash): without the
 * secret a key set that collides cannot be computed, and a zero factor cannot be aimed at. The secrets are
 * {@code static final}, so the JIT folds them as it folded the old constants (get and scan in cache measured the same
 * before and after: jmh-results/HISTORY.md, "The keyed hash and audit 10's read-path changes").
 * <p>
 * <b>Reproducing a layout.</b> {@code -Dregioncache.hashSeed=N} (any {@code long}, decimal or {@code 0x} hex) fixes
 * the secret, so a run's slot layout can be replayed; {@link #seed()} reads the one in use (the randomized tests print
 * it on failure). A host that sets it gives up the protection against chosen keys; nothing else depends on it.
 * <p>
 * Words are read in native byte order: the hash only ever lives in memory, so it need not be portable (not even
 * between two runs, now). The top 16 bits become the hash-slot tag and the low bits the slot index, so both ends must
 * be well mixed, which the final mum guarantees.
 */
public final class KeyHash
{
    /** The system property that fixes the secret (see the class comment). */
    static final String SEED_PROPERTY = "regioncache.hashSeed";

    /** The secret every other one is derived from: {@link #SEED_PROPERTY}, or 64 bits of {@link SecureRandom}. */
    private static final long SEED = chooseSeed();

    // wyhash's constants, each xor-ed with a word derived from the secret. P1 and P3 mask the key's words: with them
    // known, a word equal to one zeroes its mum. P0 and P2 mask the running state and the length.
    private static final long P0 = 0xa0761d6478bd642fL ^ derive(SEED, 1);
    private static final long P1 = 0xe7037ed1a0b428dbL ^ derive(SEED, 2);
    private static final long P2 = 0x8ebc6af09c88c6e3L ^ derive(SEED, 3);
    private static final long P3 = 0x589965cc75374cc3L ^ derive(SEED, 4);

    private KeyHash()
    {
    }

    /**
     * @return the hash of {@code length} bytes of {@code key} at {@code offset} (checked once when Agrona's bounds
     * checks are on, then read raw through the buffer's base and address, like every other read of a caller's key).
     */
    static long hash(final DirectBuffer key, final int offset, final int length)
    {
        if (UnsafeBuffer.SHOULD_BOUNDS_CHECK)
        {
            key.boundsCheck(offset, length);
        }
        return hashRaw(key.byteArray(), key.addressOffset() + offset, length);
    }

    /**
     * For the exported {@code io.regioncache.store.KeyedHash} (store implementations' hash maps): the same keyed hash
     * over a byte array, bounds checked.
     *
     * @param key    the bytes.
     * @param offset where the key starts in {@code key}.
     * @param length the key's length.
     * @return the hash of {@code length} bytes of {@code key} at {@code offset}.
     * @throws IndexOutOfBoundsException if the range is not inside {@code key}.
     */
    public static long hashArray(final byte[] key, final int offset, final int length)
    {
        Objects.checkFromIndexSize(offset, length, key.length);
        return hashRaw(key, BufferUtil.ARRAY_BASE_OFFSET + offset, length);
    }

    /**
     * @return the hash of the {@code length} bytes at {@code address} of {@code base} (null: off-heap), which the
     * caller has checked. {@link #hash} is this function: one definition, so a key hashes alike on every path.
     */
    static long hashRaw(final byte[] base, final long address, final int length)
    {
        long h = P0 ^ length;
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            h = mum(UnsafeApi.getLong(base, address + i) ^ P1, h ^ P2);
        }
        if (i < length)
        {
            long tail = 0;
            for (int shift = 0; i < length; i++, shift += 8)
            {
                tail |= (UnsafeApi.getByte(base, address + i) & 0xFFL) << shift;
            }
            h = mum(tail ^ P3, h ^ P1);
        }
        return mum(h ^ P0, length ^ P3);
    }

    /**
     * For the randomized tests, which print it beside their own seed on failure: the layout of a failing run is
     * replayed with {@code -Dregioncache.hashSeed=} this value.
     *
     * @return the secret the hash is keyed with.
     */
    public static long seed()
    {
        return SEED;
    }

    private static long chooseSeed()
    {
        return chooseSeed(System.getProperty(SEED_PROPERTY));
    }

    /** @return {@code fixed} as a long if it is one, else a random secret (a warning logged if it was set). */
    static long chooseSeed(final String fixed)
    {
        if (null != fixed)
        {
            try
            {
                return Long.decode(fixed.trim());
            }
            catch (final NumberFormatException ex)
            {
                // A typo must not leave the index keyed by a guessable value, nor fail the class (and every table)
                // with an ExceptionInInitializerError: the secret stays random and the host is told why.
                LoggerFactory.getLogger(KeyHash.class).warn(
                    "ignoring -D{}={}: not a long; the key hash is keyed at random", SEED_PROPERTY, fixed);
            }
        }
        // NativePRNG on Linux: /dev/urandom, which never blocks (not getInstanceStrong, which may).
        return new SecureRandom().nextLong();
    }

    /** SplitMix64's finalizer of seed + i * golden gamma: four unrelated words from one secret. */
    private static long derive(final long seed, final int i)
    {
        long z = seed + i * 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static long mum(final long a, final long b)
    {
        return (a * b) ^ Math.multiplyHigh(a, b);
    }
}
