package io.regioncache.bench.drive;

import org.junit.jupiter.api.Test;

import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's exit-code rule for {@code drive}, one condition at a time: memory left in use after close fails the
 * run (it was printed as "must be 0" and not checked).
 */
class DriveReportPassTest
{
    @Test
    void memoryInUseAfterCloseFailsTheRun()
    {
        final DriveReport report = new DriveReport();
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder().capacityBytes(8L << 20).build()))
        {
            report.metrics = cache.metrics();
        }
        assertTrue(report.passed());
        assertEquals(0, report.exitCode());
        report.memoryAfterClose = 4096;
        assertFalse(report.passed(), "4 KiB left in use after close");
        assertEquals(1, report.exitCode());
    }
}
