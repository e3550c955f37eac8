package io.regioncache.hybrid.blackbox16;

import static io.regioncache.hybrid.blackbox16.Bb16.OPEN;
import static io.regioncache.hybrid.blackbox16.Bb16.b;
import static io.regioncache.hybrid.blackbox16.Bb16.s;
import static io.regioncache.hybrid.blackbox16.Bb16.storeGet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;

/**
 * README (hybrid engine, refused writes): "A write whose version is above the last one the engine delivered for its
 * region but at or below the version a load copied is answered `SKIPPED` ("already covered by the loaded snapshot")
 * and not reconciled ... A host that breaks the rule ... gets that `SKIPPED` too, and the cache then lacks version 15
 * until the region is loaded again."
 * <p>
 * Written by audit 16 against the sentence before it ("the two never disagree on what a read returns"), which it
 * found broken for a host writing out of version order: the region written at 10 and 20 before it was cached, loaded
 * (copying 20), then written at 15. The README now states the rule and this answer; the code keeps the SKIPPED,
 * which the race of a write with the load that copies it needs. The same write after a write at 20 that went
 * through the cache's stream is answered {@code INVALID} and reconciled
 * ({@code RefusedWritesTest.aVersionBelowTheLastAppliedIsInvalidAndReconciled}).
 */
class SkippedBelowLoadedVersionTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aWriteOutOfVersionOrderBelowTheLoadedVersionIsSkippedUntilTheRegionReloads(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s"))))
        {
            final HybridEngine e = rig.engine;
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("k"), b("v10"))));
            rig.await(e.write(new WriteBatch(1, 1, 20).put(b("k"), b("v20"))));
            rig.load(new Region(1, OPEN, OPEN, 1));
            final CommandResult r = rig.await(e.write(new WriteBatch(1, 1, 15).put(b("k"), b("v15"))));
            assertEquals(ResultCode.SKIPPED, r.code(), r.toString());
            assertTrue(r.detail().contains("already covered by the loaded snapshot"), r.detail());
            assertEquals("v15", s(storeGet(e.store(), b("k"), 17)), "the store has the write");
            try (HybridReader reader = e.newReader())
            {
                assertEquals("v10", s(reader.get(1, 1, 17, b("k"))), "the cache lacks version 15");
                assertEquals(SnapshotStatus.OK, reader.lastStatus());
            }
            assertEquals(ResultCode.OK, rig.await(e.evict(1, EvictReason.MANUAL)).code());
            rig.load(new Region(1, OPEN, OPEN, 1));
            try (HybridReader reader = e.newReader())
            {
                assertEquals("v15", s(reader.get(1, 1, 17, b("k"))), "loaded again: " + reader.lastStatus());
                assertEquals(SnapshotStatus.OK, reader.lastStatus());
            }
        }
    }
}
