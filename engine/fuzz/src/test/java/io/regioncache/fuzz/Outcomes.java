package io.regioncache.fuzz;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

/**
 * The checks every fuzz target shares: a call either returns or throws one of the exception types its Javadoc
 * documents (anything else is a finding, reported with the input in hex), and a call allocates in proportion to the
 * bytes it was given, not to a length those bytes claim.
 */
final class Outcomes
{
    /** What a call did: its value, or the documented exception it threw. */
    record Outcome<T>(T value, RuntimeException refusal)
    {
        boolean returned()
        {
            return refusal == null;
        }
    }

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    private Outcomes()
    {
    }

    /**
     * Run {@code call}; return its value, or the exception it threw if that is an instance of one of {@code allowed}.
     *
     * @throws AssertionError for any other exception or error, naming the input.
     */
    static <T> Outcome<T> expectOnly(
        final Supplier<T> call, final List<Class<? extends RuntimeException>> allowed, final String what,
        final byte[] input)
    {
        try
        {
            return new Outcome<>(call.get(), null);
        }
        catch (final RuntimeException ex)
        {
            for (final Class<? extends RuntimeException> c : allowed)
            {
                if (c.isInstance(ex))
                {
                    return new Outcome<>(null, ex);
                }
            }
            throw new AssertionError(what + " threw an undocumented " + ex.getClass().getName() + " (documented: " +
                allowed + ") for input " + hex(input), ex);
        }
        catch (final StackOverflowError | OutOfMemoryError ex)
        {
            throw new AssertionError(what + " threw " + ex + " for input " + hex(input), ex);
        }
    }

    /** Bytes allocated by this thread so far (HotSpot's per-thread counter). */
    static long allocated()
    {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    /**
     * Fail if {@code call} allocates more than a fixed allowance plus {@code perByte} bytes per input byte: a decoder
     * that sized an array by a claimed length (a varint saying 2 GiB) fails here long before it runs out of heap. A
     * call over the bound is measured once more, so that the first use of a class or a string concatenation site
     * (linked lazily, on this thread) is not taken for the call's own allocation.
     */
    static void checkAllocation(
        final Runnable call, final long allowance, final int perByte, final String what, final byte[] input)
    {
        final long bound = allowance + (long)perByte * input.length;
        long used = 0;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            final long before = allocated();
            try
            {
                call.run();
            }
            catch (final RuntimeException ex)
            {
                // The outcome was judged by the caller; only the bytes count here.
            }
            used = allocated() - before;
            if (used <= bound)
            {
                return;
            }
        }
        throw new AssertionError(what + " allocated " + used + " bytes for " + input.length + " input bytes (bound " +
            bound + ") for input " + hex(input));
    }

    static void check(final boolean condition, final String message, final byte[] input)
    {
        if (!condition)
        {
            throw new AssertionError(message + " for input " + hex(input));
        }
    }

    static String hex(final byte[] input)
    {
        final byte[] shown = input.length <= 512 ? input : Arrays.copyOf(input, 512);
        return HexFormat.of().formatHex(shown) + (input.length > 512 ? "... (" + input.length + " bytes)" : "");
    }
}
