package io.regioncache.hybrid.blackbox33;

import static io.regioncache.hybrid.blackbox33.Bb33.OPEN;
import static io.regioncache.hybrid.blackbox33.Bb33.b;
import static io.regioncache.hybrid.blackbox33.Bb33.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.StoreException;
import io.regioncache.hybrid.CrossCheck;

/**
 * The two full-disk scenarios of audit 33, written once for both stores and run in-process for RocksDB
 * ({@link RocksDbFullDiskTest}) and in a child JVM for LMDB ({@link LmdbFullDiskTest}, through {@link #main}: LMDB
 * maps its file, and a page the tmpfs cannot back could end a JVM with SIGBUS; none did here). Each proves, on a
 * store directory on a small tmpfs filled by the store's own writes, that a refused write is a typed
 * {@code STORE_ERROR} and never visible in the cache, reads keep serving from the cache and the store alike,
 * loads, compaction, GC and delete-range fail typed or work, close never hangs, and a reopen holds every
 * acknowledged write and none of the refused ones. Where the two stores differ (RocksDB stays read-only until
 * reopened; LMDB takes writes again once space is free) each branch pins what the store really does.
 */
final class FullDiskScenarios
{
    /** Region 1, {@code [-inf, "m")}: cached (ACTIVE) before the disk fills. */
    static final Region LEFT = new Region(1, OPEN, b("m"), 1);
    /** Region 2, {@code ["m", +inf)}: not cached until it is loaded on the full disk. */
    static final Region RIGHT = new Region(2, b("m"), OPEN, 1);
    /** Keys of a region: its prefix with "00".."04" and "10".."14". */
    static final List<String> LEFT_KEYS = keys("a");
    static final List<String> RIGHT_KEYS = keys("n");
    /** Bytes of each value written while filling (two per batch). */
    static final int VALUE = 1000;
    /** The filler file placed on the tmpfs before the store fills the rest; deleting it frees 1 MiB. */
    static final int FILLER = 1 << 20;

    private FullDiskScenarios()
    {
    }

    private static List<String> keys(final String prefix)
    {
        final List<String> out = new ArrayList<>();
        for (int i = 0; i < 10; i++)
        {
            out.add(prefix + (i / 5) + (i % 5));
        }
        return out;
    }

    /** A refused batch: its version and keys. */
    record Refused(long regionId, long version, String[] keys, String detail)
    {
    }

    /** The state a scenario carries from step to step. */
    static final class Run
    {
        final Bb33.Kind kind;
        final Path fs;
        final Bb33.Rig rig;
        final List<Refused> refused = new ArrayList<>();
        long version;

        Run(final Bb33.Kind kind, final Path fs, final Bb33.Host host)
        {
            this.kind = kind;
            this.fs = fs;
            this.rig = new Bb33.Rig(host, kind, fs.resolve("db"));
        }

        /** A run over a store the host opens itself (RocksDB wrapped with its own options). */
        Run(final Bb33.Kind kind, final Path dir, final Bb33.Host host,
            final java.util.function.Supplier<io.regioncache.WritableStore> opener)
        {
            this.kind = kind;
            this.fs = dir;
            this.rig = new Bb33.Rig(host, kind, dir, opener);
        }

        static String[] batchKeys(final long regionId, final long version)
        {
            final String p = regionId == 1 ? "a" : "n";
            return new String[] {p + "0" + version % 5, p + "1" + version % 5};
        }

        /** Write the next version to {@code regionId}; a refusal is recorded. */
        CommandResult next(final long regionId, final int valueLength)
        {
            final long v = ++version;
            final String[] keys = batchKeys(regionId, v);
            final CommandResult r = rig.write(regionId, v, valueLength, keys);
            if (r.code() != ResultCode.OK && r.code() != ResultCode.NOT_CACHED)
            {
                refused.add(new Refused(regionId, v, keys, r.detail()));
            }
            return r;
        }

        /** Versions 1..20 (odd: region 1, even: region 2), then region 1 loaded (ACTIVE). */
        void baseline()
        {
            for (int i = 0; i < 20; i++)
            {
                final CommandResult r = next((version + 1) % 2 == 1 ? 1 : 2, 100);
                assertTrue(r.code() == ResultCode.OK || r.code() == ResultCode.NOT_CACHED, r.toString());
            }
            assertEquals(ResultCode.OK, rig.load(LEFT).code());
            assertEquals(RegionState.ACTIVE, rig.state(1));
            assertNull(rig.state(2), "region 2 is not cached");
        }

