package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionState;
import io.regioncache.WriteBatch;
import io.regioncache.ratis.EntryFormatException.Reason;

/**
 * The promises of README.md's "Replication (Apache Ratis, multi-Raft)" section ("Running a cluster", "Fault
 * scenarios" and the known limits included) that the other tests of this module do not already check, each as a user
 * of the public API following the README would meet it. One 3-node cluster serves every test (each works in its own
 * key prefix {@code tN/}); it is checked healthy (converged, no divergence, zero error counters, zero bytes in use
 * after close) at the end. Tests whose javadoc says "Was:" failed when written; the fix is named there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class RatisReadmeContractTest
{
    private Path dir;
    private LocalCluster cluster;
    private RegionClient client;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] padded(final String prefix, final int length)
    {
        final byte[] k = Arrays.copyOf(b(prefix), length);
        Arrays.fill(k, prefix.length(), length, (byte) 'x');
        return k;
    }

    @BeforeAll
    void startCluster() throws Exception
    {
        dir = Files.createTempDirectory("ratis-readme-contract");
        cluster = new LocalCluster(dir, 3, c -> { }).startAll();
        client = cluster.client();
        cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID, 30_000);
    }

    @AfterAll
    void stopCluster() throws Exception
    {
        try
        {
            client.close();
            cluster.awaitConverged(60_000);
            cluster.assertHealthy();
            cluster.close();
        }
        finally
        {
            deleteTree(dir);
        }
    }

    static void deleteTree(final Path root) throws IOException
    {
        if (root == null || !Files.exists(root))
        {
            return;
        }
        try (var paths = Files.walk(root))
        {
            for (final Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private List<RaftPeer> peers()
    {
        final List<RaftPeer> out = new ArrayList<>();
        cluster.peers.forEach((id, a) -> out.add(RaftPeer.newBuilder().setId(id).setAddress(a).build()));
        return out;
    }

    /** A query sent as Ratis' linearizable read-only request, as a client of the entry format would send it. */
    private Reply query(final Entry e) throws IOException
    {
        try (RaftClient rc = RaftClient.newBuilder().setProperties(new RaftProperties())
            .setRaftGroup(RaftGroup.valueOf(ReplicaNode.groupIdOf(e.regionId()), peers())).build())
        {
            final RaftClientReply r = rc.io().sendReadOnly(Message.valueOf(ByteString.copyFrom(EntryCodec.encode(e))));
            assertTrue(r.isSuccess(), () -> String.valueOf(r.getException()));
            return Reply.decode(r.getMessage().getContent().toByteArray());
        }
    }

    private Reply readAt(final byte[] key, final long version) throws IOException
    {
        final RegionMeta m = client.locate(key);
        return query(new Entry.Get(m.id(), m.epochVersion(), version, key));
    }

    /** Hand-encoded entry bytes (format 1), for requests the encoder itself refuses to write. */
    private static final class Raw
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Raw u8(final int v)
        {
            out.write(v);
            return this;
        }

        Raw varint(final long v)
        {
            long x = v;
            while ((x & ~0x7FL) != 0)
            {
                out.write((int) ((x & 0x7F) | 0x80));
                x >>>= 7;
            }
            out.write((int) x);
            return this;
        }

        Raw bytes(final byte[] b)
        {
            varint(b.length);
            out.writeBytes(b);
            return this;
        }

        byte[] toArray()
        {
            return out.toByteArray();
        }
    }

    private static int varintLength(final long v)
    {
        return new Raw().varint(v).toArray().length;
    }

    private static long metric(final ReplicaNode n, final String name)
    {
        final Number v = n.engine().cache().metrics().values().get(name);
        assertNotNull(v, "no cache metric " + name + " in " + n.engine().cache().metrics().values().keySet());
        return v.longValue();
    }

    private HttpResponse<String> httpGet(final String url) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double sample(final String text, final String series)
    {
        final Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertTrue(m.find(), () -> "no series " + series + " in\n" + text);
        return Double.parseDouble(m.group(1));
    }

    /** Split at {@code left} then at {@code right}: returns the region [left, right), adjacent to its right one. */
    private long[] sourceAndTarget(final String left, final String right) throws InterruptedException
    {
        client.split(b(left));
        final long source = client.split(b(right));
        final long target = client.locate(b(right)).id();
        cluster.awaitLeader(source, 30_000);
        cluster.awaitLeader(target, 30_000);
        return new long[] {source, target};
    }

    // ------------------------------------------------------------------------------------------ the cluster

    /** "The first start creates region 1 (every key) on all three". */
    @Test
    @Order(1)
    void theFirstStartCreatesRegionOneCoveringEveryKeyOnEveryNode() throws Exception
    {
        for (final ReplicaNode n : cluster.running.values())
        {
            cluster.await(() -> n.regions().containsKey(ReplicaNode.ROOT_REGION_ID), n.id() + " hosts region 1");
            assertEquals(Set.of(ReplicaNode.ROOT_REGION_ID), n.regions().keySet(), n.id());
            final RegionMeta root = n.regions().get(ReplicaNode.ROOT_REGION_ID);
            assertEquals(0, root.start().length, "region 1 starts at the first key");
            assertEquals(0, root.end().length, "region 1 ends after the last key");
            assertEquals(RegionMeta.State.NORMAL, root.state());
        }
        client.refresh();
        assertEquals(1, client.routes().size(), client.routes().toString());
    }

    /**
     * "Ratis settings that matter": 64 KiB segments, purge gap 1 and purge up to the snapshot index, automatic
     * snapshots every 1,000 entries, log metadata off, election timeout 600-1,200 ms, pre-vote off, linearizable
     * reads; the Raft server binds 127.0.0.1 unless told; {@code FollowerCachePolicy.EVICT} is the default.
     */
    @Test
    @Order(2)
    void ratisSettingsAreTheDocumentedOnes()
    {
        for (final ReplicaNode n : cluster.running.values())
        {
            final RaftProperties p = n.server().getProperties();
            assertEquals(SizeInBytes.valueOf("64KB").getSize(), RaftServerConfigKeys.Log.segmentSizeMax(p).getSize());
            assertEquals(1, RaftServerConfigKeys.Log.purgeGap(p));
            assertTrue(RaftServerConfigKeys.Log.purgeUptoSnapshotIndex(p));
            assertFalse(RaftServerConfigKeys.Log.logMetadataEnabled(p));
            assertTrue(RaftServerConfigKeys.Snapshot.autoTriggerEnabled(p));
            assertEquals(1_000, RaftServerConfigKeys.Snapshot.autoTriggerThreshold(p));
            assertEquals(TimeDuration.valueOf(600, TimeUnit.MILLISECONDS).toLong(TimeUnit.MILLISECONDS),
                RaftServerConfigKeys.Rpc.timeoutMin(p).toLong(TimeUnit.MILLISECONDS));
            assertEquals(1_200, RaftServerConfigKeys.Rpc.timeoutMax(p).toLong(TimeUnit.MILLISECONDS));
            assertFalse(RaftServerConfigKeys.LeaderElection.preVote(p), "pre-vote off");
            assertEquals(RaftServerConfigKeys.Read.Option.LINEARIZABLE, RaftServerConfigKeys.Read.option(p));
            assertEquals("127.0.0.1", GrpcConfigKeys.Server.host(p), "binds 127.0.0.1 unless told");
            assertEquals(ReplicaNode.FollowerCachePolicy.EVICT, n.config().followerPolicy(), "EVICT is the default");
        }
        assertNotNull(EvictReason.valueOf("BECOME_FOLLOWER"));
    }

    // ------------------------------------------------------------------------------------------ versions

    /**
     * "A read without a version ... reads at the serving replica's last applied version after ReadIndex ... the reply
     * carries the version read at"; versions "are identical on every replica"; "strictly increase in each region's
     * log order"; {@code getFromFollower(key, "n2")} is "served by n2's cache or RocksDB".
     */
    @Test
    @Order(10)
    void readsWithoutAVersionAreAtTheLastAppliedVersionOnEveryReplica() throws Exception
    {
        final long v1 = client.put(b("t3/a"), b("1"));
        final long v2 = client.put(b("t3/b"), b("2"));
        assertTrue(v2 > v1, "versions increase in log order");
        final RegionClient.ReadResult leader = client.get(b("t3/a"));
        assertArrayEquals(b("1"), leader.value());
        assertEquals(v2, leader.readVersion(), "read at the region's last applied version");
        for (final ReplicaNode n : cluster.running.values())
        {
            final long served = n.counters().cacheReads() + n.counters().storeReads();
            final RegionClient.ReadResult r = client.getFromFollower(b("t3/a"), n.id());
            assertArrayEquals(b("1"), r.value(), n.id());
            assertEquals(v2, r.readVersion(), n.id() + ": the same last applied version on every replica");
            assertTrue(n.counters().cacheReads() + n.counters().storeReads() > served,
                n.id() + " served the read from its cache or RocksDB");
        }
        // Concurrent writers of one region: every version distinct (they are strictly increasing in log order).
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try
        {
            final ConcurrentLinkedQueue<Long> versions = new ConcurrentLinkedQueue<>();
            final List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++)
            {
                final int thread = t;
                fs.add(pool.submit(() ->
                {
                    for (int i = 0; i < 10; i++)
                    {
                        versions.add(client.put(b("t3/c" + thread + "/" + i), b("x")));
                    }
                }));
            }
            for (final Future<?> f : fs)
            {
                f.get(60, TimeUnit.SECONDS);
            }
            assertEquals(40, new HashSet<>(versions).size(), "every write of a region has its own version");
            final long max = versions.stream().mapToLong(Long::longValue).max().orElseThrow();
            assertTrue(versions.stream().allMatch(v -> v > v2));
            assertEquals(max, client.get(b("t3/a")).readVersion(), "the last applied version is the largest");
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    /**
     * "A read at an explicit version V is served at min(V, last applied); it is repeatable because every later write
     * of that region gets a larger version."
     */
    @Test
    @Order(11)
    void aReadAtAnExplicitVersionIsServedAtTheMinimumOfItAndTheLastApplied() throws Exception
    {
        final byte[] k = b("t4/k");
        final long v1 = client.put(k, b("a"));
        final long v2 = client.put(k, b("b"));
        Reply r = readAt(k, v1);
        assertEquals(Reply.Status.OK, r.status());
        assertEquals(v1, r.version());
        assertArrayEquals(b("a"), r.value());
        r = readAt(k, v1 - 1);
        assertEquals(v1 - 1, r.version());
        assertNull(r.value(), "before its first write the key is absent");
        r = readAt(k, Long.MAX_VALUE);
        assertEquals(v2, r.version(), "a version above the last applied is served at the last applied");
        assertArrayEquals(b("b"), r.value());
        assertEquals(v2, readAt(k, 0).version(), "version 0: the last applied");
        final long v3 = client.put(k, b("c"));
        assertTrue(v3 > v2);
        r = readAt(k, v2);
        assertEquals(v2, r.version());
        assertArrayEquals(b("b"), r.value(), "repeatable: the later write got a larger version");
        r = readAt(k, Long.MAX_VALUE);
        assertEquals(v3, r.version());
        assertArrayEquals(b("c"), r.value());
    }

    /** {@code HybridLogicalClock.next()} is {@code wallMillis << 16 | logical}, above every result and observation. */
    @Test
    @Order(12)
    void theClockIsWallMillisShiftedSixteenPlusALogicalCounter()
    {
        final AtomicLong wall = new AtomicLong(5);
        final HybridLogicalClock c = new HybridLogicalClock(wall::get);
        assertEquals(5L << 16, c.next());
        assertEquals((5L << 16) | 1, c.next());
        c.observe((9L << 16) | 7);
        assertEquals((9L << 16) | 8, c.next(), "above every observed version");
        wall.set(20);
        assertEquals(20L << 16, c.next(), "never behind the wall clock");
        wall.set(3);
        assertEquals((20L << 16) | 1, c.next(), "never backwards when the wall clock is");
    }

    /** "{@code RegionClient.builder(peers).tls(files).retries(n).build()}": a negative count is refused. */
    @Test
    @Order(13)
    void theBuilderRefusesANegativeRetryCount()
    {
        assertThrows(IllegalArgumentException.class, () -> RegionClient.builder(cluster.peers).retries(-1));
        try (RegionClient c = RegionClient.builder(cluster.peers).tls(null).retries(3).build())
        {
            assertArrayEquals(b("1"), c.get(b("t3/a")).value());
        }
    }

    // ------------------------------------------------------------------------------------------ entry limits

    /**
     * "limits of 2 MiB per entry, 4 KiB per key, 1 MiB per value, 65,536 ops": a request at each limit is accepted,
     * replicated and read back.
     * <p>
     * Was: a write whose request encoded to exactly 2 MiB (the client's own check passed it) was refused INVALID by
     * the leader, whose stamped version (a 9-byte varint where the request had a 1-byte 0) made the log entry 8
     * bytes larger than the limit. {@code EntryCodec.decode} now does not count the version's width past one byte.
     */
    @Test
    @Order(20)
    void requestsAtEachLimitAreAcceptedAndReplicated() throws Exception
    {
        final byte[] key = padded("t5/k", EntryCodec.MAX_KEY_BYTES);
        final byte[] value = new byte[EntryCodec.MAX_VALUE_BYTES];
        Arrays.fill(value, (byte) 7);
        client.put(key, value);
        assertArrayEquals(value, client.get(key).value());
        for (final String n : cluster.peers.keySet())
        {
            assertArrayEquals(value, client.getFromFollower(key, n).value(), n);
        }

        final Map<byte[], byte[]> ops = new HashMap<>();
        for (int i = 0; i < EntryCodec.MAX_OPS; i++)
        {
            ops.put(b(String.format("t5/o/%05d", i)), b(Integer.toString(i)));
        }
        client.write(ops);
        assertArrayEquals(b("0"), client.get(b("t5/o/00000")).value());
        assertArrayEquals(b("65535"), client.get(b("t5/o/65535")).value());

        // A write request of exactly 2 MiB as the client encodes it (version 0).
        final byte[] k1 = b("t5/e1");
        final byte[] k2 = b("t5/e2");
        final RegionMeta m = client.locate(k1);
        assertEquals(m.id(), client.locate(k2).id());
        final int fixed = 2 + varintLength(m.id()) + varintLength(m.epochVersion()) + 1 + 1 +
            2 * (1 + 1 + k1.length) + varintLength(EntryCodec.MAX_VALUE_BYTES) + EntryCodec.MAX_VALUE_BYTES;
        int v2len = EntryCodec.MAX_ENTRY_BYTES - fixed - 3;
        while (fixed + varintLength(v2len) + v2len < EntryCodec.MAX_ENTRY_BYTES)
        {
            v2len++;
        }
        final byte[] big1 = new byte[EntryCodec.MAX_VALUE_BYTES];
        final byte[] big2 = new byte[v2len];
        Arrays.fill(big1, (byte) 1);
        Arrays.fill(big2, (byte) 2);
        final List<Entry.Op> list = List.of(new Entry.Op(WriteBatch.PUT, k1, big1), new Entry.Op(WriteBatch.PUT, k2, big2));
        assertEquals(EntryCodec.MAX_ENTRY_BYTES,
            EntryCodec.encode(new Entry.Write(m.id(), m.epochVersion(), 0, list)).length, "the request is 2 MiB");
        final Map<byte[], byte[]> two = new HashMap<>();
        two.put(k1, big1);
        two.put(k2, big2);
        client.write(two);
        assertArrayEquals(big2, client.get(k2).value());
        for (final String n : cluster.peers.keySet())
        {
            assertArrayEquals(big1, client.getFromFollower(k1, n).value(), n);
        }
        // And the encoder accepts 64 split keys (a split into 65 regions), not 65.
        final byte[][] keys = new byte[EntryCodec.MAX_SPLIT_KEYS][];
        for (int i = 0; i < keys.length; i++)
        {
            keys[i] = b(String.format("t5/s/%02d", i));
        }
        assertEquals(EntryCodec.MAX_SPLIT_KEYS, ((Entry.Split) EntryCodec.decode(EntryCodec.encode(
            Entry.Split.of(m, keys)))).splitKeys().length);
    }

    /**
     * "A malformed or oversized request is refused in the leader's {@code startTransaction} with a typed
     * {@code EntryFormatException} reason and is never appended (the client sees {@code INVALID})", over each limit:
     * through {@code RegionClient} and as raw bytes.
     * <p>
     * Was: {@code RegionClient.put} / {@code write} of an oversized key, value or batch threw the encoder's bare
     * {@code EntryFormatException} instead of a {@code RegionClientException} with status {@code INVALID}; it now
     * wraps it (the typed reason is the cause).
     */
    private long rejectedRequests()
    {
        return cluster.running.values().stream().mapToLong(n -> n.counters().rejectedRequests()).sum();
    }

    @Test
    @Order(21)
    void requestsOverALimitAreRefusedWithTheirReasonAndNeverAppended() throws Exception
    {
        final byte[] okKey = b("t6/a");
        client.put(okKey, b("0"));
        final RegionMeta m = client.locate(okKey);
        final String leader = cluster.awaitLeader(m.id(), 30_000);
        cluster.awaitConverged(30_000);
        final Map<String, Long> applied = new HashMap<>();
        cluster.running.values().forEach(n -> applied.put(n.id(), n.appliedIndex(m.id())));
        // Counted on every node: an election timeout under load can move the leadership during the refusals, and a
        // refusal is counted where it happened, in the startTransaction of whichever node led (a follower runs none).
        final long rejected = rejectedRequests();

        // Through the client: refused with INVALID and the codec's reason, before anything is sent.
        final Map<byte[], byte[]> tooMany = new HashMap<>();
        for (int i = 0; i <= EntryCodec.MAX_OPS; i++)
        {
            tooMany.put(b(String.format("t6/o/%05d", i)), b("x"));
        }
        final List<Runnable> overLimit = List.of(
            () -> client.put(padded("t6/k", EntryCodec.MAX_KEY_BYTES + 1), b("v")),
            () -> client.put(b("t6/v"), new byte[EntryCodec.MAX_VALUE_BYTES + 1]),
            () -> client.write(tooMany));
        for (final Runnable r : overLimit)
        {
            final RegionClientException ex = assertThrows(RegionClientException.class, r::run);
            assertEquals(Reply.Status.INVALID, ex.status(), ex.getMessage());
            assertEquals(Reason.TOO_LARGE, assertInstanceOf(EntryFormatException.class, ex.getCause()).reason());
        }

        // Raw bytes the encoder would not write, each refused by the leader with its typed reason.
        final byte[][] raw = {
            new Raw().u8(1).u8(EntryCodec.WRITE).varint(m.id()).varint(m.epochVersion()).varint(0).varint(1)
                .u8(WriteBatch.PUT).bytes(padded("t6/k", EntryCodec.MAX_KEY_BYTES + 1)).bytes(b("v")).toArray(),
            new Raw().u8(1).u8(EntryCodec.WRITE).varint(m.id()).varint(m.epochVersion()).varint(0).varint(1)
                .u8(WriteBatch.PUT).bytes(b("t6/v")).bytes(new byte[EntryCodec.MAX_VALUE_BYTES + 1]).toArray(),
            new Raw().u8(1).u8(EntryCodec.WRITE).varint(m.id()).varint(m.epochVersion()).varint(0)
                .varint(EntryCodec.MAX_OPS + 1).toArray(),
            new Raw().u8(1).u8(EntryCodec.SPLIT).varint(m.id()).varint(m.epochVersion()).varint(0)
                .varint(EntryCodec.MAX_SPLIT_KEYS + 1).toArray(),
            Arrays.copyOf(new Raw().u8(1).u8(EntryCodec.WRITE).varint(m.id()).varint(m.epochVersion()).varint(0)
                .toArray(), EntryCodec.MAX_ENTRY_BYTES + 1),
        };
        for (final byte[] bytes : raw)
        {
            final Reply r = client.sendRaw(m.id(), bytes);
            assertEquals(Reply.Status.INVALID, r.status(), r.detail());
            assertTrue(r.detail().contains(Reason.TOO_LARGE.name()), "the typed reason reaches the client: " + r.detail());
        }
        final Reply truncated = client.sendRaw(m.id(), new Raw().u8(1).u8(EntryCodec.WRITE).varint(m.id()).toArray());
        assertEquals(Reply.Status.INVALID, truncated.status());
        assertTrue(truncated.detail().contains(Reason.TRUNCATED.name()), truncated.detail());
        assertEquals(rejected + raw.length + 1, rejectedRequests(),
            "refused in the leader's startTransaction (the client-side refusals never reached it)");

        // Never appended: after the refusals, the only entry of ours in every replica's log is the next good write
        // (Ratis' own entries, e.g. a new leader's first entry, may sit beside it).
        client.put(okKey, b("1"));
        cluster.awaitConverged(30_000);
        for (final ReplicaNode n : cluster.running.values())
        {
            final RaftLog log = n.server().getDivision(ReplicaNode.groupIdOf(m.id())).getRaftLog();
            final List<Entry> ours = new ArrayList<>();
            for (long i = applied.get(n.id()) + 1; i <= n.appliedIndex(m.id()); i++)
            {
                final LogEntryProto e = log.get(i);
                assertNotNull(e, n.id() + " entry " + i);
                if (e.hasStateMachineLogEntry())
                {
                    ours.add(EntryCodec.decode(e.getStateMachineLogEntry().getLogData().toByteArray()));
                }
            }
            assertEquals(1, ours.size(), n.id() + ": nothing but the good write was appended: " + ours);
            final Entry.Write w = assertInstanceOf(Entry.Write.class, ours.get(0));
            assertArrayEquals(okKey, w.ops().get(0).key());
        }
        assertNull(client.get(b("t6/v")).value());
        assertNull(client.get(b("t6/o/00000")).value());
    }

    /**
     * "a well-formed entry at a wrong epoch or outside the range is refused at apply identically on every replica
     * ({@code STALE_EPOCH}, {@code KEY_NOT_IN_REGION})", the reply carrying the replica's region view.
     */
    @Test
    @Order(22)
    void wrongEpochAndKeyOutsideTheRangeAreRefusedAtApplyOnEveryReplica() throws Exception
    {
        final long left = client.split(b("t7/m"));
        cluster.awaitLeader(left, 30_000);
        final RegionMeta m = client.describe(left);
        assertEquals(0, Arrays.compareUnsigned(b("t7/m"), m.end()), "the split's new region ends at the split key");
        final RegionMeta parent = client.locate(b("t7/m"));
        assertNotEquals(left, parent.id());
        assertArrayEquals(b("t7/m"), client.describe(parent.id()).start(), "right-derive: the parent keeps the right");
        cluster.awaitConverged(30_000);
        // A client given only the addresses learns every region, at the epoch the replicas hold; the ranges tile.
        try (RegionClient fresh = cluster.client())
        {
            fresh.refresh();
            final List<RegionMeta> routes = fresh.routes();
            final Map<Long, RegionMeta> hosted = cluster.regions();
            assertEquals(hosted.keySet(), new HashSet<>(routes.stream().map(RegionMeta::id).toList()));
            byte[] expectedStart = new byte[0];
            for (final RegionMeta r : routes)
            {
                assertEquals(hosted.get(r.id()), r, "the route is the replicas' view");
                assertArrayEquals(expectedStart, r.start(), "routes tile the key space: " + routes);
                expectedStart = r.end();
            }
            assertEquals(0, expectedStart.length, "the last route ends after the last key");
        }
        final Map<String, long[]> before = new HashMap<>();
        cluster.running.values().forEach(n -> before.put(n.id(), new long[] {
            n.counters().replies(Reply.Status.KEY_NOT_IN_REGION), n.counters().replies(Reply.Status.STALE_EPOCH)}));

        final Reply outside = client.sendRaw(left, EntryCodec.encode(new Entry.Write(left, m.epochVersion(), 0,
            List.of(new Entry.Op(WriteBatch.PUT, b("t7/z"), b("no"))))));
        assertEquals(Reply.Status.KEY_NOT_IN_REGION, outside.status(), outside.detail());
        assertEquals(m, outside.meta(), "the refusal carries the region's view");
        final Reply stale = client.sendRaw(left, EntryCodec.encode(new Entry.Write(left, m.epochVersion() - 1, 0,
            List.of(new Entry.Op(WriteBatch.PUT, b("t7/a"), b("no"))))));
        assertEquals(Reply.Status.STALE_EPOCH, stale.status(), stale.detail());
        assertEquals(m.epochVersion(), stale.meta().epochVersion());
        for (final ReplicaNode n : cluster.running.values())
        {
            cluster.await(() -> n.counters().replies(Reply.Status.KEY_NOT_IN_REGION) > before.get(n.id())[0] &&
                n.counters().replies(Reply.Status.STALE_EPOCH) > before.get(n.id())[1], n.id() + " refused both");
        }
        assertNull(client.get(b("t7/z")).value());
        assertNull(client.get(b("t7/a")).value());
    }

    // ------------------------------------------------------------------------------------------ routing, merges

    /**
     * {@code RegionClient} "refreshes on {@code STALE_EPOCH}, {@code KEY_NOT_IN_REGION}, {@code REGION_GONE}": a
     * client whose table predates a split, then a merge, still writes and reads. And the merge itself:
     * {@code PrepareMerge} evicts the source's cache and refuses writes ({@code MERGING}); {@code CommitMerge} joins
     * the ranges, bumps the epoch above both and removes the source's group on every replica; committing an
     * unprepared source is refused.
     */
    @Test
    @Order(30)
    void aClientWithAnOldRouteTableRefreshesAcrossSplitsAndMerges() throws Exception
    {
        client.put(b("t8/c"), b("c0"));
        try (RegionClient other = cluster.client())
        {
            assertArrayEquals(b("c0"), other.get(b("t8/c")).value());
            final long staleBefore = other.staleRoutes();
            final long refreshesBefore = other.refreshes();
            final long[] st = sourceAndTarget("t8/b", "t8/m");
            final long source = st[0];
            final long target = st[1];
            // other's table still holds the region before both splits, at its old epoch.
            other.put(b("t8/c"), b("c1"));
            assertTrue(other.staleRoutes() > staleBefore, "STALE_EPOCH proved the route stale");
            assertTrue(other.refreshes() > refreshesBefore, "and the table was refreshed");
            assertEquals(source, other.get(b("t8/c")).regionId());

            final RegionClientException notPrepared = assertThrows(RegionClientException.class,
                () -> client.commitMerge(source, target));
            assertEquals(Reply.Status.INVALID, notPrepared.status());

            final String sourceLeader = cluster.awaitLeader(source, 30_000);
            final ReplicaNode sl = cluster.node(sourceLeader);
            cluster.await(() -> sl.engine().cache().stateOf(source) == RegionState.ACTIVE, "the source's leader warmed it");
            final RegionMeta src = client.describe(source);
            final RegionMeta dst = client.describe(target);
            client.prepareMerge(source, target);
            cluster.await(() -> sl.engine().cache().stateOf(source) != RegionState.ACTIVE,
                "prepare merge evicts the source from the cache");
            assertEquals(Reply.Status.MERGING, assertThrows(RegionClientException.class,
                () -> client.put(b("t8/d"), b("refused"))).status());
            client.commitMerge(source, target);
            final RegionMeta merged = client.describe(target);
            assertArrayEquals(src.start(), merged.start(), "ranges joined");
            assertArrayEquals(dst.end(), merged.end(), "ranges joined");
            assertTrue(merged.epochVersion() > Math.max(src.epochVersion(), dst.epochVersion()), "epoch bumped");
            for (final ReplicaNode n : cluster.running.values())
            {
                cluster.await(() -> !n.regions().containsKey(source) &&
                    !contains(n.server().getGroupIds(), ReplicaNode.groupIdOf(source)),
                    n.id() + " removed the source's group");
                cluster.await(() -> n.regions().containsKey(target) &&
                    n.regions().get(target).epochVersion() == merged.epochVersion(), n.id() + " applied the merge");
            }
            assertNull(client.describe(source), "the source is gone");

            // other's table still routes t8/c to the merged-away source: REGION_GONE (or its group is gone), refresh.
            final long staleBeforeMerge = other.staleRoutes();
            other.put(b("t8/c"), b("c2"));
            assertTrue(other.staleRoutes() > staleBeforeMerge, "the merged-away route was proved stale");
            final RegionClient.ReadResult r = other.get(b("t8/c"));
            assertArrayEquals(b("c2"), r.value());
            assertEquals(target, r.regionId());
            assertArrayEquals(b("c2"), client.get(b("t8/c")).value());
        }
    }

    private static boolean contains(final Iterable<org.apache.ratis.protocol.RaftGroupId> ids,
        final org.apache.ratis.protocol.RaftGroupId id)
    {
        for (final org.apache.ratis.protocol.RaftGroupId g : ids)
        {
            if (g.equals(id))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * "evict on become-follower: {@code FollowerCachePolicy.EVICT} (default, counted as {@code BECOME_FOLLOWER})";
     * "{@code notifyLeaderReady} ... loads the region into the cache" on the new leader.
     */
    @Test
    @Order(31)
    void aLeaderThatStepsDownEvictsByDefaultAndTheNewLeaderWarms() throws Exception
    {
        final long region = client.split(b("t9/m"));
        client.put(b("t9/a"), b("a"));
        // The region's leader warms it. An election timeout under load (600-1,200 ms, in reach of a loaded machine's
        // stalls) can take the leadership away before the warm-up: the wait then follows the new leader (3 at most).
        String leader = null;
        for (int attempt = 1; leader == null; attempt++)
        {
            final String l = cluster.awaitLeader(region, 30_000);
            final ReplicaNode n = cluster.node(l);
            cluster.await(() -> n.engine().cache().stateOf(region) == RegionState.ACTIVE || !n.isLeader(region),
                "the leader warmed the region");
            if (n.engine().cache().stateOf(region) == RegionState.ACTIVE && n.isLeader(region))
            {
                leader = l;
            }
            else
            {
                assertTrue(attempt < 3, l + " lost the leadership of the new region before it warmed, 3 times");
            }
        }
        final String from = leader;
        final ReplicaNode old = cluster.node(from);
        final String to = cluster.peers.keySet().stream().filter(id -> !id.equals(from)).findFirst().orElseThrow();
        final ReplicaNode next = cluster.node(to);
        final long evictions = old.counters().followerEvictions();
        final long becomeFollower = metric(old, "evictions." + EvictReason.BECOME_FOLLOWER);
        final long warmLoads = next.counters().warmLoads();
        // The warm-up runs once the new leader applied its first entry (notifyLeaderReady), after isLeader(). A
        // transfer that timed out or lost to an election is asked again (LocalCluster.transferLeader).
        cluster.transferLeader(client, region, to, () -> next.counters().warmLoads() > warmLoads &&
            next.engine().cache().stateOf(region) == RegionState.ACTIVE, to + " leads and warmed the region");
        // The cache counts the eviction just after the region leaves ACTIVE (on its apply thread): the wait covers
        // the count it asserts.
        cluster.await(() -> old.counters().followerEvictions() > evictions &&
            old.engine().cache().stateOf(region) != RegionState.ACTIVE &&
            metric(old, "evictions." + EvictReason.BECOME_FOLLOWER) > becomeFollower,
            from + " evicted the region, counted as BECOME_FOLLOWER by the cache");
        // A leader change during the read (an election timeout under load: EVICT drops the copy of a leader that
        // steps down) is the only reason to read again, after the region is moved back to the node and warmed; on a
        // cluster whose leaders stayed, a read not served from the new leader's cache fails.
        for (int attempt = 1; ; attempt++)
        {
            final long changes = cluster.leaderChanges();
            final long cacheReads = next.counters().cacheReads();
            assertArrayEquals(b("a"), client.getFromFollower(b("t9/a"), to).value());
            if (next.counters().cacheReads() > cacheReads)
            {
                break;
            }
            assertTrue(attempt < 3 && cluster.leaderChanges() != changes,
                "the new leader serves from its cache (attempt " + attempt + ")" + cluster.describe());
            cluster.transferLeader(client, region, to, () -> next.engine().cache().stateOf(region) ==
                RegionState.ACTIVE, to + " leads and warmed the region again");
        }
    }

    // ------------------------------------------------------------------------------------------ scans

    /**
     * "A scan sends a {@code Scan} query (entry type 18) ...; the replica answers ... in pages of at most 10,000
     * pairs and about 1 MiB, and the client goes on from the last key or the region's end."
     */
    @Test
    @Order(40)
    void scansPageAtTenThousandPairsOrAboutOneMebibyteAndTheClientGoesOn() throws Exception
    {
        final Map<byte[], byte[]> ops = new HashMap<>();
        for (int i = 0; i < 12_000; i++)
        {
            ops.put(b(String.format("t10/%05d", i)), b("v" + i));
        }
        client.write(ops);
        final List<ScanPage.KeyValue> all = client.scan(b("t10/"), b("t10/~"), 20_000);
        assertEquals(12_000, all.size());
        for (int i = 0; i < all.size(); i++)
        {
            assertArrayEquals(b(String.format("t10/%05d", i)), all.get(i).key());
            assertArrayEquals(b("v" + i), all.get(i).value());
        }
        assertEquals(10_001, client.scan(b("t10/"), b("t10/~"), 10_001).size());
        final RegionMeta m = client.locate(b("t10/"));
        final ScanPage first = ScanPage.decode(query(new Entry.Scan(m.id(), m.epochVersion(), 0, b("t10/"), b("t10/~"),
            EntryCodec.MAX_SCAN_LIMIT)).value());
        assertEquals(EntryCodec.MAX_SCAN_LIMIT, first.pairs().size());
        assertTrue(first.more());
        assertEquals(18, EntryCodec.encode(new Entry.Scan(m.id(), m.epochVersion(), 0, b("a"), b("b"), 1))[1],
            "entry type 18");

        final byte[] big = new byte[700 << 10];
        for (int i = 0; i < 3; i++)
        {
            Arrays.fill(big, (byte) i);
            client.put(b("t11/" + i), big.clone());
        }
        final List<ScanPage.KeyValue> large = client.scan(b("t11/"), b("t11/~"), 10);
        assertEquals(3, large.size());
        for (int i = 0; i < 3; i++)
        {
            assertEquals(700 << 10, large.get(i).value().length);
            assertEquals((byte) i, large.get(i).value()[0]);
        }
        final RegionMeta lm = client.locate(b("t11/"));
        final ScanPage page = ScanPage.decode(query(new Entry.Scan(lm.id(), lm.epochVersion(), 0, b("t11/"),
            b("t11/~"), 10)).value());
        assertEquals(1, page.pairs().size(), "a page stops growing near 1 MiB");
        assertTrue(page.more());
    }

    // ------------------------------------------------------------------------------------------ HTTP

    /**
     * The HTTP endpoint: every series tagged {@code node}; the node counters named in the README, with the node's
     * values; per-region series that follow splits and merges at each scrape; {@code /regions} objects with every
     * listed field (start and end in hex); any method but GET 405 (HEAD and OPTIONS too); any other path 404.
     */
    @Test
    @Order(50)
    void theHttpEndpointServesEveryDocumentedSeriesAndFollowsSplitsAndMerges() throws Exception
    {
        final List<NodeHttpServer> servers = new ArrayList<>();
        try
        {
            final long[] st = sourceAndTarget("t12/b", "t12/m");
            final long source = st[0];
            final Map<String, String> bases = new HashMap<>();
            for (final ReplicaNode n : cluster.running.values())
            {
                final NodeHttpServer s = NodeHttpServer.start(n, new InetSocketAddress("127.0.0.1", 0));
                servers.add(s);
                bases.put(n.id(), "http://127.0.0.1:" + s.port());
            }
            // The scrapes are compared with the live nodes: that holds while the cluster stands still. A leader
            // change (an election timeout of 600 ms is in reach of a loaded machine's stalls) moves the source's
            // leader, evicts its cache on the old one and counts a follower eviction mid-check: a failure while the
            // cluster's state moved is retried; a failure on a cluster that stood still is the test's failure.
            for (int attempt = 1; ; attempt++)
            {
                cluster.awaitConverged(30_000);
                final String sourceLeader = cluster.awaitLeader(source, 30_000);
                cluster.await(() -> cluster.node(sourceLeader).engine().cache().stateOf(source) == RegionState.ACTIVE,
                    "the source's leader cached it");
                final String before = stateOf(source);
                try
                {
                    checkEndpoints(bases, source, sourceLeader);
                    break;
                }
                catch (final AssertionError | RuntimeException ex)
                {
                    final String after = stateOf(source);
                    if (attempt == 3 || before.equals(after))
                    {
                        throw ex;
                    }
                    System.out.println("attempt " + attempt + " failed while the cluster changed (" + ex + "): " +
                        before + " -> " + after);
                }
            }
            client.prepareMerge(source, st[1]);
            client.commitMerge(source, st[1]);
            for (final ReplicaNode n : cluster.running.values())
            {
                cluster.await(() -> !n.regions().containsKey(source), n.id() + " dropped the source");
                final String text = httpGet(bases.get(n.id()) + "/metrics").body();
                assertFalse(text.contains("region=\"" + source + "\""), n.id() + ": the merged source's series are " +
                    "gone at the next scrape:\n" + text);
                assertTrue(text.contains("region=\"" + st[1] + "\""), n.id());
            }
        }
        finally
        {
            servers.forEach(NodeHttpServer::close);
        }
    }

    /** The per-node checks of {@link #theHttpEndpointServesEveryDocumentedSeriesAndFollowsSplitsAndMerges}. */
    private void checkEndpoints(final Map<String, String> bases, final long source, final String sourceLeader)
        throws Exception
    {
        for (final ReplicaNode n : cluster.running.values())
        {
            final String base = bases.get(n.id());
            final String text = httpGet(base + "/metrics").body();
            final String node = "node=\"" + n.id() + "\"";
            for (final String line : text.split("\n"))
            {
                assertTrue(line.startsWith("#") || line.isBlank() || line.contains(node),
                    "every series is tagged node: " + line);
            }
            final Map<String, Long> counters = n.counters().toMap();
            for (final String name : List.of("snapshots_taken", "snapshots_installed", "leader_changes",
                "warm_loads", "follower_evictions", "rejected_requests", "cache_reads", "store_reads", "engine_ok",
                "reply_ok", "reply_stale_epoch", "reply_invalid"))
            {
                assertTrue(counters.containsKey(name), name);
            }
            // "regioncache_node_<name>_total" for every counter of ReplicaNode.counters(). Was: groups_created came
            // out as regioncache_node_groups_total (Prometheus' naming strips a "_created" suffix, reserved for
            // OpenMetrics' created timestamps); the counter is now groups_added.
            for (final String name : counters.keySet())
            {
                assertTrue(text.contains("regioncache_node_" + name + "_total{" + node + "}"),
                    "regioncache_node_" + name + "_total in /metrics");
            }
            for (final String name : List.of("rejected_requests", "follower_evictions", "reply_stale_epoch"))
            {
                assertEquals(counters.get(name).doubleValue(),
                    sample(text, "regioncache_node_" + name + "_total{" + node + "}"), n.id() + " " + name);
            }
            final String tags = node + ",region=\"" + source + "\"";
            assertTrue(text.contains("regioncache_raft_leader{" + tags + "}"), "the source's series: " + text);

            final String json = httpGet(base + "/regions").body();
            if (n.id().equals(sourceLeader))
            {
                final Region cached = n.engine().cache().region(source);
                final String hexStart = HexFormat.of().formatHex(cached.start());
                final String hexEnd = HexFormat.of().formatHex(cached.end());
                assertTrue(json.contains("{\"id\":" + source + ",\"start\":\"" + hexStart + "\",\"end\":\"" +
                    hexEnd + "\",\"epoch\":" + cached.epochVersion() + ",\"conf_version\":"), json);
                for (final String field : List.of("state", "pins", "safe_point", "applied_version", "gets",
                    "scanned"))
                {
                    assertTrue(json.contains("\"" + field + "\":"), field + " in " + json);
                }
            }
            for (final String method : new String[] {"HEAD", "OPTIONS", "TRACE"})
            {
                final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .method(method, HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertEquals(405, r.statusCode(), method);
                assertEquals("GET", r.headers().firstValue("Allow").orElse(""), method);
            }
            for (final String path : new String[] {"/", "/metrics/", "/regions/1", "/Metrics"})
            {
                assertEquals(404, httpGet(base + path).statusCode(), path);
            }
            assertEquals(200, httpGet(base + "/metrics?name=x").statusCode(), "a query string is not the path");
        }
    }

    /** What the endpoint checks compare with the scrapes: per node, its counters, regions, roles, the source cached. */
    private String stateOf(final long source)
    {
        final StringBuilder sb = new StringBuilder();
        for (final ReplicaNode n : cluster.running.values())
        {
            sb.append(n.id()).append(n.counters().toMap()).append(n.regions().keySet())
                .append(n.isLeader(source) ? " leads" : "").append(' ')
                .append(n.engine().cache().stateOf(source)).append("; ");
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------------------ a node down

    /**
     * "{@code RegionClient.commitMerge} first waits (10 s) until every node reports the source prepared and otherwise
     * throws {@code MERGING} so the caller rolls back"; "Ctrl-C (SIGTERM) closes the node (Ratis takes a snapshot as
     * it stops)"; "a restart with the same data directory recovers every region from Ratis' storage". Last: it
     * stops a node.
     */
    @Test
    @Order(90)
    void withANodeDownCommitMergeThrowsMergingAndTheNodeRecoversOnRestart() throws Exception
    {
        final long[] st = sourceAndTarget("t13/b", "t13/m");
        final long source = st[0];
        final long target = st[1];
        client.put(b("t13/c"), b("before"));
        cluster.awaitConverged(30_000);
        final String down = "n3";
        final Set<Long> hosted = new HashSet<>(cluster.node(down).regions().keySet());
        assertTrue(hosted.contains(source) && hosted.contains(target), hosted.toString());
        final long snapshotsBefore = cluster.node(down).counters().snapshotsTaken();
        cluster.stop(down);
        assertTrue(cluster.finished.get(down).snapshotsTaken() > snapshotsBefore,
            "the node took a snapshot as it stopped");

        client.prepareMerge(source, target);
        final long t0 = System.nanoTime();
        final RegionClientException ex = assertThrows(RegionClientException.class,
            () -> client.commitMerge(source, target));
        final long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(Reply.Status.MERGING, ex.status(), ex.getMessage());
        assertTrue(waitedMs >= 9_000, "waited about 10 s for the down node: " + waitedMs + " ms");
        client.rollbackMerge(source);
        assertEquals(RegionMeta.State.NORMAL, client.describe(source).state());
        client.put(b("t13/c"), b("after"));

        final ReplicaNode back = cluster.start(down);
        cluster.await(() -> back.regions().keySet().containsAll(hosted), "the restarted node recovered " + hosted);
        cluster.awaitConverged(60_000);
        assertArrayEquals(b("after"), client.getFromFollower(b("t13/c"), down).value());
        assertNotEquals(0, back.regions().get(source).epochVersion());
    }
}
