package io.regioncache;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The engine's metrics in a memory-mapped file that another process reads without stopping the host, the way
 * Aeron's {@code AeronStat} reads its media driver's counters: Agrona's {@link CountersManager} writes labelled
 * 64-bit counters into the mapped file; {@link #read(Path)} maps it read-side with a {@link CountersReader}.
 * <p>
 * The host turns it on with {@link RegionCacheConfig.Builder#countersFile(Path)}; a daemon thread then copies
 * {@link RegionCache#metrics()} into the counters every {@code countersIntervalMillis} (the metric names are a
 * stable set, so each gets one counter at start). {@code java -jar regioncache.jar stat --file F} prints them.
 * <p>
 * File layout:
 * <pre>
 *  0                   4                   8                  12                  16
 *  +-------------------+-------------------+-------------------+-------------------+
 *  | magic 'RCST'      | layout version    | metadata length   | values length     |
 *  +-------------------+-------------------+-------------------+-------------------+
 *  | pid (8)                               | last update, epoch ms (8, release)    |
 *  +---------------------------------------+---------------------------------------+
 *  | ... header padded to 64 bytes ...                                              |
 *  +--------------------------------------------------------------------------------+
 *  | metadata buffer (CountersReader.METADATA_LENGTH per counter)                   |
 *  +--------------------------------------------------------------------------------+
 *  | values buffer (CountersReader.COUNTER_LENGTH per counter)                      |
 *  +--------------------------------------------------------------------------------+
 * </pre>
 */
public final class CountersFile
{
    static final int MAGIC = 0x52435354; // "RCST"
    static final int LAYOUT_VERSION = 1;
    static final int HEADER_LENGTH = 64;
    static final int MAX_COUNTERS = 512;
    private static final int PID_OFFSET = 16;
    private static final int UPDATED_OFFSET = 24;

    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final CountersManager counters;
    private final Map<String, Integer> ids = new LinkedHashMap<>();

    private CountersFile(final MappedByteBuffer mapped, final int metaLength, final int valuesLength)
    {
        this.mapped = mapped;
        this.header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        header.putInt(0, MAGIC);
        header.putInt(4, LAYOUT_VERSION);
        header.putInt(8, metaLength);
        header.putInt(12, valuesLength);
        header.putLong(PID_OFFSET, ProcessHandle.current().pid());
        this.counters = new CountersManager(
            new UnsafeBuffer(mapped, HEADER_LENGTH, metaLength),
            new UnsafeBuffer(mapped, HEADER_LENGTH + metaLength, valuesLength),
            StandardCharsets.US_ASCII);
    }

    /**
     * Create (replacing) the file, holding {@code initial} from the moment it appears. Publisher side: one thread
     * only (the caller, until it hands the writer to its publisher thread).
     *
     * @param file    the file.
     * @param initial the values the file holds when it appears.
     * @return the writer.
     */
    static CountersFile create(final Path file, final MetricsSnapshot initial)
    {
        final int valuesLength = MAX_COUNTERS * CountersReader.COUNTER_LENGTH;
        final int metaLength = MAX_COUNTERS * CountersReader.METADATA_LENGTH;
        // "Replaced" means a file: an (empty) directory of that name would otherwise be deleted in its place.
        if (Files.isDirectory(file))
        {
            throw new IllegalArgumentException("counters file " + file + " is a directory");
        }
        // Built under a temporary name in the same directory, its header and first values written, then renamed into
        // place: the file appears only once it is a readable counters file holding every metric. Created in place, it
        // existed empty for a moment, and a reader that polled for it (the README's `until [ -f ... ]` before `stat`)
        // could find "0 bytes, shorter than its header", or no counters before the publisher's first round (audit
        // 18). The mapping follows the file through the rename.
        final Path parent = file.toAbsolutePath().getParent();
        final Path temporary = parent.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        final File f = temporary.toFile();
        final CountersFile created = new CountersFile(mapUninterruptibly(() ->
        {
            IoUtil.deleteIfExists(f);
            return IoUtil.mapNewFile(f, HEADER_LENGTH + (long)metaLength + valuesLength);
        }, "cannot create counters file " + file), metaLength, valuesLength);
        try
        {
            created.publish(initial);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException | RuntimeException ex)
        {
            created.close();
            try
            {
                Files.deleteIfExists(temporary);
            }
            catch (final IOException suppressed)
            {
                ex.addSuppressed(suppressed);
            }
            if (ex instanceof IOException)
            {
                throw new UncheckedIOException("cannot create counters file " + file, (IOException)ex);
            }
            throw (RuntimeException)ex;
        }
        return created;
    }

    /**
     * Map a file through Agrona, whose {@code FileChannel} is interruptible: on a thread whose interrupt flag is set
     * (or that another thread interrupts meanwhile) the channel closes and throws {@link ClosedByInterruptException},
     * so a host thread with its flag set could neither start an engine with a counters file nor read one (audit 11c,
     * {@code blackbox11c/InterruptedCallersTest}). Mapping is short and never waits, so the flag is put aside for it,
     * the mapping retried if an interrupt closed the channel (each attempt opens a channel of its own), and the flag
     * restored for the caller. Agrona rethrows an {@link IOException} unchecked but undeclared (a "sneaky throw"): a
     * host's {@code catch (RuntimeException)} would miss it, so it becomes an {@link UncheckedIOException}.
     */
    private static MappedByteBuffer mapUninterruptibly(
        final java.util.function.Supplier<MappedByteBuffer> map, final String failure)
    {
        boolean interrupted = false;
        try
        {
            while (true)
            {
                interrupted |= Thread.interrupted();
                try
                {
                    return map.get();
                }
                catch (final Exception ex)
                {
                    if (ex instanceof ClosedByInterruptException)
                    {
                        interrupted = true;
                        continue;
                    }
                    if (ex instanceof IOException)
                    {
                        throw new UncheckedIOException(failure, (IOException)ex);
                    }
                    throw ex;
                }
            }
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
     * Copy a metrics snapshot into the counters (allocating a counter the first time a name is seen). Publisher
     * thread only.
     *
     * @param metrics the metrics.
     */
    void publish(final MetricsSnapshot metrics)
    {
        for (final Map.Entry<String, Number> e : metrics.values().entrySet())
        {
            Integer id = ids.get(e.getKey());
            if (id == null)
            {
                if (ids.size() >= MAX_COUNTERS)
                {
                    continue; // a fixed-size file: names beyond the limit are left out, never a failure
                }
                id = counters.allocate(fileLabel(e.getKey(), e.getValue()));
                ids.put(e.getKey(), id);
            }
            counters.setCounterValue(id, fileValue(e.getKey(), e.getValue())); // ordered store: whole values
        }
        header.putLongOrdered(UPDATED_OFFSET, System.currentTimeMillis());
    }

    /**
     * Counters hold whole numbers, and the durations' means and maxima ({@code *.duration.mean_ms},
     * {@code *.duration.max_ms}) are fractions of a millisecond: stored as they were, truncated, every duration
     * under 1 ms read 0 in {@code stat}. So a fractional metric named {@code ..._ms} is stored in microseconds
     * (rounded) under the same name ending {@code _us}; every other metric keeps its name and whole value.
     *
     * @param metric the metric's name.
     * @param value  its value (the type it has on the first publish decides the label, for good).
     * @return the counter's label in the file.
     */
    static String fileLabel(final String metric, final Number value)
    {
        return isFractionalMillis(metric, value) ? metric.substring(0, metric.length() - 3) + "_us" : metric;
    }

    /**
     * @param metric the metric's name.
     * @param value  its value.
     * @return what the file stores for it (see {@link #fileLabel}).
     */
    static long fileValue(final String metric, final Number value)
    {
        return isFractionalMillis(metric, value) ? Math.round(value.doubleValue() * 1000.0) : value.longValue();
    }

    private static boolean isFractionalMillis(final String metric, final Number value)
    {
        return (value instanceof Double || value instanceof Float) && metric.endsWith("_ms");
    }

    /** Unmap (the file stays: its last values remain readable). */
    void close()
    {
        IoUtil.unmap(mapped);
    }

    /**
     * Read every counter of a counters file written by a running (or finished) engine, from any process.
     *
     * @param file the file.
     * @return the values by name in allocation order, plus {@code file.pid} and {@code file.updated_ms}.
     * @throws IllegalArgumentException if the file is not a RegionCache counters file.
     * @throws UncheckedIOException     if the file cannot be mapped (an I/O error; a caller's interrupt is not one:
     *                                  the flag is left set and the file read all the same).
     */
    public static Map<String, Long> read(final Path file)
    {
        if (!Files.isRegularFile(file))
        {
            throw new IllegalArgumentException("no counters file at " + file);
        }
        // Read-only: the reader never writes, and needs no write permission on the host's file.
        final MappedByteBuffer mapped;
        try
        {
            mapped = mapUninterruptibly(
                () -> IoUtil.mapExistingFile(file.toFile(), FileChannel.MapMode.READ_ONLY, "regioncache counters"),
                "cannot read counters file " + file);
        }
        catch (final IllegalStateException ex)
        {
            // Gone between the check above and the mapping (an engine starting replaces its file; it may be back by
            // now): no counters file, as if it had been missing at the check. Agrona's only IllegalStateException here
            // is its "missing file", which `stat` answered with a stack trace and exit 1, not its usage error (audit
            // 18).
            throw new IllegalArgumentException("no counters file at " + file + " (it went away as it was read)", ex);
        }
        catch (final UncheckedIOException ex)
        {
            if (ex.getCause() instanceof java.io.FileNotFoundException
                || ex.getCause() instanceof java.nio.file.NoSuchFileException)
            {
                throw new IllegalArgumentException("no counters file at " + file + " (it went away as it was read)", ex);
            }
            throw ex;
        }
        try
        {
            // The length first: a file shorter than the header is not a counters file, not an out-of-bounds read.
            if (mapped.capacity() < HEADER_LENGTH)
            {
                throw new IllegalArgumentException(file + " is not a RegionCache counters file (" +
                    mapped.capacity() + " bytes, shorter than its header)");
            }
            final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
            if (header.getInt(0) != MAGIC || header.getInt(4) != LAYOUT_VERSION)
            {
                throw new IllegalArgumentException(file + " is not a RegionCache counters file (layout " +
                    LAYOUT_VERSION + ")");
            }
            final int metaLength = header.getInt(8);
            final int valuesLength = header.getInt(12);
            if (metaLength < 0 || valuesLength < 0 ||
                (long)HEADER_LENGTH + metaLength + valuesLength > mapped.capacity())
            {
                throw new IllegalArgumentException(file + " is truncated");
            }
            // Whole records, and a metadata record for every counter: the reader indexes both buffers by counter id.
            if (metaLength % CountersReader.METADATA_LENGTH != 0 || valuesLength % CountersReader.COUNTER_LENGTH != 0 ||
                metaLength / CountersReader.METADATA_LENGTH < valuesLength / CountersReader.COUNTER_LENGTH)
            {
                throw new IllegalArgumentException(file + " is not a RegionCache counters file (metadata " +
                    metaLength + " and values " + valuesLength + " bytes are not whole, matching records)");
            }
            final UnsafeBuffer metadata = new UnsafeBuffer(mapped, HEADER_LENGTH, metaLength);
            checkRecords(file, metadata, valuesLength / CountersReader.COUNTER_LENGTH);
            final CountersReader reader = new CountersReader(
                metadata,
                new UnsafeBuffer(mapped, HEADER_LENGTH + metaLength, valuesLength),
                StandardCharsets.US_ASCII);
            final Map<String, Long> out = new LinkedHashMap<>();
            out.put("file.pid", header.getLong(PID_OFFSET));
            out.put("file.updated_ms", header.getLongVolatile(UPDATED_OFFSET));
            reader.forEach((value, id, label) -> out.put(label, value));
            return out;
        }
        finally
        {
            IoUtil.unmap(mapped);
        }
    }

    /**
     * The records the reader will visit, checked before it trusts them: it walks the metadata up to its first unused
     * record and reads each one's value by its id and its label by the length it claims. A record with no value (an
     * id past the values buffer) made it read past that buffer, and a corrupt label length past the metadata or into
     * a string of 2^31 characters (an OutOfMemoryError); audit 32's fuzzing found the first, the label lengths of
     * records past the values behind it, and a negative one there ({@code NegativeArraySizeException}).
     */
    private static void checkRecords(final Path file, final UnsafeBuffer metadata, final int counters)
    {
        final int records = metadata.capacity() / CountersReader.METADATA_LENGTH;
        for (int id = 0; id < records; id++)
        {
            final int at = CountersReader.metaDataOffset(id);
            final int state = metadata.getIntVolatile(at);
            if (state == CountersReader.RECORD_UNUSED)
            {
                return; // the reader stops at the first unused record too
            }
            if (id >= counters)
            {
                throw new IllegalArgumentException(file + " is not a RegionCache counters file (counter " + id +
                    " is described but has no value: " + counters + " values)");
            }
            final int labelLength = metadata.getInt(at + CountersReader.LABEL_OFFSET);
            if (state == CountersReader.RECORD_ALLOCATED &&
                (labelLength < 0 || labelLength > CountersReader.MAX_LABEL_LENGTH))
            {
                throw new IllegalArgumentException(file + " is not a RegionCache counters file (counter " + id +
                    " has a label of " + labelLength + " bytes)");
            }
        }
    }
}
