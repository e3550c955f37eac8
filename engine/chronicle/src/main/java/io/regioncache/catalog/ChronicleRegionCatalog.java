package io.regioncache.catalog;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import net.openhft.chronicle.map.ChronicleMap;

/**
 * A {@link RegionCatalog} in a Chronicle Map persisted to a file: several processes map the same file, so an ops
 * tool in another JVM sees the regions a running engine publishes. Chronicle Map is an optional dependency: only
 * hosts that use the catalog need it (and its JVM flags, see the README; always with
 * {@code -Dchronicle.analytics.disable=true}).
 * <p>
 * Thread-safe. {@link #close()} waits for a running {@link #publish} or {@link #read} (a Chronicle Map closed under
 * a running access reads unmapped memory); after it both throw {@link IllegalStateException}.
 */
public final class ChronicleRegionCatalog implements RegionCatalog
{
    /** How long {@link #open} waits for a header another process is still writing. */
    private static final long HEADER_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * The key of the publish sequence, an 8-byte big-endian counter: odd while a publish writes, even once it is whole
     * (a seqlock across processes). Region ids are never negative, so it cannot collide with a region.
     */
    static final long SEQUENCE_KEY = -1L;

    /**
     * How long {@link #read} retries while the publish sequence stays odd and unmoved (a publisher that died inside a
     * publish) before it returns what the file holds; any move of the sequence restarts it.
     */
    static final long CONSISTENT_READ_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * How long {@link #read} retries at most even while the sequence moves (a live publisher whose publishes leave
     * no gap long enough for a whole read: many regions at a short interval): it then returns what the file holds.
     */
    static final long MAX_READ_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final long RETRY_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private final ChronicleMap<Long, byte[]> map;
    private final Object publishLock = new Object();
    private final ReentrantReadWriteLock life = new ReentrantReadWriteLock();
    private boolean closed;

    private ChronicleRegionCatalog(final ChronicleMap<Long, byte[]> map)
    {
        this.map = map;
    }