        /**
         * Place the filler, then write both regions in turn until the store refuses; then write the other region
         * until it is refused too (RocksDB refuses every write from then on; LMDB may still take a batch that fits in
         * the pages the aborted one left). Returns the first refusal.
         */
        CommandResult fillTheDisk()
        {
            try
            {
                Files.write(fs.resolve("filler"), new byte[FILLER]);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            final long errorsBefore = rig.engine.metrics().storeWriteErrors();
            CommandResult first = null;
            for (int i = 0; i < 20_000 && first == null; i++)
            {
                final CommandResult r = next(1 + i % 2, VALUE);
                if (r.code() != ResultCode.OK && r.code() != ResultCode.NOT_CACHED)
                {
                    first = r;
                }
            }
            assertNotNull(first, "20,000 batches of 2 KB fit on a 4 MiB tmpfs?");
            final long other = refused.get(0).regionId() == 1 ? 2 : 1;
            for (int i = 0; i < 200 && refused.stream().noneMatch(x -> x.regionId() == other); i++)
            {
                next(other, VALUE);
            }
            assertTrue(refused.stream().anyMatch(x -> x.regionId() == other), "a batch of region " + other +
                " refused too");
            for (final Refused x : refused)
            {
                System.out.println("blackbox33 " + kind + ": refused v" + x.version() + " of region " + x.regionId() +
                    ": " + x.detail());
            }
            assertEquals(errorsBefore + refused.size(), rig.engine.metrics().storeWriteErrors(),
                "each refusal counted in storeWriteErrors");
            return first;
        }

        /**
         * Every key of both regions, at a version above everything written, reads its last acknowledged value by
         * get, multiGet and scan (a refused batch's keys their value before it); region 1 from the cache, region
         * 2 from the store unless {@code rightCached}; CrossCheck finds nothing.
         */
        void readsServeAcknowledged(final String when, final boolean leftCached, final boolean rightCached)
        {
            final long at = version + 100;
            rig.assertReadsAcknowledged(when, 1, at, LEFT_KEYS);
            rig.assertReadsAcknowledged(when, 2, at, RIGHT_KEYS);
            final boolean[] cache = new boolean[1];
            rig.get(1, at, LEFT_KEYS.get(0), cache);
            assertEquals(leftCached, cache[0], when + ": region 1 served by the cache");
            rig.get(2, at, RIGHT_KEYS.get(0), cache);
            assertEquals(rightCached, cache[0], when + ": region 2 served by the cache");
            for (final Region region : List.of(LEFT, RIGHT))
            {
                final TreeMap<String, byte[]> scanned = rig.scan(region.id(), at, region.start(), region.end(), cache);
                assertEquals(region.id() == 1 ? leftCached : rightCached, cache[0], when + ": scan's source");
                final TreeMap<String, String> want = new TreeMap<>();
                for (final String k : region.id() == 1 ? LEFT_KEYS : RIGHT_KEYS)
                {
                    final byte[] v = rig.expected(k, at);
                    if (v != null)
                    {
                        want.put(k, s(v));
                    }
                }
                final TreeMap<String, String> got = new TreeMap<>();
                scanned.forEach((k, v) -> got.put(k, s(v)));
                assertEquals(want, got, when + ": scan of region " + region.id());
            }
            for (final Refused x : refused)
            {
                for (final String k : x.keys())
                {
                    final byte[] refusedValue = Bb33.value(k, x.version(), VALUE);
                    assertNotEquals(s(refusedValue), s(rig.get(x.regionId(), at, k, cache)),
                        when + ": refused v" + x.version() + " of " + k + " is not read");
                }
            }
            final List<CrossCheck.Report> reports = rig.host.call("CrossCheck.checkAll",
                () -> CrossCheck.checkAll(rig.engine));
            assertFalse(reports.isEmpty(), "CrossCheck compared a region");
            for (final CrossCheck.Report r : reports)
            {
                assertTrue(r.ok(), when + ": " + r);
            }
        }

        /** After a reopen: every acknowledged (key, version) reads back at its version, no refused one anywhere. */
        void everyAcknowledgedWriteReadsBack(final String when)
        {
            int checked = 0;
            for (final Map.Entry<String, TreeMap<Long, byte[]>> e : rig.acknowledged.entrySet())
            {
                for (final long v : e.getValue().keySet())
                {
                    assertEquals(s(e.getValue().get(v)), s(Bb33.storeGet(rig.engine.store(), b(e.getKey()), v)),
                        when + ": acknowledged v" + v + " of " + e.getKey());
                    checked++;
                }
            }
            for (final Refused x : refused)
            {
                for (final String k : x.keys())
                {
                    assertEquals(s(rig.expected(k, x.version())), s(Bb33.storeGet(rig.engine.store(), b(k),
                        x.version())), when + ": refused v" + x.version() + " of " + k + " must not be in the store");
                }
            }
            assertTrue(checked > 100, "acknowledged writes checked: " + checked);
        }
    }

