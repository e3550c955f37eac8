package io.regioncache.hybrid.blackbox;

import static io.regioncache.hybrid.blackbox.ProbeSupport.b;
import static io.regioncache.hybrid.blackbox.ProbeSupport.done;
import static io.regioncache.hybrid.blackbox.ProbeSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.Stores;

/**
 * README 931-935: a batch the cache refuses on its apply thread (a key outside the cached region: INVALID, or
 * STALE_EPOCH) "means the store has the write and the cache does not, so the engine evicts the cached range the batch
 * touched (counted in reconciliations) and the store serves it from then on: the two never disagree on what a read
 * returns." With the default (dedicated) apply thread, a read made once the write's future has answered is checked
 * against the store's own answer at the same version.
 */
@ParameterizedClass
@EnumSource(Stores.class)
class ReconcileRaceBlackBoxTest
{
    @Parameter
    Stores store;

    @TempDir
    Path dir;

    @Test
    void aReadAfterTheRefusedWritesAnswerAgreesWithTheStore()
    {
        final List<String> disagreements = new ArrayList<>();
        int notCountedYet = 0;
        try (HybridEngine e = HybridEngine.owning(store.open(dir.resolve("s")),
            RegionCacheConfig.builder().capacityBytes(64L << 20));
            HybridReader reader = e.newReader())
        {
            long v = 0;
            final int rounds = 40;
            for (int i = 0; i < rounds; i++)
            {
                final long id = 10 + i;
                final byte[] lo = b(String.format("r%03d", i));
                final byte[] hi = b(String.format("r%03d~", i));
                final byte[] key = b(String.format("r%03d-k", i));
                assertEquals(ResultCode.OK, done(e.createRegion(new Region(id, lo, hi, 1))).code());
                assertEquals(ResultCode.OK, done(e.write(new WriteBatch(id, 1, ++v).put(key, b("old")))).code());
                final long bad = ++v;
                // one key inside the region, one outside it: the cache refuses the batch on its apply thread
                final CommandResult r = done(e.write(new WriteBatch(id, 1, bad).put(key, b("new"))
                    .put(b(String.format("s%03d", i)), b("x"))));
                assertEquals(ResultCode.INVALID, r.code(), r::toString);
                final long reconciled = e.metrics().reconciliations();
                final String read = s(reader.get(id, 1, bad, key));
                if (reconciled < i + 1)
                {
                    notCountedYet++;
                }
                if (!"new".equals(read))
                {
                    disagreements.add("round " + i + ": read " + read + " (" + reader.lastStatus() + "), store has new");
                }
            }
            assertEquals(List.of(), disagreements, disagreements.size() + " of " + rounds +
                " reads right after the INVALID answer disagreed with the store; reconciliations not yet counted in " +
                notCountedYet);
        }
    }
}
