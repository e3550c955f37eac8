package io.regioncache.bench.drive;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Properties;

/**
 * The acknowledged-write log of {@code drive --data-dir}: {@value #FILE} in the data directory, append-only, one
 * 16-byte big-endian record per key written, {@code (key index | DELETE bit, version)}, in version order (the writer
 * thread appends after {@code HybridEngine.write} returned without {@code STORE_ERROR}: the engine writes RocksDB
 * synchronously, WAL on, before it queues the cache apply, so the store has the write).
 * <p>
 * <b>Acknowledged</b> = the record reached this file (handed to the OS with {@code write(2)}; that survives a
 * process kill, SIGKILL included, as RocksDB's unsynced WAL does; {@link #close} also forces it to the device).
 * Records are buffered and written once {@value #FLUSH_RECORDS} are pending or {@value #FLUSH_MILLIS} ms passed, so
 * at most {@value #FLUSH_RECORDS} batches (versions) reached RocksDB without an acknowledgement: a resumed run starts
 * its versions {@value #VERSION_GAP} above the log's last one. {@link #durableVersion()} caps the GC safe point, so
 * GC never collapses a version older than the newest acknowledged one of its key behind an unacknowledged write.
 * <p>
 * {@value #META} records the key space ({@code keys}, {@code valueSize}) a resumed run must use.
 */
final class AckLog implements AutoCloseable
{
    static final String FILE = "drive-acks.log";
    static final String META = "drive.properties";
    /**
     * Written into the data directory by a resume that found acknowledged writes missing: the store lost data, and
     * later resumes must fail too. Without it they did not: the runs after the failed one rewrote some keys, and a
     * lost record of such a key then counted as superseded by the newer write (its data never came back).
     */
    static final String LOST = "drive-lost-acks";
    static final int RECORD = 16;
    static final long DELETE = 1L << 63;
    static final int FLUSH_RECORDS = 256;
    static final long FLUSH_MILLIS = 20;
    static final long VERSION_GAP = 4096;

    private final FileChannel ch;
    private final ByteBuffer buf = ByteBuffer.allocate(FLUSH_RECORDS * RECORD * 4).order(ByteOrder.BIG_ENDIAN);
    private long pendingVersion;
    private volatile long durableVersion;
    private long lastFlushNanos = System.nanoTime();
    private long records;

    private AckLog(final FileChannel ch, final long records, final long durableVersion)
    {
        this.ch = ch;
        this.records = records;
        this.durableVersion = durableVersion;
    }

    /**
     * The highest version a record may carry. A run writes at most a few hundred thousand batches a second, so it
     * never gets near it; a version above it is damage (a flipped high byte), and trusting it as the log's last
     * version would make the resumed run's versions overflow.
     */
    static final long MAX_VERSION = 1L << 62;

    /**
     * The state a previous run left: its records (decoded) and key space. {@code damage[i]} is null for a record
     * that can be checked against the store, else why record {@code i} cannot be (it names no write a run makes):
     * such a record is reported as a missing acknowledged write. {@code lastVersion} is the newest version of the
     * records without damage (0 if none).
     */
    record Previous(int keys, int valueSize, long[] keyAndFlag, long[] version, String[] damage, long lastVersion)
    {
        long count()
        {
            return version.length;
        }
    }

    static boolean isDriveDir(final Path dir)
    {
        return Files.isRegularFile(dir.resolve(META));
    }

    /** @return the key space recorded in {@code dir} ({@code [keys, valueSize]}). */
    static int[] readMeta(final Path dir) throws IOException
    {
        final Properties p = new Properties();
        try (var in = Files.newBufferedReader(dir.resolve(META), StandardCharsets.UTF_8))
        {
            p.load(in);
        }
        return new int[] {Units.parseInt(p.getProperty("keys").trim()),
            Units.parseInt(p.getProperty("valueSize").trim())};
    }

