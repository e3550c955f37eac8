package io.regioncache.hybrid.blackbox33;

import static io.regioncache.hybrid.blackbox33.Bb33.b;
import static io.regioncache.hybrid.blackbox33.Bb33.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.CompressionType;
import org.rocksdb.Env;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileManager;

import io.regioncache.CommandResult;
import io.regioncache.ResultCode;
import io.regioncache.WritableStore;
import io.regioncache.rocksdb.RocksDbBackingStore;

/**
 * Audit 33 without root: RocksDB's own "disk full", an {@link SstFileManager} space limit, reached through the only
 * public way to give the store options, {@link RocksDbBackingStore#wrap} of a database the host opened (64 KiB
 * memtables, no compression, 256 KiB of SST files allowed). A flush past the limit fails in the background; from
 * then on every write answers {@code STORE_ERROR} ("Max allowed space was reached"), none of the refused batches is
 * visible in the cache or the store, reads serve both paths, {@code CrossCheck} finds nothing, and the database
 * stays read-only when the limit is lifted (the host must reopen it); reopened without the limit, every acknowledged
 * write reads back. Runs everywhere (no mount).
 */
class RocksDbSpaceLimitTest
{
    @TempDir
    Path tmp;

    /** The host's database with its options, reopened by {@link #open}. */
    private final List<AutoCloseable> natives = new ArrayList<>();
    private RocksDB db;

    private WritableStore open(final Path dir, final long maxSpace)
    {
        try
        {
            RocksDB.loadLibrary();
            final SstFileManager sfm = new SstFileManager(Env.getDefault());
            sfm.setMaxAllowedSpaceUsage(maxSpace);
            final Options options = new Options().setCreateIfMissing(true).setWriteBufferSize(64 << 10)
                .setCompressionType(CompressionType.NO_COMPRESSION).setSstFileManager(sfm);
            natives.add(0, sfm);
            natives.add(0, options);
            db = RocksDB.open(options, dir.toString());
            natives.add(0, db);
            return RocksDbBackingStore.wrap(db);
        }
        catch (final RocksDBException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** Close the host's database and options (after the engine closed its store); returns what the close threw. */
    private Exception closeNatives()
    {
        Exception first = null;
        for (final AutoCloseable c : natives)
        {
            try
            {
                if (c instanceof RocksDB d)
                {
                    d.closeE();
                }
                else
                {
                    c.close();
                }
            }
            catch (final Exception ex)
            {
                first = first == null ? ex : first;
            }
        }
        natives.clear();
        return first;
    }

    @Test
    void aSpaceLimitReachedByAFlushRefusesWritesTypedUntilTheDatabaseIsReopened()
    {
        final Path dir = tmp.resolve("db");
        try (Bb33.Host host = new Bb33.Host())
        {
            final FullDiskScenarios.Run run = new FullDiskScenarios.Run(Bb33.Kind.ROCKSDB, dir, host,
                () -> open(dir, 256 << 10));
            final Bb33.Rig rig = run.rig;
            try
            {
                run.baseline();
                CommandResult first = null;
                for (int i = 0; i < 20_000 && first == null; i++)
                {
                    final CommandResult r = run.next(1 + i % 2, FullDiskScenarios.VALUE);
                    if (r.code() != ResultCode.OK && r.code() != ResultCode.NOT_CACHED)
                    {
                        first = r;
                    }
                }
                assertNotNull(first, "the 256 KiB limit refused a write within 20,000 batches");
                System.out.println("blackbox33 ROCKSDB space limit: refused after v" + run.version + ": " + first);
                assertEquals(ResultCode.STORE_ERROR, first.code(), first.toString());
                assertTrue(first.detail().contains("Max allowed space was reached"), first.detail());
                final CommandResult other = run.next(run.refused.get(0).regionId() == 1 ? 2 : 1, 10);
                assertEquals(ResultCode.STORE_ERROR, other.code(), "read-only from then on: " + other);
                run.readsServeAcknowledged("space limit reached", true, false);

                // The host lifts the limit: RocksDB stays read-only (rocksdbjni has no resume()).
                ((SstFileManager)natives.get(2)).setMaxAllowedSpaceUsage(0);
                final CommandResult lifted = run.next(1, 10);
                System.out.println("blackbox33 ROCKSDB space limit: a write after the limit was lifted: " + lifted);
                assertEquals(ResultCode.STORE_ERROR, lifted.code(), lifted.toString());
                run.readsServeAcknowledged("limit lifted", true, false);

                final RuntimeException closed = FullDiskScenarios.closeOutcome(rig);
                final Exception dbClosed = closeNatives();
                System.out.println("blackbox33 ROCKSDB space limit: engine close: " + closed + "; the host's "
                    + "RocksDB.closeE: " + dbClosed);
                assertEquals(null, closed, "the engine over a wrapped database closes quietly");

                rig.opener = () -> open(dir, 0);
                rig.open();
                run.everyAcknowledgedWriteReadsBack("reopened without the limit");
                final CommandResult again = run.next(2, 10);
                assertEquals(ResultCode.NOT_CACHED, again.code(), "writes work after the reopen: " + again);
                assertEquals(s(rig.expected("n00", run.version)), s(Bb33.storeGet(rig.engine.store(), b("n00"),
                    run.version)));
            }
            finally
            {
                try
                {
                    rig.close();
                }
                finally
                {
                    closeNatives();
                }
            }
        }
    }
}