    /**
     * Checks 1-4: fill, refusals, reads, loads, compaction, GC, delete-range on the full disk, then the filler
     * deleted, writes again (or not), close and reopen.
     */
    static void writeReadLoadFreeReopen(final Bb33.Kind kind, final Path fs)
    {
        try (Bb33.Host host = new Bb33.Host())
        {
            final Run run = new Run(kind, fs, host);
            final Bb33.Rig rig = run.rig;
            try
            {
                run.baseline();
                final CommandResult first = run.fillTheDisk();
                assertEquals(ResultCode.STORE_ERROR, first.code(), first.toString());
                assertTrue(first.detail().contains("No space left on device") ||
                    first.detail().contains("Input/output error"), first.detail());
                assertEquals(RegionState.ACTIVE, rig.state(1), "a refused write changes nothing cached");

                // Check 2: reads keep serving, cache and store; CrossCheck sees nothing.
                run.readsServeAcknowledged("full", true, false);

                // Check 3: a load while full (a load only reads the store).
                assertEquals(ResultCode.OK, rig.load(RIGHT).code());
                assertEquals(RegionState.ACTIVE, rig.state(2), "region 2 loaded on the full disk");
                run.readsServeAcknowledged("full, region 2 loaded", true, true);

                // The cache's compaction touches no disk.
                assertEquals(ResultCode.OK, rig.command("compact 1", () -> rig.engine.cache().compact(1)).code());
                assertEquals(1, rig.runCompactions(), "the compaction job ran");
                assertEquals(RegionState.ACTIVE, rig.state(1));
                run.readsServeAcknowledged("full, region 1 compacted", true, true);

                // GC: the safe point file cannot be written. gc(2) drops nothing (each key has one version at or
                // below 2), so LMDB's empty round commits and only the record fails, as RocksDB's record (written
                // before its round) does. a01 has versions 1 and 11: gc(12) would drop version 1.
                final byte[] a01AtOne = rig.expected("a01", 1);
                assertNotNull(a01AtOne, "a01 written at 1");
                final StoreException gc2 = assertThrows(StoreException.class,
                    () -> host.call("gc(2)", () -> rig.engine.gc(2)));
                System.out.println("blackbox33 " + kind + ": gc(2) on the full disk: " + gc2);
                assertTrue(gc2.getMessage().contains("cannot record the GC safe point 2") &&
                    gc2.getMessage().contains("No space left on device"), gc2.getMessage());
                final String belowTwo = readBelowSweep(rig);
                System.out.println("blackbox33 " + kind + ": read of a01 at 1 after the failed gc(2): " + belowTwo);
                // RocksDB's round never ran (the record comes first), its store serves; LMDB's round committed and
                // its store refuses below it in this process, though the file does not say so.
                assertEquals(kind == Bb33.Kind.ROCKSDB ? s(a01AtOne) : "refused", belowTwo);
                final StoreException gc = assertThrows(StoreException.class,
                    () -> host.call("gc(12)", () -> rig.engine.gc(12)));
                System.out.println("blackbox33 " + kind + ": gc(12) on the full disk: " + gc);
                assertTrue(gc.getMessage().contains("gc below 12 failed") ||
                    gc.getMessage().contains("cannot record the GC safe point"), gc.getMessage());
                final String readBelow = readBelowSweep(rig);
                System.out.println("blackbox33 " + kind + ": read of a01 at 1 after the failed gc(12): " + readBelow);
                assertTrue(readBelow.equals("refused") || readBelow.equals(s(a01AtOne)),
                    "a read below the failed sweep is refused or right: " + readBelow);
                run.readsServeAcknowledged("full, after the failed gc", true, true);

                // Delete-range while full: STORE_ERROR, the overlapping cached region evicted, nothing deleted.
                final long drVersion = ++run.version;
                final CommandResult dr = rig.command("deleteRange",
                    () -> rig.engine.deleteRange(b("a0"), b("a05"), drVersion));
                System.out.println("blackbox33 " + kind + ": deleteRange on the full disk: " + dr);
                assertEquals(ResultCode.STORE_ERROR, dr.code(), dr.toString());
                assertNull(rig.state(1), "region 1 evicted by the refused delete-range");
                assertEquals(RegionState.ACTIVE, rig.state(2), "region 2 does not overlap");
                run.readsServeAcknowledged("full, after the refused delete-range", false, true);
                assertEquals(ResultCode.OK, rig.load(LEFT).code());
                assertEquals(RegionState.ACTIVE, rig.state(1), "region 1 loads again on the full disk");
                run.readsServeAcknowledged("full, region 1 reloaded", true, true);

                // Check 4: space freed.
                try
                {
                    Files.delete(fs.resolve("filler"));
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
                final CommandResult afterFree1 = run.next(1, 10);
                final CommandResult afterFree2 = run.next(2, 10);
                System.out.println("blackbox33 " + kind + ": writes after the filler was deleted: " + afterFree1 +
                    " / " + afterFree2);
                if (kind == Bb33.Kind.ROCKSDB)
                {
                    // RocksDB keeps its background error: read-only until reopened (rocksdbjni 11.8.1 has no resume).
                    assertEquals(ResultCode.STORE_ERROR, afterFree1.code(), afterFree1.toString());
                    assertEquals(ResultCode.STORE_ERROR, afterFree2.code(), afterFree2.toString());
                    assertTrue(afterFree1.detail().contains("No space left on device"), afterFree1.detail());
                }
                else
                {
                    assertEquals(ResultCode.OK, afterFree1.code(), afterFree1.toString());
                    assertEquals(ResultCode.OK, afterFree2.code(), afterFree2.toString());
                }
                run.readsServeAcknowledged("space freed", true, true);

                // Check 5 (space free again): close.
                final RuntimeException closed = closeOutcome(rig);
                System.out.println("blackbox33 " + kind + ": close after the disk was freed: " + closed);
                if (kind == Bb33.Kind.ROCKSDB)
                {
                    assertTrue(closed instanceof StoreException, "RocksDB's close reports its error: " + closed);
                    assertTrue(closed.getMessage().contains("closing RocksDB failed"), closed.getMessage());
                }
                else
                {
                    assertNull(closed, "LMDB closes quietly");
                }

                // Reopen: durability, nothing refused.
                rig.open();
                run.everyAcknowledgedWriteReadsBack("reopened");
                final CommandResult again = run.next(2, 10);
                assertEquals(ResultCode.NOT_CACHED, again.code(), "writes work after the reopen: " + again);
                final String readBelowAfterReopen = readBelowSweep(rig);
                System.out.println("blackbox33 " + kind + ": read of a01 at 1 after the reopen: " +
                    readBelowAfterReopen);
                // RocksDB: the failed record swept nothing. LMDB: the record of gc(2) was lost, so the reopened store
                // serves below 2 again (harmless: that round dropped nothing); had gc(12) committed with its record
                // lost the same way, reads below 12 would be answered from the swept history.
                assertTrue(readBelowAfterReopen.equals("refused") || readBelowAfterReopen.equals(s(a01AtOne)),
                    "a read below the failed sweeps after the reopen is refused or right: " + readBelowAfterReopen);
            }
            finally
            {
                closeQuietly(rig);
            }
        }
    }

    /** Close at the end of a scenario, whatever happened: what close throws is printed, not thrown over a failure. */
    private static void closeQuietly(final Bb33.Rig rig)
    {
        try
        {
            rig.close();
        }
        catch (final RuntimeException ex)
        {
            System.out.println("blackbox33: close at the end: " + ex);
        }
    }

    /** a01 at version 1 through a hybrid reader of region 1: its value, "absent", or "refused" (StoreException). */
    private static String readBelowSweep(final Bb33.Rig rig)
    {
        try
        {
            final byte[] v = rig.get(1, 1, "a01", new boolean[1]);
            return v == null ? "absent" : s(v);
        }
        catch (final StoreException ex)
        {
            return "refused";
        }
    }

    /** Close the engine on the host thread (bounded); returns what it threw, null if nothing. Zero bytes after. */
    static RuntimeException closeOutcome(final Bb33.Rig rig)
    {
        final io.regioncache.hybrid.HybridEngine e = rig.engine;
        RuntimeException thrown = null;
        try
        {
            rig.close();
        }
        catch (final RuntimeException ex)
        {
            thrown = ex;
        }
        assertTrue(e.isClosed(), "closed");
        assertEquals(0, e.cache().memoryInUse(), "zero bytes of cache memory after close");
        return thrown;
    }

    /**
     * Check 5: close while the disk is full, reopen while it is still full, then with space (the tmpfs remounted
     * bigger), and every acknowledged write reads back.
     */
    static void closeWhileFull(final Bb33.Kind kind, final Path fs)
    {
        try (Bb33.Host host = new Bb33.Host())
        {
            final Run run = new Run(kind, fs, host);
            final Bb33.Rig rig = run.rig;
            try
            {
                run.baseline();
                assertEquals(ResultCode.STORE_ERROR, run.fillTheDisk().code());
                final RuntimeException closed = closeOutcome(rig);
                System.out.println("blackbox33 " + kind + ": close on the full disk: " + closed);
                RuntimeException reopenFull = null;
                try
                {
                    rig.open();
                }
                catch (final RuntimeException ex)
                {
                    reopenFull = ex;
                }
                System.out.println("blackbox33 " + kind + ": reopen on the full disk: " + reopenFull);
                if (kind == Bb33.Kind.ROCKSDB)
                {
                    assertTrue(closed instanceof StoreException, "RocksDB's close reports its error: " + closed);
                    assertTrue(closed.getMessage().contains("closing RocksDB failed"), closed.getMessage());
                    // Recovery flushes the WAL into an SST first: no room for it.
                    assertTrue(reopenFull instanceof StoreException, "reopen on the full disk: " + reopenFull);
                    assertTrue(reopenFull.getMessage().contains("cannot open RocksDB") &&
                        reopenFull.getMessage().contains("No space left on device"), reopenFull.getMessage());
                    assertNull(rig.engine, "no engine");
                }
                else
                {
                    assertNull(closed, "LMDB closes quietly");
                    assertNull(reopenFull, "LMDB reopens on the full disk");
                    run.everyAcknowledgedWriteReadsBack("reopened on the full disk");
                    rig.close();
                }
                Bb33.Tmpfs.resize(fs, "8m");
                rig.open();
                run.everyAcknowledgedWriteReadsBack("reopened with room");
                assertEquals(ResultCode.OK, rig.load(LEFT).code());
                assertEquals(RegionState.ACTIVE, rig.state(1));
                final CommandResult w = run.next(1, VALUE);
                assertEquals(ResultCode.OK, w.code(), "a write after the reopen: " + w);
                run.readsServeAcknowledged("reopened with room", true, false);
            }
            finally
            {
                closeQuietly(rig);
            }
        }
    }

    /**
     * Entry of the child JVM: {@code <kind> <scenario> <tmpfs dir>}. Prints {@code PASS} and exits 0, or prints the
     * failure and exits 1.
     */
    public static void main(final String[] args)
    {
        try
        {
            final Bb33.Kind kind = Bb33.Kind.valueOf(args[0]);
            final Path fs = Path.of(args[2]);
            switch (args[1])
            {
                case "writeReadLoadFreeReopen" -> writeReadLoadFreeReopen(kind, fs);
                case "closeWhileFull" -> closeWhileFull(kind, fs);
                default -> fail("unknown scenario " + args[1]);
            }
            System.out.println("PASS");
            System.out.flush();
            System.exit(0);
        }
        catch (final Throwable t)
        {
            t.printStackTrace(System.out);
            System.out.println("FAIL " + t);
            System.out.flush();
            System.exit(1);
        }
    }
}
