package io.regioncache.hybrid.blackbox16;

import static io.regioncache.hybrid.blackbox16.Bb16.OPEN;
import static io.regioncache.hybrid.blackbox16.Bb16.b;
import static io.regioncache.hybrid.blackbox16.Bb16.s;
import static io.regioncache.hybrid.blackbox16.Bb16.storeGet;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.ResultCode;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;

/**
 * The same reconciliation claims on the default (dedicated apply thread) engine, where the answer and the eviction
 * race unless the engine orders them: each read is made right after the write's answer, many rounds.
 */
class DedicatedReconcileTest
{
    @TempDir
    Path dir;

    private final Map<Long, CompletableFuture<Void>> installed = new ConcurrentHashMap<>();

    private CompletableFuture<Void> installedFuture(final long id)
    {
        return installed.computeIfAbsent(id, x -> new CompletableFuture<>());
    }

    private HybridEngine engine(final WritableStore store)
    {
        return HybridEngine.owning(store, Bb16.config().onLoadInstalled(id -> installedFuture(id).complete(null)));
    }

    private static CommandResult done(final CompletableFuture<CommandResult> f)
    {
        try
        {
            return f.get(30, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            throw new AssertionError("no answer in 30 s", ex);
        }
    }

    private void load(final HybridEngine e, final Region region)
    {
        installed.remove(region.id());
        final CompletableFuture<Void> ready = installedFuture(region.id());
        assertEquals(ResultCode.OK, done(e.loadRegion(region)).code());
        try
        {
            ready.get(30, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            throw new AssertionError("region " + region.id() + " not installed in 30 s: " + e.cache().stateOf(region.id()), ex);
        }
    }

    /**
     * README l.1257: "The write's future completes with that {@code INVALID} or {@code STALE_EPOCH} only once the
     * eviction is done ..., so a read made after the answer is the store's." and l.1262 (NOT_CACHED, "a late write to
     * a merge's source at its old epoch after the merged target was loaded").
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aReadAfterARefusedWritesAnswerIsTheStores(final Bb16.Kind kind)
    {
        try (HybridEngine e = engine(kind.open(dir.resolve("s"))); HybridReader r = e.newReader())
        {
            long v = 10;
            long epoch = 1;
            for (int round = 0; round < 15; round++)
            {
                final Region left = new Region(1, OPEN, b("m"), epoch);
                final Region right = new Region(2, b("m"), OPEN, epoch);
                done(e.write(new WriteBatch(1, epoch, ++v).put(b("b"), b("b" + v))));
                done(e.write(new WriteBatch(2, epoch, v).put(b("n"), b("n" + v))));
                load(e, left);
                load(e, right);
                // 1) key outside the named region, inside another cached one: INVALID
                final long v1 = ++v;
                CommandResult a = done(e.write(new WriteBatch(1, epoch, v1).put(b("n"), b("n" + v1))));
                assertEquals(ResultCode.INVALID, a.code(), a::toString);
                assertEquals("n" + v1, s(r.get(2, epoch, v1 + 1, b("n"))), "round " + round + ": " + r.lastStatus());
                // 2) stale epoch on the still cached left region
                final long v2 = ++v;
                a = done(e.write(new WriteBatch(1, epoch - 1, v2).put(b("b"), b("b" + v2))));
                assertEquals(ResultCode.STALE_EPOCH, a.code(), a::toString);
                assertEquals("b" + v2, s(r.get(1, epoch, v2 + 1, b("b"))), "round " + round + ": " + r.lastStatus());
                // 3) merge: right merged into left, the merged left loaded at a new epoch, then a late write to the
                // source at its old epoch: NOT_CACHED, reconciled
                done(e.prepareMerge(2));
                done(e.commitMerge(1, 2));
                final long merged = epoch + 1;
                load(e, new Region(1, OPEN, OPEN, merged));
                final long v3 = ++v;
                a = done(e.write(new WriteBatch(2, epoch, v3).put(b("n"), b("n" + v3))));
                assertEquals(ResultCode.NOT_CACHED, a.code(), a::toString);
                assertEquals("n" + v3, s(r.get(1, merged, v3 + 1, b("n"))), "round " + round + ": " + r.lastStatus());
                assertEquals("n" + v3, s(storeGet(e.store(), b("n"), v3)));
                // back to two regions for the next round
                done(e.evict(1, io.regioncache.EvictReason.MANUAL));
                epoch = merged + 1;
            }
            assertEquals(15 * 3, e.metrics().reconciliations());
        }
    }
}
