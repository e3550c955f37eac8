package io.regioncache.hybrid.blackbox16;

import static io.regioncache.hybrid.blackbox16.Bb16.OPEN;
import static io.regioncache.hybrid.blackbox16.Bb16.b;
import static io.regioncache.hybrid.blackbox16.Bb16.filled;
import static io.regioncache.hybrid.blackbox16.Bb16.s;
import static io.regioncache.hybrid.blackbox16.Bb16.storeGet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;

/** README, "The hybrid engine": writes refused at the call, and reconciliation after writes the cache refused later. */
class RefusedWritesTest
{
    @TempDir
    Path dir;

    /**
     * README l.1253: "a batch those checks refuse is answered {@code INVALID} before RocksDB sees it, so it is never
     * in one and not the other" (checks: "region id, epoch, a negative version, key and value lengths").
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void batchesRefusedAtTheCallNeverReachTheStore(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s")), true,
            Bb16.config().maxKeyLength(16).maxValueLength(32)))
        {
            final HybridEngine e = rig.engine;
            final WriteBatch[] bad = {
                new WriteBatch(-5, 1, 10).put(b("ka"), b("v")),                // region id
                new WriteBatch(1, -1, 10).put(b("kb"), b("v")),                // epoch
                new WriteBatch(1, 1, -3).put(b("kc"), b("v")),                 // negative version
                new WriteBatch(1, 1, 10).put(b("kd"), b("v")).put(new byte[0], b("v")), // empty key
                new WriteBatch(1, 1, 10).put(b("ke"), b("v")).put(filled(17, 'x'), b("v")), // key too long
                new WriteBatch(1, 1, 10).put(b("kf"), filled(33, 'v')),        // value too long
            };
            final String[] keys = {"ka", "kb", "kc", "kd", "ke", "kf"};
            for (int i = 0; i < bad.length; i++)
            {
                final CommandResult r = rig.await(e.write(bad[i]));
                assertEquals(ResultCode.INVALID, r.code(), keys[i] + ": " + r);
                assertNull(storeGet(e.store(), b(keys[i]), Long.MAX_VALUE), keys[i] + " reached the store");
            }
            assertNull(storeGet(e.store(), filled(17, 'x'), Long.MAX_VALUE));
            assertEquals(0, e.metrics().reconciliations());
        }
    }

    /**
     * README l.1254: "What needs the cached region is checked later, on the apply thread, when RocksDB already has
     * the batch: a key outside the cached region's range, say. That {@code INVALID} (or a {@code STALE_EPOCH}) means
     * the store has the write and the cache does not, so the engine evicts the cached range the batch touched
     * (counted in {@code reconciliations}) and the store serves it from then on: the two never disagree on what a
     * read returns. The write's future completes with that {@code INVALID} ... only once the eviction is done".
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aKeyOutsideTheCachedRegionIsInvalidAndTheTouchedRangeIsEvicted(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s"))))
        {
            final HybridEngine e = rig.engine;
            final Region left = new Region(1, OPEN, b("m"), 1);
            final Region right = new Region(2, b("m"), OPEN, 1);
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("b"), b("b10"))));
            rig.await(e.write(new WriteBatch(2, 1, 10).put(b("z"), b("z10"))));
            rig.load(left);
            rig.load(right);
            // region 1's batch, with a key ("z") of region 2's range
            final CommandResult r = rig.await(e.write(new WriteBatch(1, 1, 20).put(b("b"), b("b20")).put(b("z"), b("z20"))));
            assertEquals(ResultCode.INVALID, r.code(), r::toString);
            assertEquals(1, e.metrics().reconciliations());
            assertEquals("z20", s(storeGet(e.store(), b("z"), 30)), "the store has the write");
            try (HybridReader reader = e.newReader())
            {
                assertEquals("z20", s(reader.get(2, 1, 30, b("z"))), "region 2 answered " + reader.lastStatus());
                assertEquals("b20", s(reader.get(1, 1, 30, b("b"))), "region 1 answered " + reader.lastStatus());
            }
        }
    }

    /**
     * README l.1255: "That {@code INVALID} (or a {@code STALE_EPOCH}) means the store has the write and the cache does
     * not, so the engine evicts the cached range the batch touched (counted in {@code reconciliations}) and the store
     * serves it from then on".
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aStaleEpochWriteIsReconciled(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s"))))
        {
            final HybridEngine e = rig.engine;
            rig.await(e.write(new WriteBatch(1, 5, 10).put(b("k"), b("v10"))));
            rig.load(new Region(1, OPEN, OPEN, 5));
            final CommandResult r = rig.await(e.write(new WriteBatch(1, 4, 20).put(b("k"), b("v20"))));
            assertEquals(ResultCode.STALE_EPOCH, r.code(), r::toString);
            assertEquals(1, e.metrics().reconciliations());
            try (HybridReader reader = e.newReader())
            {
                assertEquals("v20", s(reader.get(1, 5, 30, b("k"))), "answered by " + reader.lastStatus());
            }
        }
    }

    /**
     * README l.1254: "What needs the cached region is checked later, on the apply thread, when RocksDB already has the
     * batch ... That {@code INVALID} ... means the store has the write and the cache does not, so the engine evicts the
     * cached range the batch touched" - here a version not above the region's last applied one.
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aVersionBelowTheLastAppliedIsInvalidAndReconciled(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s"))))
        {
            final HybridEngine e = rig.engine;
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("k"), b("v10"))));
            rig.load(new Region(1, OPEN, OPEN, 1));
            rig.await(e.write(new WriteBatch(1, 1, 20).put(b("k"), b("v20"))));
            final CommandResult r = rig.await(e.write(new WriteBatch(1, 1, 15).put(b("k"), b("v15")).put(b("j"), b("j15"))));
            assertEquals(ResultCode.INVALID, r.code(), r::toString);
            assertEquals(1, e.metrics().reconciliations());
            try (HybridReader reader = e.newReader())
            {
                assertEquals("v15", s(reader.get(1, 1, 17, b("k"))), "answered by " + reader.lastStatus());
                assertEquals("j15", s(reader.get(1, 1, 17, b("j"))), "answered by " + reader.lastStatus());
                assertEquals("v20", s(reader.get(1, 1, 25, b("k"))), "answered by " + reader.lastStatus());
            }
        }
    }

    /**
     * README l.1259: "A write answered {@code NOT_CACHED} (its region is not cached, so the cache checked none of its
     * keys) is reconciled the same way when one of its keys lies in a region the cache does hold: a misrouted key".
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aNotCachedWriteWithAKeyOfACachedRegionIsReconciled(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s"))))
        {
            final HybridEngine e = rig.engine;
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("c"), b("c10"))));
            rig.load(new Region(1, OPEN, b("m"), 1));
            // a write of an uncached region, no key of which is cached: nothing to reconcile
            final CommandResult clean = rig.await(e.write(new WriteBatch(7, 1, 15).put(b("x"), b("x15"))));
            assertEquals(ResultCode.NOT_CACHED, clean.code(), clean::toString);
            assertEquals(0, e.metrics().reconciliations());
            // misrouted: region 7 named, key "c" lies in cached region 1
            final CommandResult r = rig.await(e.write(new WriteBatch(7, 1, 20).put(b("c"), b("c20"))));
            assertEquals(ResultCode.NOT_CACHED, r.code(), r::toString);
            assertEquals(1, e.metrics().reconciliations());
            try (HybridReader reader = e.newReader())
            {
                assertEquals("c20", s(reader.get(1, 1, 30, b("c"))), "answered by " + reader.lastStatus());
            }
        }
    }

    /**
     * README l.1262: "Likewise a {@code deleteRange} the store refused answers {@code STORE_ERROR} once the cache's own
     * delete-range has evicted the overlapping regions." And HybridEngine#deleteRange: {@code INVALID} at once for an
     * inverted range or a negative version, before the store deletes anything.
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void deleteRangeRefusalsAndStoreErrors(final Bb16.Kind kind)
    {
        final io.regioncache.WritableStore store = kind.open(dir.resolve("s"));
        try (Bb16.Rig rig = new Bb16.Rig(store, false, Bb16.config()))
        {
            final HybridEngine e = rig.engine;
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("a"), b("a10")).put(b("q"), b("q10"))));
            rig.load(new Region(1, OPEN, OPEN, 1));
            assertEquals(ResultCode.INVALID, rig.await(e.deleteRange(b("z"), b("a"), 20)).code());
            assertEquals(ResultCode.INVALID, rig.await(e.deleteRange(b("a"), b("z"), -1)).code());
            assertEquals("a10", s(storeGet(store, b("a"), 30)));
            store.close();
            final CommandResult r = rig.await(e.deleteRange(b("a"), b("b"), 20));
            assertEquals(ResultCode.STORE_ERROR, r.code(), r::toString);
            assertNull(e.cache().stateOf(1), "the overlapping region is still cached: " + e.cache().stateOf(1));
            assertEquals(1, e.metrics().storeWriteErrors());
        }
        finally
        {
            store.close();
        }
    }
}
