package io.regioncache.hybrid.blackbox;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import io.regioncache.CommandResult;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;

/** Helpers of the black-box audit E (public API only). */
final class ProbeSupport
{
    private ProbeSupport()
    {
    }

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(final byte[] bytes)
    {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    static CommandResult done(final CompletableFuture<CommandResult> f)
    {
        try
        {
            return f.get(30, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            throw new AssertionError("no result in 30 s", ex);
        }
    }

    static void awaitTrue(final String what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    static List<String> scan(final HybridReader reader, final long id, final long epoch, final long version,
        final byte[] lower, final byte[] upper)
    {
        final List<String> out = new ArrayList<>();
        try (HybridScan scan = reader.scan(id, epoch, version, lower, upper))
        {
            while (scan.next())
            {
                out.add(s(scan.keyBytes()) + "=" + s(scan.valueBytes()));
            }
        }
        return out;
    }
}