    static void writeMeta(final Path dir, final int keys, final int valueSize) throws IOException
    {
        final Path tmp = dir.resolve(META + ".tmp");
        Files.writeString(tmp, "# written by regioncache drive: the key space a resumed run uses\nkeys=" + keys +
            "\nvalueSize=" + valueSize + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(META), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * @return the records of {@code dir}'s log (a torn last record is ignored), each checked for what no run writes:
     * a version below 1 (the setup writes from 1; a zeroed block of the file decodes as key 0, put, version 0), a
     * version above {@link #MAX_VERSION}, a key index outside the key space of {@value #META}, or a version below
     * an earlier record's (the log is in version order). Such a record is marked in {@link Previous#damage} and
     * left out of {@link Previous#lastVersion}: trusting it would count writes that never happened as verified (or
     * superseded), or start the resumed run's versions from a wrong base.
     */
    static Previous read(final Path dir) throws IOException
    {
        final int[] meta = readMeta(dir);
        final Path f = dir.resolve(FILE);
        final byte[] all = Files.isRegularFile(f) ? Files.readAllBytes(f) : new byte[0];
        final int n = all.length / RECORD;
        final long[] kf = new long[n];
        final long[] v = new long[n];
        final String[] damage = new String[n];
        final ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.BIG_ENDIAN);
        long last = 0;
        for (int i = 0; i < n; i++)
        {
            kf[i] = b.getLong();
            v[i] = b.getLong();
            final long k = kf[i] & ~DELETE;
            if (v[i] < 1 || v[i] > MAX_VERSION)
            {
                damage[i] = describe(i, kf[i], v[i]) + ": a version no write has (damaged log)";
            }
            else if (k >= meta[0])
            {
                damage[i] = describe(i, kf[i], v[i]) + ": key outside the key space of " + meta[0] + " keys";
            }
            else if (v[i] < last)
            {
                damage[i] = describe(i, kf[i], v[i]) + ": below version " + last + " of an earlier record (the log " +
                    "is in version order)";
            }
            else
            {
                last = v[i];
            }
        }
        return new Previous(meta[0], meta[1], kf, v, damage, last);
    }

    private static String describe(final int i, final long keyAndFlag, final long version)
    {
        return "record " + i + " of " + FILE + " (key " + (keyAndFlag & ~DELETE) + ", " +
            (keyAndFlag < 0 ? "delete" : "put") + ", version " + version + ")";
    }

    /**
     * @return how many acknowledged writes the first failed resume on {@code dir} found missing ({@value #LOST}), 0
     * if none did; 1 if the file is there but holds no count (it is only ever written when writes were missing).
     */
    static long readLost(final Path dir)
    {
        final Path f = dir.resolve(LOST);
        if (!Files.exists(f))
        {
            return 0;
        }
        try
        {
            final String first = Files.readString(f, StandardCharsets.UTF_8).lines().findFirst().orElse("");
            return Math.max(1, Units.parseLong(first.trim()));
        }
        catch (final IOException | RuntimeException ex)
        {
            return 1;
        }
    }

    /** Record that a resume found {@code missing} acknowledged writes missing (first line: the count). */
    static void writeLost(final Path dir, final long missing, final java.util.List<String> samples) throws IOException
    {
        final Path tmp = dir.resolve(LOST + ".tmp");
        Files.writeString(tmp, missing + "\n# acknowledged writes a resumed drive found missing in RocksDB; every " +
            "later resume on this directory fails (exit 1)\n" + String.join("\n", samples) + "\n",
            StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(LOST), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Open for appending (cutting a torn last record). */
    static AckLog open(final Path dir, final long lastVersion) throws IOException
    {
        final FileChannel ch = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        final long whole = ch.size() / RECORD * RECORD;
        ch.truncate(whole);
        ch.position(whole);
        return new AckLog(ch, whole / RECORD, lastVersion);
    }

    /** Writer thread: one key of a batch the store has. */
    void append(final int key, final boolean delete, final long version)
    {
        if (buf.remaining() < RECORD)
        {
            flush();
        }
        buf.putLong(delete ? key | DELETE : key).putLong(version);
        pendingVersion = Math.max(pendingVersion, version);
    }

    /** Writer thread: after each batch (and when idle): write out if enough is pending or it waited long enough. */
    void maybeFlush()
    {
        if (buf.position() >= FLUSH_RECORDS * RECORD ||
            buf.position() > 0 && System.nanoTime() - lastFlushNanos > FLUSH_MILLIS * 1_000_000L)
        {
            flush();
        }
    }

    void flush()
    {
        lastFlushNanos = System.nanoTime();
        if (buf.position() == 0)
        {
            return;
        }
        buf.flip();
        try
        {
            records += buf.remaining() / RECORD;
            while (buf.hasRemaining())
            {
                ch.write(buf);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot append to " + FILE, ex);
        }
        finally
        {
            buf.clear();
        }
        durableVersion = pendingVersion;
    }

    /** @return the newest version whose records all reached the file. */
    long durableVersion()
    {
        return durableVersion;
    }

    /** @return records in the file. */
    long records()
    {
        return records;
    }

    @Override
    public void close() throws IOException
    {
        try
        {
            flush();
            ch.force(false);
        }
        finally
        {
            ch.close();
        }
    }
}
