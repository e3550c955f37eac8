package io.regioncache.store;

import io.regioncache.internal.table.KeyHash;

/**
 * A 64-bit hash of key bytes keyed by a secret chosen once per JVM: the engine's own index hash, for a store
 * implementation's hash maps over keys that clients choose.
 * <p>
 * <b>Why not {@code Arrays.hashCode}.</b> Its polynomial is public and linear, so colliding keys are free to make:
 * each pair of bytes {@code {0, 31}} may be replaced by {@code {1, 0}} without changing it, which gives 2<sup>n</sup>
 * keys of 2n bytes with one hash code. A {@code HashMap} or {@code ConcurrentHashMap} over a key class that is not
 * {@code Comparable} to itself then searches a bin of all of them on every lookup: the RocksDB store's GC tracker
 * took 6.2 s to write 20,000 such keys against 0.3 s for random keys, and a client of a replicated store chooses its
 * keys. With a secret the collisions cannot be computed ({@code KeyedHashFloodTest} in the RocksDB module).
 * <p>
 * The value differs between JVMs (unless {@code -Dregioncache.hashSeed=N} fixes it, for replaying a layout; that
 * gives up the protection), so it must never be stored or sent. Thread-safe, allocation-free.
 */
public final class KeyedHash
{
    private KeyedHash()
    {
    }

    /**
     * @param key the key's bytes.
     * @return the keyed 64-bit hash of all of {@code key}.
     */
    public static long hash(final byte[] key)
    {
        return KeyHash.hashArray(key, 0, key.length);
    }

    /**
     * @param key    an array holding the key.
     * @param offset where the key starts.
     * @param length the key's length.
     * @return the keyed 64-bit hash of those bytes.
     * @throws IndexOutOfBoundsException if the range is not inside {@code key}.
     */
    public static long hash(final byte[] key, final int offset, final int length)
    {
        return KeyHash.hashArray(key, offset, length);
    }

    /**
     * @param key the key's bytes.
     * @return {@link #hash(byte[])} folded to 32 bits, for a {@code hashCode()}.
     */
    public static int hash32(final byte[] key)
    {
        return Long.hashCode(hash(key));
    }
}
