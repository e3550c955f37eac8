package io.regioncache.hybrid.blackbox;

import static io.regioncache.hybrid.blackbox.ProbeSupport.b;
import static io.regioncache.hybrid.blackbox.ProbeSupport.done;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.Stores;

/**
 * HybridEngine.deleteRange Javadoc / HybridMetrics.storeWriteErrors: a delete-range the store refuses answers
 * STORE_ERROR "(the cache range is evicted anyway)", "so that no read serves data the store may have lost or kept".
 * Checked the moment the STORE_ERROR answer is in hand.
 */
@ParameterizedClass
@EnumSource(Stores.class)
class RefusedDeleteRangeBlackBoxTest
{
    private static final byte[] OPEN = new byte[0];

    @Parameter
    Stores store;

    @TempDir
    Path dir;

    @Test
    void theOverlappingRegionIsGoneWhenStoreErrorIsAnswered()
    {
        int stillCached = 0;
        final int rounds = 20;
        final WritableStore st = store.open(dir.resolve("s"));
        try (HybridEngine e = HybridEngine.create(st, RegionCacheConfig.builder().capacityBytes(64L << 20)))
        {
            for (int i = 0; i < rounds; i++)
            {
                final long id = 10 + i;
                final byte[] lo = b(String.format("r%03d", i));
                final byte[] hi = b(String.format("r%03d~", i));
                assertEquals(ResultCode.OK, done(e.createRegion(new Region(id, lo, hi, 1))).code());
            }
            st.close(); // every later store call fails
            for (int i = 0; i < rounds; i++)
            {
                final long id = 10 + i;
                final CommandResult r = done(e.deleteRange(b(String.format("r%03d", i)), b(String.format("r%03d~", i)),
                    100 + i));
                assertEquals(ResultCode.STORE_ERROR, r.code(), r::toString);
                if (e.cache().stateOf(id) != null)
                {
                    stillCached++;
                }
            }
            assertEquals(0, stillCached, stillCached + " of " + rounds +
                " regions still cached when STORE_ERROR was answered");
        }
    }
}
