package io.regioncache.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import io.regioncache.StoreException;

/**
 * The file in a store's directory that records the highest safe point the store's GC swept at, so that a store
 * opened again on the directory knows it ({@link io.regioncache.BackingStore#gcSafePoint()}) and keeps refusing reads
 * below it. Without it a reopened store answered such a read from what the sweep left (a key whose old version was
 * swept read as absent), and so did a cache loaded from it. The RocksDB and LMDB stores share it.
 * <p>
 * Written to a temporary file and renamed over the old one after each forward round: a reader finds the old number
 * or the new one, never a torn one. A crash between a round's commit and the rename leaves the file one round behind,
 * which the next round repairs.
 */
public final class SafePointFile
{
    /** The file's name in the store's directory. */
    public static final String NAME = "regioncache-gc-safe-point";

    private SafePointFile()
    {
    }

    /**
     * @param dir the store's directory.
     * @return the safe point recorded in {@code dir}, or -1 if none was.
     * @throws StoreException if the file exists but cannot be read or holds no number.
     */
    public static long read(final Path dir)
    {
        final Path f = dir.resolve(NAME);
        try
        {
            return Long.parseLong(Files.readString(f).trim());
        }
        catch (final NoSuchFileException ex)
        {
            return -1;
        }
        catch (final IOException | NumberFormatException ex)
        {
            throw new StoreException("cannot read the GC safe point in " + f + ": " + ex, ex);
        }
    }

    /**
     * Record {@code safePoint} in {@code dir}.
     *
     * @param dir       the store's directory.
     * @param safePoint the safe point a round swept at.
     * @throws StoreException if it cannot be written. Whether a round's deletes stand is the caller's to say:
     *                        RocksDB's store records before it sweeps (nothing is swept then), LMDB's after its
     *                        commit (the deletes stand, only the record is missing).
     */
    public static void write(final Path dir, final long safePoint)
    {
        final Path f = dir.resolve(NAME);
        final Path tmp = dir.resolve(NAME + ".tmp");
        try
        {
            Files.writeString(tmp, Long.toString(safePoint));
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            throw new StoreException("cannot record the GC safe point " + safePoint + " in " + f + ": " + ex, ex);
        }
    }
}
