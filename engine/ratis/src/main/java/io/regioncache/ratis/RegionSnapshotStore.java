package io.regioncache.ratis;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.apache.ratis.util.FileUtils;
import org.apache.ratis.util.MD5FileUtil;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * A region replica's Raft snapshots, in the division's state-machine directory:
 * <pre>
 *  sm/snap_TERM_INDEX/meta       RegionMeta (format 1) at that log index
 *  sm/snap_TERM_INDEX/data.sst   every stored entry of the region's range (absent if the range was empty)
 *  sm/snap_TERM_INDEX/ingested   local marker: this node's RocksDB holds the snapshot (not sent to followers)
 * </pre>
 * Ratis sends {@code meta} and {@code data.sst} (with their MD5 files) to a lagging follower and moves them into its
 * {@code sm/} directory whole; the follower's state machine then ingests the SST and writes {@code ingested}, so a
 * crash between the two re-ingests on restart. Only the newest snapshot is kept. A file is read (meta) or ingested
 * (SST) only after it matched its MD5 file, so a snapshot damaged on disk fails the start with an
 * {@link IOException} naming it, and this node's RocksDB keeps the range as it was.
 */
final class RegionSnapshotStore implements StateMachineStorage
{
    static final String META = "meta";
    static final String DATA = "data.sst";
    static final String INGESTED = "ingested";
    private static final String PREFIX = "snap_";

    private volatile File smDir;
    private volatile Latest latest;

    /** The newest snapshot: where, at which term/index, and what Ratis sends. */
    record Latest(Path dir, TermIndex termIndex, FileListSnapshotInfo info)
    {
        boolean ingested()
        {
            return Files.exists(dir.resolve(INGESTED));
        }

        Path sst()
        {
            final Path p = dir.resolve(DATA);
            return Files.exists(p) ? p : null;
        }

        /**
         * @return the SST, checked against its MD5 file (null if the range was empty).
         * @throws IOException if it does not match: damaged on disk since it was written or received.
         */
        Path verifiedSst() throws IOException
        {
            final Path p = sst();
            if (p != null)
            {
                verify(p);
            }
            return p;
        }

        /**
         * @return the region view, read only after {@code meta} matched its MD5 file: a byte flipped on disk could
         * still decode (a state byte NORMAL to MERGING), and a view nobody wrote must not be adopted.
         * @throws IOException if it does not match or cannot be decoded (the message names the file).
         */
        RegionMeta meta() throws IOException
        {
            final Path p = dir.resolve(META);
            verify(p);
            try
            {
                return RegionMeta.decode(Files.readAllBytes(p));
            }
            catch (final EntryFormatException ex)
            {
                throw new IOException("snapshot meta " + p + " cannot be decoded: " + ex.getMessage(), ex);
            }
        }
    }

    /**
     * Check a snapshot file against the MD5 file beside it (Ratis writes one with every snapshot file it receives,
     * {@link #info} with every one written here). A file without one is not checked: {@link #write} saves the MD5
     * only after moving the snapshot into place, so a crash between the two leaves an intact file without it.
     */
    static void verify(final Path file) throws IOException
    {
        final File f = file.toFile();
        if (!MD5FileUtil.getDigestFileForFile(f).exists())
        {
            return;
        }
        final MD5Hash computed = MD5FileUtil.computeMd5ForFile(f);
        final MD5Hash stored = MD5FileUtil.readStoredMd5ForFile(f);
        if (!computed.equals(stored))
        {
            throw new IOException("snapshot file " + file + " is damaged: its MD5 " + computed + " does not match "
                + MD5FileUtil.getDigestFileForFile(f).getName() + " (" + stored + ")");
        }
    }

    @Override
    public void init(final RaftStorage raftStorage) throws IOException
    {
        smDir = raftStorage.getStorageDir().getStateMachineDir();
        Files.createDirectories(smDir.toPath());
        reload();
    }

