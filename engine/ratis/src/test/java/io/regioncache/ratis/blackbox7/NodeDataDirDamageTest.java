package io.regioncache.ratis.blackbox7;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.rocksdb.RocksDbBackingStore;

/**
 * README "Running a cluster": "a restart with the same data directory recovers every region from Ratis' storage";
 * "dataDir/sealed-merges ... kept across restarts"; "region snapshot = SST files". A single-node cluster writes,
 * closes (Ratis takes a snapshot as it stops), a file of its data directory is damaged, and the node restarts.
 * Expected: a typed IOException from start, or a node that leads and serves exactly what was written; never a
 * hang, never a region state nobody wrote.
 */
@Timeout(180)
class NodeDataDirDamageTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean awaitTrue(final BooleanSupplier cond, final long timeoutMs)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline)
        {
            if (cond.getAsBoolean())
            {
                return true;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        return cond.getAsBoolean();
    }

    /** ReplicaNode.start threw something other than the IOException its Javadoc names for "cannot start". */
    private static final class UntypedStart extends RuntimeException
    {
        UntypedStart(final Throwable cause)
        {
            super(cause.toString(), cause);
        }
    }

    private record Node(ReplicaNode.Config config, Map<String, String> peers)
    {
    }

    /** A node that led region 1 and acknowledged k=v, then closed. */
    private static Node written(final Path dir) throws IOException
    {
        final Map<String, String> peers = Map.of("n1", "127.0.0.1:" + LocalNodes.freePort());
        final ReplicaNode.Config c = new ReplicaNode.Config("n1", peers, dir.resolve("n1"));
        try (ReplicaNode n = ReplicaNode.start(c);
            RegionClient client = new RegionClient(peers))
        {
            assertTrue(awaitTrue(() -> n.isLeader(1), 20_000), "never led");
            client.put(b("k"), b("v"));
            client.put(b("k2"), b("v2"));
        }
        return new Node(c, peers);
    }

    /** Start in another thread, bounded: a start that hangs fails the test instead of hanging it. */
    private static ReplicaNode startBounded(final ReplicaNode.Config c, final long seconds) throws Exception
    {
        final ExecutorService ex = Executors.newSingleThreadExecutor(r ->
        {
            final Thread t = new Thread(r, "bounded-start");
            t.setDaemon(true);
            return t;
        });
        try
        {
            final Future<ReplicaNode> f = ex.submit(() -> ReplicaNode.start(c));
            try
            {
                return f.get(seconds, TimeUnit.SECONDS);
            }
            catch (final TimeoutException t)
            {
                fail("ReplicaNode.start hung more than " + seconds + " s");
                return null;
            }
            catch (final java.util.concurrent.ExecutionException e)
            {
                if (e.getCause() instanceof IOException io)
                {
                    throw io;
                }
                throw new UntypedStart(e.getCause());
            }
        }
        finally
        {
            ex.shutdown();
        }
    }

    /** Either start refuses with an IOException, or the node leads region 1 and reads k=v, k2=v2 and takes a write. */
    private static String restartServesOrRefuses(final Node node) throws Exception
    {
        final ReplicaNode n;
        try
        {
            n = startBounded(node.config(), 90);
        }
        catch (final IOException refused)
        {
            return "refused: " + refused;
        }
        catch (final UntypedStart untyped)
        {
            return "untyped: " + untyped.getMessage();
        }
        try (n; RegionClient client = new RegionClient(node.peers()))
        {
            assertTrue(awaitTrue(() -> n.isLeader(1), 30_000), "restarted node never led region 1: " + n.role(1));
            assertArrayEquals(b("v"), client.get(b("k")).value(), "k after the restart");
            assertArrayEquals(b("v2"), client.get(b("k2")).value(), "k2 after the restart");
            client.put(b("k3"), b("v3"));
            assertArrayEquals(b("v3"), client.get(b("k3")).value());
            return "served";
        }
    }

    private static List<Path> snapshotFiles(final Path dataDir, final String name) throws IOException
    {
        try (Stream<Path> s = Files.walk(dataDir.resolve("raft")))
        {
            return s.filter(p -> p.getFileName().toString().equals(name) &&
                p.getParent().getFileName().toString().startsWith("snap_")).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void garbageZeroedAndTornSealedMergesLinesAreSkipped(@TempDir final Path dir) throws Exception
    {
        final Node node = written(dir);
        final byte[] torn = "0201000001".getBytes(StandardCharsets.US_ASCII);
        final byte[] junk = new byte[] {'z', 'z', '\n', 0, 0, 0, 0, '\n', '0', '2', '\n'};
        final byte[] all = new byte[junk.length + torn.length];
        System.arraycopy(junk, 0, all, 0, junk.length);
        System.arraycopy(torn, 0, all, junk.length, torn.length);
        Files.write(node.config().dataDir().resolve("sealed-merges"), all);
        assertEquals("served", restartServesOrRefuses(node));
    }

    /**
     * A sealed-merges line holding a byte above 0x7f (a flipped bit in any byte, random garbage): the loader's own
     * comment promises an unreadable line is skipped and recovery re-records the seal, but Files.readAllLines(...,
     * US_ASCII) throws MalformedInputException for the whole file, so the node refuses to start until the file is
     * edited by hand.
     */
    @Test
    void aNonAsciiByteInSealedMergesIsSkippedLikeAnyUnreadableLine(@TempDir final Path dir) throws Exception
    {
        final Node node = written(dir);
        Files.write(node.config().dataDir().resolve("sealed-merges"),
            new byte[] {'0', '2', (byte)0x81, '0', '0', '\n'});
        assertEquals("served", restartServesOrRefuses(node));
    }

    @Test
    void aDirectoryInPlaceOfSealedMergesIsATypedRefusalAndTheNodeStartsOnceRemoved(@TempDir final Path dir)
        throws Exception
    {
        final Node node = written(dir);
        final Path sm = node.config().dataDir().resolve("sealed-merges");
        Files.createDirectory(sm);
        final String r = restartServesOrRefuses(node);
        assertTrue(r.startsWith("refused"), r);
        Files.delete(sm);
        assertEquals("served", restartServesOrRefuses(node));
    }

    @Test
    void aCorruptRemovedRegionsFileIsATypedRefusal(@TempDir final Path dir) throws Exception
    {
        final Node node = written(dir);
        final Path rr = node.config().dataDir().resolve("removed-regions");
        Files.write(rr, new byte[] {'1', '2', 0, 0, '\n', 'x'});
        final String r = restartServesOrRefuses(node);
        assertTrue(r.startsWith("refused") && r.contains("removed-regions"), r);
        Files.delete(rr);
        assertEquals("served", restartServesOrRefuses(node));
    }

    /**
     * A removed-regions line torn by a crash during its (synced) append, left NUL-padded as a power loss leaves a
     * file's extended tail: sealed-merges skips such a line ("a torn last line ... recovery applies that seal
     * again"); removed-regions refuses the start, so the node cannot restart until someone edits the file.
     * Expected (same as sealed-merges): the torn last line is skipped and the node serves.
     */
    @Test
    void aTornLastRemovedRegionsLineDoesNotBrickTheNode(@TempDir final Path dir) throws Exception
    {
        final Node node = written(dir);
        final Path rr = node.config().dataDir().resolve("removed-regions");
        Files.write(rr, new byte[] {'4', '2', '\n', '7', '7', 0, 0, 0, 0});
        assertEquals("served", restartServesOrRefuses(node));
    }

    /** The newest snapshot's meta cut short (a torn write, a bad sector): a typed refusal or a correct node. */
    @Test
    void aTruncatedSnapshotMetaIsRefusedOrRecoveredNeverHangs(@TempDir final Path dir) throws Exception
    {
        final Node node = written(dir);
        final List<Path> metas = snapshotFiles(node.config().dataDir(), "meta");
        assertTrue(!metas.isEmpty(), "no snapshot meta under " + node.config().dataDir());
        final Path meta = metas.get(metas.size() - 1);
        final byte[] m = Files.readAllBytes(meta);
        Files.write(meta, java.util.Arrays.copyOf(m, 3));
        final String r = restartServesOrRefuses(node);
        System.out.println("TRUNCATED META: " + r);
        // "A start that fails leaves nothing open: the same directory and port can be started again."
        Files.write(meta, m);
        assertEquals("served", restartServesOrRefuses(node), "after the meta was restored");
        assertTrue(r.startsWith("refused") || r.equals("served"), "ReplicaNode.start: " + r);
    }

    /** The newest snapshot's meta zeroed (same length). */
    @Test
    void aZeroedSnapshotMetaIsRefusedOrRecoveredNeverHangs(@TempDir final Path dir) throws Exception
    {
        final Node node = written(dir);
        final List<Path> metas = snapshotFiles(node.config().dataDir(), "meta");
        final Path meta = metas.get(metas.size() - 1);
        Files.write(meta, new byte[(int)Files.size(meta)]);
        final String r = restartServesOrRefuses(node);
        System.out.println("ZEROED META: " + r);
        assertTrue(r.startsWith("refused") || r.equals("served"), "ReplicaNode.start: " + r);
    }

    /**
     * One byte of the newest snapshot's meta changed so it still decodes: the region's state byte NORMAL -> MERGING.
     * Ratis keeps an MD5 beside each snapshot file; a restart that trusts the meta without it adopts a state no
     * entry ever set, and the region refuses every write (MERGING) although nobody prepared a merge.
     * Expected: the damage is detected (typed IOException at start) or the region takes writes as before.
     */
    @Test
    void aSnapshotMetaWithAFlippedStateByteIsNotAdoptedSilently(@TempDir final Path dir) throws Exception
    {
        final Node node = written(dir);
        final List<Path> metas = snapshotFiles(node.config().dataDir(), "meta");
        final Path meta = metas.get(metas.size() - 1);
        final byte[] m = Files.readAllBytes(meta);
        final RegionMeta before = RegionMeta.decode(m);
        assertEquals(RegionMeta.State.NORMAL, before.state());
        final byte[] flipped = new RegionMeta(before.id(), before.start(), before.end(), before.epochVersion(),
            RegionMeta.State.MERGING, before.mergeTarget(), before.lastVersion(), before.children(),
            before.mergedSources(), before.mergeTargetEpoch()).encode();
        assertEquals(m.length, flipped.length, "one byte differs");
        Files.write(meta, flipped);
        assertNotNull(snapshotFiles(node.config().dataDir(), "meta.md5"));
        final String r;
        try
        {
            r = restartServesOrRefuses(node);
        }
        catch (final io.regioncache.ratis.RegionClientException ex)
        {
            throw new AssertionError("a damaged snapshot meta was adopted: region 1 restarted MERGING and refuses " +
                "writes (" + ex.getMessage() + "); meta.md5 files: " + snapshotFiles(node.config().dataDir(),
                "meta.md5"), ex);
        }
        System.out.println("FLIPPED META: " + r);
        assertTrue(r.startsWith("refused") || r.equals("served"), r);
    }

    /**
     * A snapshot awaiting its ingest (no "ingested" marker: a crash between the install and the marker, the case the
     * store's Javadoc names) whose data.sst is torn: the restart re-ingests. Expected: a typed refusal that leaves
     * the node's RocksDB as it was (the range is not deleted before the SST is known good), or a correct node.
     */
    @Test
    void aTornSstAwaitingIngestDoesNotDeleteTheRangeItCannotReplace(@TempDir final Path dir) throws Exception
    {
        final Node node = written(dir);
        final List<Path> ssts = snapshotFiles(node.config().dataDir(), "data.sst");
        assertTrue(!ssts.isEmpty(), "no data.sst");
        final Path sst = ssts.get(ssts.size() - 1);
        Files.deleteIfExists(sst.resolveSibling("ingested"));
        final byte[] s = Files.readAllBytes(sst);
        Files.write(sst, java.util.Arrays.copyOf(s, s.length / 2));
        final String r = restartServesOrRefuses(node);
        System.out.println("TORN SST: " + r);
        if (!r.equals("served"))
        {
            try (RocksDbBackingStore store = RocksDbBackingStore.open(node.config().dataDir().resolve("rocksdb")))
            {
                assertArrayEquals(b("v"), store.get(b("k"), Long.MAX_VALUE),
                    "the refused start deleted the region's data from RocksDB (" + r + ")");
            }
        }
        assertTrue(r.startsWith("refused") || r.equals("served"), "ReplicaNode.start: " + r);
    }

    /**
     * The zero-length "bootstrapped" marker of a node that split region 1 is lost (the only file of the data
     * directory the README does not list). The restart takes the directory for a fresh one and starts Ratis with
     * FORMAT over the existing storage. Expected: a typed refusal, or the node's regions as they were (region 1 =
     * [m, +inf) at its epoch, the child [-inf, m)) and every value; never region 1 back at [-inf, +inf) beside its
     * child, nor an empty region.
     */
    @Test
    void aLostBootstrappedMarkerDoesNotReformatARegionThatSplit(@TempDir final Path dir) throws Exception
    {
        final Map<String, String> peers = Map.of("n1", "127.0.0.1:" + LocalNodes.freePort());
        final ReplicaNode.Config c = new ReplicaNode.Config("n1", peers, dir.resolve("n1"));
        final Map<Long, RegionMeta> before;
        try (ReplicaNode n = ReplicaNode.start(c);
            RegionClient client = new RegionClient(peers))
        {
            assertTrue(awaitTrue(() -> n.isLeader(1), 20_000), "never led");
            client.put(b("a"), b("va"));
            client.put(b("z"), b("vz"));
            final long left = client.split(b("m"));
            assertTrue(awaitTrue(() -> n.isLeader(left), 20_000), "never led the child");
            client.put(b("b"), b("vb"));
            before = n.regions();
        }
        Files.delete(c.dataDir().resolve("bootstrapped"));
        final ReplicaNode n;
        try
        {
            n = startBounded(c, 90);
        }
        catch (final IOException | UntypedStart refused)
        {
            // Ratis refuses to FORMAT over the existing group directory: no harm; restoring the marker recovers.
            System.out.println("LOST MARKER: refused " + refused);
            Files.write(c.dataDir().resolve("bootstrapped"), new byte[0]);
            try (ReplicaNode again = startBounded(c, 90); RegionClient client = new RegionClient(peers))
            {
                assertTrue(awaitTrue(() -> again.isLeader(1), 30_000), "never led after the marker was restored");
                assertArrayEquals(b("vb"), client.get(b("b")).value());
                assertArrayEquals(b("vz"), client.get(b("z")).value());
            }
            return;
        }
        try (n; RegionClient client = new RegionClient(peers))
        {
            awaitTrue(() -> n.regions().size() >= before.size() && n.isLeader(1), 30_000);
            final Map<Long, RegionMeta> after = n.regions();
            System.out.println("LOST MARKER: before " + before + "\n after " + after);
            assertEquals(before.keySet(), after.keySet(), "regions after the restart");
            for (final Map.Entry<Long, RegionMeta> e : before.entrySet())
            {
                final RegionMeta a = after.get(e.getKey());
                assertArrayEquals(e.getValue().start(), a.start(), "start of region " + e.getKey() + ": " + a);
                assertArrayEquals(e.getValue().end(), a.end(), "end of region " + e.getKey() + ": " + a);
                assertEquals(e.getValue().epochVersion(), a.epochVersion(), "epoch of region " + e.getKey());
            }
            assertArrayEquals(b("va"), client.get(b("a")).value());
            assertArrayEquals(b("vb"), client.get(b("b")).value());
            assertArrayEquals(b("vz"), client.get(b("z")).value());
        }
    }

    /**
     * As the torn case, but one byte flipped in the middle of data.sst (the footer intact). RocksDB's
     * ingestExternalFile does not verify block checksums unless asked (verifyChecksumsBeforeIngest), though Ratis
     * keeps data.sst.md5 beside it. Expected: a typed refusal with RocksDB as it was, or a node serving k=v, k2=v2.
     */
    @Test
    void aBitFlippedSstAwaitingIngestIsNotIngested(@TempDir final Path dir) throws Exception
    {
        final Node node = written(dir);
        final List<Path> ssts = snapshotFiles(node.config().dataDir(), "data.sst");
        final Path sst = ssts.get(ssts.size() - 1);
        Files.deleteIfExists(sst.resolveSibling("ingested"));
        final byte[] s = Files.readAllBytes(sst);
        s[24] ^= 0x01; // inside the first data block (keys and values start near offset 0)
        Files.write(sst, s);
        String r;
        try
        {
            r = restartServesOrRefuses(node);
        }
        catch (final Throwable t)
        {
            r = "served wrongly: " + t;
        }
        System.out.println("FLIPPED SST: " + r);
        if (!r.equals("served"))
        {
            try (RocksDbBackingStore store = RocksDbBackingStore.open(node.config().dataDir().resolve("rocksdb")))
            {
                assertArrayEquals(b("v"), store.get(b("k"), Long.MAX_VALUE), "RocksDB after: " + r);
                assertArrayEquals(b("v2"), store.get(b("k2"), Long.MAX_VALUE), "RocksDB after: " + r);
            }
        }
        assertTrue(r.startsWith("refused") || r.equals("served"), r);
    }

    /**
     * NodeMain (what serve runs) on a data directory whose snapshot meta is zeroed: the start fails; the process
     * must end (non-zero) with a message, not stay up forever serving nothing because a non-daemon thread survived
     * the failed start.
     */
    @Test
    void nodeMainOnADamagedSnapshotExitsInsteadOfHanging(@TempDir final Path dir) throws Exception
    {
        final Node node = written(dir);
        final List<Path> metas = snapshotFiles(node.config().dataDir(), "meta");
        final Path meta = metas.get(metas.size() - 1);
        Files.write(meta, new byte[(int)Files.size(meta)]);
        final String peers = node.peers().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
        final String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final Path log = dir.resolve("n1.log");
        final Process child = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m",
            "-cp", cp, "io.regioncache.ratis.NodeMain",
            "--id", "n1", "--peers", peers, "--data-dir", node.config().dataDir().toString())
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try
        {
            final boolean ended = child.waitFor(60, TimeUnit.SECONDS);
            final String out = Files.readString(log);
            System.out.println("NODEMAIN: ended " + ended + "\n" + out.substring(0, Math.min(out.length(), 3000)));
            assertTrue(ended, "NodeMain still running 60 s after its start failed:\n" +
                out.substring(0, Math.min(out.length(), 3000)));
            assertTrue(child.exitValue() != 0, "exit " + child.exitValue());
        }
        finally
        {
            child.destroyForcibly().waitFor();
        }
    }
}