    /**
     * Open (or create) the catalog file. A missing or empty file is created as a catalog.
     *
     * @param file       the file, shared by the writer and readers.
     * @param maxRegions how many regions it can hold ({@code > 0}).
     * @return the catalog.
     * @throws NullPointerException if {@code file} is null.
     * @throws IllegalArgumentException if {@code maxRegions <= 0}.
     * @throws UncheckedIOException if the file cannot be opened or is not a catalog: a directory, a path below a
     * file, a file too short, corrupt, or whose header is zero or marked unfinished (answered within a second:
     * Chronicle Map itself would wait a minute for such a header to be finished by another process), or if another
     * thread interrupts the caller during the open (a flag set before the call is no reason: it is kept for the
     * caller).
     */
    public static ChronicleRegionCatalog open(final File file, final long maxRegions)
    {
        Objects.requireNonNull(file, "file");
        if (maxRegions <= 0)
        {
            throw new IllegalArgumentException("maxRegions must be > 0, was " + maxRegions);
        }
        System.setProperty("chronicle.analytics.disable", "true");
        // Chronicle Map opens the file through an interruptible FileChannel: on a thread whose interrupt flag was set
        // the channel closed at once and open failed (ClosedByInterruptException), so a host thread with a stale flag
        // could not open a catalog (audit 11c, blackbox11c/CatalogInterruptsAndHostileCatalogTest). Opening is short
        // and waits only for another process's header (awaitHeader, at most a second), so the flag is put aside for
        // it and restored for the caller. An interrupt that arrives during the open still fails it, typed.
        final boolean interrupted = Thread.interrupted();
        try
        {
            awaitHeader(file);
            final ChronicleMap<Long, byte[]> map = ChronicleMap.of(Long.class, byte[].class)
                .name("regioncache-catalog")
                .entries(maxRegions == Long.MAX_VALUE ? maxRegions : maxRegions + 1) // + the sequence
                .averageValueSize(160)
                .createPersistedTo(file); // maps the existing file if another process created it
            return new ChronicleRegionCatalog(map);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open region catalog " + file, ex);
        }
        finally
        {
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Chronicle Map's own wait for an unfinished header ({@code waitUntilReady}): up to a minute while the file is
     * shorter than 12 bytes or its size word (offset 8) is not ready: no size, or its NOT_COMPLETE bit set. A file
     * left that way (zeroed, cut short by a crash, random bytes) would make {@code open} wait that minute; this waits
     * a second for another process that is really writing the header, then refuses.
     */
    private static void awaitHeader(final File file) throws IOException
    {
        if (!file.isFile() || file.length() == 0)
        {
            return; // missing or empty: Chronicle creates the map; a directory or bad path fails there, typed
        }
        final long deadline = System.nanoTime() + HEADER_WAIT_NANOS;
        try (RandomAccessFile raf = new RandomAccessFile(file, "r"))
        {
            while (true)
            {
                if (raf.length() >= 12)
                {
                    raf.seek(8);
                    final int word = Integer.reverseBytes(raf.readInt()); // little-endian
                    // Chronicle's SizePrefixedBlob.isReady: a size and the NOT_COMPLETE bit (31) clear. A size with
                    // that bit set (random bytes, a header cut short) made Chronicle wait its minute.
                    if (word > 0)
                    {
                        return;
                    }
                }
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IOException("not a region catalog: " + file + " has no Chronicle Map header (" +
                        raf.length() + " bytes)");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * A publish writes one map entry per region, so a reader could land between two of them: a split's new child
     * beside its parent's old range. The writes are bracketed by the publish sequence (a counter under a reserved key)
     * (odd while a publish runs), which {@link #read} checks before and after it reads. One publishing process per
     * file; in that process publishes are serialized.
     *
     * @throws NullPointerException if {@code entries} or one of them is null.
     * @throws IllegalArgumentException if an entry's region id is negative (reserved: the file keeps its publish
     * sequence under id -1, which such an entry would overwrite); nothing is written.
     * @throws IllegalStateException if the catalog is closed.
     */
    @Override
    public void publish(final List<CatalogEntry> entries)
    {
        Objects.requireNonNull(entries, "entries");
        final List<byte[]> encoded = new ArrayList<>(entries.size());
        for (final CatalogEntry e : entries)
        {
            final long id = Objects.requireNonNull(e, "entry").region().id();
            if (id < 0)
            {
                throw new IllegalArgumentException("region id " + id + " is reserved (region ids are 0.." +
                    Long.MAX_VALUE + ")");
            }
            encoded.add(e.encode()); // all or nothing: check and encode before writing
        }
        enter();
        try
        {
            synchronized (publishLock)
            {
                final long sequence = sequenceOf(map.get(SEQUENCE_KEY)) | 1L; // odd: a publish is running
                map.put(SEQUENCE_KEY, sequenceBytes(sequence));
                final Set<Long> live = new HashSet<>();
                live.add(SEQUENCE_KEY);
                for (int i = 0; i < encoded.size(); i++)
                {
                    final long id = entries.get(i).region().id();
                    live.add(id);
                    map.put(id, encoded.get(i));
                }
                map.keySet().removeIf(id -> !live.contains(id));
                map.put(SEQUENCE_KEY, sequenceBytes(sequence + 1)); // even: this publish is whole
            }
        }
        finally
        {
            life.readLock().unlock();
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * The entries of one whole publish: the read is retried while the publish sequence is odd or moves under it. A
     * publisher that died inside a publish leaves the sequence odd for good; after a second in which the sequence
     * did not move the read returns what the file holds (each entry whole, the list possibly mixing two publishes).
     * A sequence that moves (a live publisher) restarts that second, so a reader descheduled past it still retries;
     * after {@link #MAX_READ_NANOS} of retries the read returns what the file holds whatever the sequence does.
     *
     * @throws IllegalArgumentException if an entry's bytes are not a catalog entry (see {@link CatalogEntry#decode}).
     * @throws IllegalStateException if the catalog is closed.
     */
    @Override
    public List<CatalogEntry> read()
    {
        enter();
        try
        {
            final long giveUpAt = System.nanoTime() + MAX_READ_NANOS;
            long deadline = System.nanoTime() + CONSISTENT_READ_NANOS;
            long stuckAt = Long.MIN_VALUE; // the sequence a dead publisher would leave; any move proves it alive
            while (true)
            {
                // Each map access takes the entry's segment lock (a CAS in the shared mapping), which orders the
                // entries' reads between the two sequence reads, as a seqlock's fences would.
                final long before = sequenceOf(map.get(SEQUENCE_KEY));
                final List<CatalogEntry> out = readEntries();
                final long after = sequenceOf(map.get(SEQUENCE_KEY));
                final long now = System.nanoTime();
                if (before != after || after != stuckAt)
                {
                    // A live publisher moved the sequence: the second counts from now (a reader descheduled for a
                    // second on a busy machine must not take a mixed read for a dead publisher's).
                    stuckAt = after;
                    deadline = now + CONSISTENT_READ_NANOS;
                }
                if (((before & 1L) == 0 && before == after) || now - deadline > 0 || now - giveUpAt > 0)
                {
                    out.sort((a, b) -> Arrays.compareUnsigned(a.region().start(), b.region().start()));
                    return out;
                }
                LockSupport.parkNanos(RETRY_PARK_NANOS); // a publish of many entries takes a few ms: do not spin
            }
        }
        finally
        {
            life.readLock().unlock();
        }
    }

    private List<CatalogEntry> readEntries()
    {
        final List<CatalogEntry> out = new ArrayList<>();
        for (final Map.Entry<Long, byte[]> e : map.entrySet())
        {
            if (e.getKey() != SEQUENCE_KEY)
            {
                out.add(CatalogEntry.decode(e.getValue()));
            }
        }
        return out;
    }

    /** A file written before the sequence existed (or never published) has none: read as 0, a whole publish. */
    private static long sequenceOf(final byte[] bytes)
    {
        return bytes == null || bytes.length != Long.BYTES ? 0L : ByteBuffer.wrap(bytes).getLong();
    }

    private static byte[] sequenceBytes(final long sequence)
    {
        return ByteBuffer.allocate(Long.BYTES).putLong(sequence).array();
    }

    private void enter()
    {
        life.readLock().lock();
        if (closed)
        {
            life.readLock().unlock();
            throw new IllegalStateException("region catalog is closed");
        }
    }

    /** Unmap the file; waits for a running publish or read. Idempotent. */
    @Override
    public void close()
    {
        life.writeLock().lock();
        try
        {
            if (!closed)
            {
                closed = true;
                map.close();
            }
        }
        finally
        {
            life.writeLock().unlock();
        }
    }
}
