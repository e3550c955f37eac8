package io.regioncache.blackbox13a;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.regioncache.CommandResult;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;

/** Helpers: public API only. */
final class K
{
    static final int MAX_KEY = 16;
    static final int MAX_VALUE = 1024;

    private K()
    {
    }

    static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    static RegionCacheConfig.Builder cfg()
    {
        return RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .segmentSize(1 << 16)
            .maxKeyLength(MAX_KEY)
            .maxValueLength(MAX_VALUE)
            .closeTimeoutMillis(2_000);
    }

    static RegionCache cache()
    {
        return RegionCache.create(cfg().build());
    }

    static CommandResult r(final CompletableFuture<CommandResult> f) throws Exception
    {
        return f.get(10, TimeUnit.SECONDS);
    }
}
