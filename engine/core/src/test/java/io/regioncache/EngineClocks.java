package io.regioncache;

import org.agrona.concurrent.NanoClock;

/**
 * The engine's clock for the black-box packages, which see only the public API: the builder's {@code nanoClock} is
 * package-private (tests advance Agrona's {@code CachedNanoClock} instead of sleeping), so this fixture sets it.
 */
public final class EngineClocks
{
    private EngineClocks()
    {
    }

    /**
     * @param builder a config builder.
     * @param clock   the engine's time source (policy rounds, back-offs, residency).
     * @return {@code builder}, with the clock set.
     */
    public static RegionCacheConfig.Builder withClock(final RegionCacheConfig.Builder builder, final NanoClock clock)
    {
        return builder.nanoClock(clock);
    }
}