    /**
     * Rescan the directory (after Ratis moved an installed snapshot in).
     *
     * @return the newest snapshot or null.
     * @throws IOException on an I/O error.
     */
    Latest reload() throws IOException
    {
        Path best = null;
        TermIndex bestTi = null;
        try (Stream<Path> s = Files.list(smDir.toPath()))
        {
            for (final Path p : (Iterable<Path>)s::iterator)
            {
                final TermIndex ti = parse(p.getFileName().toString());
                if (ti != null && Files.exists(p.resolve(META)) && (bestTi == null || ti.compareTo(bestTi) > 0))
                {
                    best = p;
                    bestTi = ti;
                }
            }
        }
        latest = best == null ? null : new Latest(best, bestTi, info(best, bestTi));
        return latest;
    }

    private static TermIndex parse(final String name)
    {
        if (!name.startsWith(PREFIX))
        {
            return null;
        }
        final String[] parts = name.substring(PREFIX.length()).split("_");
        if (parts.length != 2)
        {
            return null;
        }
        try
        {
            return TermIndex.valueOf(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
        }
        catch (final NumberFormatException ex)
        {
            return null;
        }
    }

    private static FileListSnapshotInfo info(final Path dir, final TermIndex ti) throws IOException
    {
        final List<FileInfo> files = new ArrayList<>(2);
        for (final String name : new String[] {META, DATA})
        {
            final File f = dir.resolve(name).toFile();
            if (f.exists())
            {
                final File md5File = MD5FileUtil.getDigestFileForFile(f);
                files.add(new FileInfo(f.toPath(),
                    md5File.exists() ? MD5FileUtil.readStoredMd5ForFile(f) : MD5FileUtil.computeAndSaveMd5ForFile(f)));
            }
        }
        return new FileListSnapshotInfo(files, ti);
    }

    /**
     * Write a snapshot of {@code meta}'s range from {@code db} at {@code ti}, make it the newest, drop older ones.
     *
     * @param ti   last applied term/index.
     * @param meta region state at that index.
     * @param db   the node's RocksDB (holds exactly the state at {@code ti} for the range: called on the apply
     *             thread, between entries).
     * @return entries exported.
     * @throws IOException      on an I/O error.
     * @throws RocksDBException on a RocksDB error.
     */
    long write(final TermIndex ti, final RegionMeta meta, final RocksDB db) throws IOException, RocksDBException
    {
        final Path dir = smDir.toPath().resolve(PREFIX + ti.getTerm() + "_" + ti.getIndex());
        final Path tmp = smDir.toPath().resolve("tmp_" + ti.getTerm() + "_" + ti.getIndex());
        FileUtils.deleteFully(tmp);
        FileUtils.deleteFully(dir);
        Files.createDirectories(tmp);
        final long n = RangeSst.export(db, meta.start(), meta.end(), tmp.resolve(DATA));
        Files.write(tmp.resolve(META), meta.encode());
        Files.createFile(tmp.resolve(INGESTED));
        Files.move(tmp, dir);
        final Latest previous = latest;
        latest = new Latest(dir, ti, info(dir, ti));
        if (previous != null && !previous.dir().equals(dir))
        {
            FileUtils.deleteFully(previous.dir());
        }
        return n;
    }

    /**
     * @param l the snapshot now held by RocksDB.
     * @throws IOException on an I/O error.
     */
    void markIngested(final Latest l) throws IOException
    {
        final Path marker = l.dir().resolve(INGESTED);
        if (!Files.exists(marker))
        {
            Files.createFile(marker);
        }
        // An install replaced the whole directory: drop leftovers of older snapshots, if any.
        try (Stream<Path> s = Files.list(smDir.toPath()))
        {
            for (final Path p : (Iterable<Path>)s::iterator)
            {
                if (!p.equals(l.dir()) && (p.getFileName().toString().startsWith(PREFIX) ||
                    p.getFileName().toString().startsWith("tmp_")))
                {
                    FileUtils.deleteFully(p);
                }
            }
        }
    }

    /** @return the newest snapshot, or null. */
    Latest latest()
    {
        return latest;
    }

    @Override
    public SnapshotInfo getLatestSnapshot()
    {
        final Latest l = latest;
        return l == null ? null : l.info();
    }

    @Override
    public void format() throws IOException
    {
        // nothing beyond the directory Ratis formats
    }

    @Override
    public void cleanupOldSnapshots(final SnapshotRetentionPolicy policy)
    {
        // write() keeps only the newest snapshot
    }

    static Comparator<TermIndex> order()
    {
        return Comparator.naturalOrder();
    }
}
