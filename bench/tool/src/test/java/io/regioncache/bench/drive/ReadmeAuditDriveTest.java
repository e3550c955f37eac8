package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.regioncache.RegionCacheConfig;

/**
 * README.md "The {@code regioncache} tool": {@code drive} promises no earlier audit pinned.
 */
class ReadmeAuditDriveTest
{
    /**
     * "{@code --auto-load} regions per round (default 2; 0 turns the policy off)": nothing is loaded, every read is
     * served by RocksDB (fallback NOT_CACHED), and the run still passes. Also "{@code --progress auto|tty|plain|off}"
     * with the default (auto) and no console: one plain progress line per second, no {@code \r}.
     */
    @Test
    void autoLoadZeroTurnsThePolicyOffAndAutoProgressIsPlainWithoutAConsole()
    {
        final ToolRun.Result off = ToolRun.result("drive", "--duration", "2s", "--keys", "2000", "--regions", "2",
            "--auto-load", "0");
        assertEquals(0, off.code(), off.out() + off.err());
        assertTrue(off.out().contains("  loads         finished 0 (policy 0), failed 0 (for memory 0), canceled 0, " +
            "refused 0;"), off.out());
        assertTrue(off.out().contains("  hit ratio     0.0% (cache 0, rocksdb "), off.out());
        assertTrue(off.out().contains("; fallbacks: NOT_CACHED "), off.out());
        assertTrue(off.out().contains("cached now: PENDING 0, LOADING 0, ACTIVE 0"), off.out());
        assertTrue(off.out().contains("  result        PASS"), off.out());

        if (System.console() == null)
        {
            final List<String> lines = off.err().lines().filter(l -> l.contains("ops/s")).toList();
            assertTrue(lines.size() >= 1, "auto without a console: plain progress lines: " + off.err());
            assertFalse(off.err().contains("\r"), "auto without a console: no carriage return");
        }
    }

    /**
     * "{@code --budget} (default 256MB) is the cache capacity. The eviction and stop-load thresholds are derived from
     * it by TiKV's rules": the sample's "evict at 230.4 MB, stop loads at 192.0 MB" of 256 MB, and the same rule at
     * 64 MB and 1 GB.
     */
    @Test
    void budgetThresholdsFollowTikvRules()
    {
        final RegionCacheConfig d = Driver.cacheConfig(ToolRun.parseDrive()).build();
        assertEquals(256L << 20, d.capacityBytes());
        assertEquals(Math.round(230.4 * (1 << 20)), d.evictThresholdBytes(), 1);
        assertEquals(192L << 20, d.stopLoadThresholdBytes(), 1);
        for (final String budget : new String[] {"64MB", "1GB", "24MB"})
        {
            final RegionCacheConfig c = Driver.cacheConfig(ToolRun.parseDrive("--budget", budget)).build();
            final RegionCacheConfig tikv = RegionCacheConfig.builder().capacityBytes(c.capacityBytes()).build();
            assertEquals(tikv.evictThresholdBytes(), c.evictThresholdBytes(), budget);
            assertTrue(c.stopLoadThresholdBytes() <= c.evictThresholdBytes(), budget);
        }
    }
}
