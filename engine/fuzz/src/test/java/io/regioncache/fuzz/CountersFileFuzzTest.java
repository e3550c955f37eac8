package io.regioncache.fuzz;

import static io.regioncache.fuzz.Outcomes.check;
import static io.regioncache.fuzz.Outcomes.expectOnly;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;


import com.code_intelligence.jazzer.junit.FuzzTest;

import io.regioncache.CountersFile;

/**
 * {@link CountersFile#read}, the reader behind {@code regioncache stat}, given arbitrary file contents (README
 * "The {@code regioncache} tool", {@code stat}, and "Embedding": "{@code CountersFile.read} throws
 * {@code UncheckedIOException} for an I/O error"; its Javadoc: {@code IllegalArgumentException} "if the file is not a
 * RegionCache counters file").
 * <p>
 * It proves: a file of any contents is either read (a map holding {@code file.pid} and {@code file.updated_ms}, at
 * most one more entry per counter record the file has room for) or refused with {@code IllegalArgumentException};
 * never another exception (Agrona's bounds checks are on, so a read outside the mapped file would surface as one),
 * never an allocation beyond a fixed allowance plus a few bytes per file byte, never a hang (libFuzzer's per-input
 * timeout when fuzzing).
 */
class CountersFileFuzzTest
{
    /** What {@code read} may throw for a file that exists and can be mapped. */
    static final List<Class<? extends RuntimeException>> DOCUMENTED = List.of(IllegalArgumentException.class);
    // Its finding (CountersFileRefusalTest, fixed 2026-12-08): a header giving more metadata records than value
    // records made Agrona's reader read a value past the values buffer (IndexOutOfBoundsException with the bounds
    // checks on) or a label whose length read never checked (NegativeArraySizeException, or the label allocated at the
    // length claimed, up to an OutOfMemoryError). Such files are refused now, so every input is read.

    private static final Path FILE = tempFile();

    @FuzzTest(maxDuration = "5m")
    void read(final byte[] input)
    {
        write(input);
        final var read = expectOnly(() -> CountersFile.read(FILE), DOCUMENTED, "CountersFile.read", input);
        Outcomes.checkAllocation(() -> CountersFile.read(FILE), 1 << 20, 16, "CountersFile.read", input);
        if (read.returned())
        {
            final Map<String, Long> m = read.value();
            check(m.containsKey("file.pid") && m.containsKey("file.updated_ms"), "a read without the file's header",
                input);
            check(m.size() <= 2 + input.length / 128, m.size() + " entries from " + input.length + " bytes", input);
        }
    }

    private static void write(final byte[] input)
    {
        try
        {
            Files.write(FILE, input);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static Path tempFile()
    {
        try
        {
            final Path f = Files.createTempFile("regioncache-fuzz-counters", ".dat");
            f.toFile().deleteOnExit();
            return f;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
