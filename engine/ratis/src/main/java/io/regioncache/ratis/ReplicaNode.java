package io.regioncache.ratis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.protocol.exceptions.AlreadyExistsException;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.regioncache.RegionCacheConfig;
import io.regioncache.CommandResult;
import io.regioncache.StoreException;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.rocksdb.RocksDbBackingStore;
import io.regioncache.hybrid.HybridReader;

/**
 * One node of a replicated RegionCache store: one Ratis {@link RaftServer} (gRPC) hosting a division per region
 * replica, all applying into this node's single {@link HybridEngine} (RocksDB + RegionCache), as a TiKV store runs
 * one raftstore over one KV RocksDB with one in-memory engine.
 * <p>
 * <b>Groups.</b> Region {@code r}'s Raft group id is {@link #groupIdOf(long) UUID(0x5243..., r)}; every group has
 * the same peers (all nodes). The first start creates region {@link #ROOT_REGION_ID} covering every key; later
 * groups are created by splits, on every replica as it applies the split, through Ratis' group management; merged
 * sources are removed the same way. A restarted node finds its groups in its storage directory (Ratis
 * {@code RECOVER}).
 * <p>
 * <b>Data layout.</b> {@code dataDir/rocksdb} (the engine's store), {@code dataDir/raft} (Ratis logs and region
 * snapshots), {@code dataDir/removed-regions} (ids of groups removed here by a merge, so a replay never recreates
 * them), {@code dataDir/sealed-merges} (every merge source as its seal left it, one hex-encoded
 * {@link RegionMeta} per line, so a target checks a commit against it on first apply and on every replay alike).
 */
public final class ReplicaNode implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaNode.class);

    /** Id of the region the first start creates. */
    public static final long ROOT_REGION_ID = 1;
    private static final long GROUP_ID_HIGH = 0x5243_4143_4845_5247L; // "RCACHERG"
    private static final long GROUP_OP_TIMEOUT_S = 30;
    /** How many times {@link #addGroup} starts a group whose start lost Ratis' start race ({@value}). */
    private static final int GROUP_START_ATTEMPTS = 3;
    /** How often the group-operations thread looks for replicas stuck without data ({@link #checkReplicas}). */
    private static final long REPLICA_CHECK_MS = 2_000;
    /** How long a replica waits for its first snapshot before its node asks the leader to step down; then 2×… */
    private static final long SNAPSHOT_STALL_FIRST_MS = 10_000;
    /** …up to this gap between two such requests. */
    private static final long SNAPSHOT_STALL_MAX_MS = 160_000;
    private static final long STEP_DOWN_TIMEOUT_MS = 5_000;

    /** What a replica that stops leading does with its cached region. */
    public enum FollowerCachePolicy
    {
        /** Keep it (followers serve follower reads from it). */
        KEEP,
        /** Evict it ({@code BECOME_FOLLOWER}), as TiKV does. */
        EVICT
    }

    /** Node settings. */
    public static final class Config
    {
        private final String id;
        private final Map<String, String> peers;
        private final Path dataDir;
        private RegionCacheConfig.Builder cache = RegionCacheConfig.builder().segmentSize(256 << 10)
            .capacityBytes(256L << 20);
        private FollowerCachePolicy followerPolicy = FollowerCachePolicy.EVICT;
        private boolean warmOnLeader = true;
        private long snapshotThreshold = 1_000;
        private SizeInBytes segmentSize = SizeInBytes.valueOf("64KB");
        private TimeDuration electionMin = TimeDuration.valueOf(600, TimeUnit.MILLISECONDS);
        private TimeDuration electionMax = TimeDuration.valueOf(1_200, TimeUnit.MILLISECONDS);
        private String bindHost = "127.0.0.1";
        private TlsFiles tls;
        private long snapshotStallFirstMs = SNAPSHOT_STALL_FIRST_MS;

        /**
         * @param id      this node's id (a key of {@code peers}).
         * @param peers   every node: id → host:port (port 1..65535, each address once), in the same order on every
         *                node.
         * @param dataDir this node's directory.
         * @throws NullPointerException if an argument, a peer id or an address is null.
         * @throws IllegalArgumentException if {@code id} is not a peer, an address is not {@code host:port} with a
         *                                  port in 1..65535, or two peers share an address.
         */
        public Config(final String id, final Map<String, String> peers, final Path dataDir)
        {
            Objects.requireNonNull(id, "id");
            checkPeers(peers);
            if (!peers.containsKey(id))
            {
                throw new IllegalArgumentException(id + " is not among the peers " + peers.keySet());
            }
            this.id = id;
            this.peers = new LinkedHashMap<>(peers);
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        }

        /**
         * @param b cache settings (the backing store is set by the node; checked when the node starts).
         * @return this.
         * @throws NullPointerException if {@code b} is null.
         */
        public Config cache(final RegionCacheConfig.Builder b)
        {
            cache = Objects.requireNonNull(b, "cache");
            return this;
        }

        /**
         * @param p what a replica that stops leading does with its cache.
         * @return this.
         * @throws NullPointerException if {@code p} is null.
         */
        public Config followerPolicy(final FollowerCachePolicy p)
        {
            followerPolicy = Objects.requireNonNull(p, "followerPolicy");
            return this;
        }

        /** @param warm load a region into the cache when this node starts leading it. @return this. */
        public Config warmOnLeader(final boolean warm)
        {
            warmOnLeader = warm;
            return this;
        }

        /**
         * @param entries applied entries between automatic snapshots ({@code > 0}).
         * @return this.
         * @throws IllegalArgumentException if {@code entries <= 0} (Ratis would snapshot after every entry: a full
         *                                  range export per write).
         */
        public Config snapshotThreshold(final long entries)
        {
            if (entries <= 0)
            {
                throw new IllegalArgumentException("snapshotThreshold must be > 0, was " + entries);
            }
            snapshotThreshold = entries;
            return this;
        }

        /**
         * @param size Raft log segment size (smaller = earlier purge; {@code > 0}).
         * @return this.
         * @throws NullPointerException if {@code size} is null.
         * @throws IllegalArgumentException if it is not positive.
         */
        public Config segmentSize(final SizeInBytes size)
        {
            Objects.requireNonNull(size, "segmentSize");
            if (size.getSize() <= 0)
            {
                throw new IllegalArgumentException("segmentSize must be > 0, was " + size);
            }
            segmentSize = size;
            return this;
        }

        /**
         * @param host address the Raft (gRPC) server binds: {@code 127.0.0.1} unless set (only this machine can
         *             reach the node); {@code 0.0.0.0} for every interface.
         * @return this.
         */
        public Config bindHost(final String host)
        {
            bindHost = java.util.Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * @param files mutual TLS for every gRPC channel of the node (Raft between peers, admin, clients), or null
         *              for plaintext (the default).
         * @return this.
         */
        public Config tls(final TlsFiles files)
        {
            tls = files;
            return this;
        }

        /**
         * Tests: how long a replica waits for its first snapshot before the node asks the leader to step down
         * ({@value ReplicaNode#SNAPSHOT_STALL_FIRST_MS} ms unless set).
         */
        Config snapshotStallFirstMs(final long ms)
        {
            snapshotStallFirstMs = ms;
            return this;
        }

        /** @return the node's TLS files, or null (plaintext). */
        public TlsFiles tls()
        {
            return tls;
        }

        /** @return the address the Raft server binds. */
        public String bindHost()
        {
            return bindHost;
        }

        /** @return this node's id. */
        public String id()
        {
            return id;
        }

        /** @return every node, id → address. */
        public Map<String, String> peers()
        {
            return peers;
        }

        /** @return the data directory. */
        public Path dataDir()
        {
            return dataDir;
        }

        /** @return the follower cache policy. */
        public FollowerCachePolicy followerPolicy()
        {
            return followerPolicy;
        }

        /** @return whether a new leader warms its cache. */
        public boolean warmOnLeader()
        {
            return warmOnLeader;
        }
    }

    private final Config config;
    private final RaftPeerId selfId;
    private final List<RaftPeer> peers;
    private final HybridEngine engine;
    /** The engine's store, typed: region snapshots are RocksDB SST files written from and ingested into it. */
    private final RocksDbBackingStore rocks;
    private final HybridLogicalClock clock = new HybridLogicalClock();
    private final NodeCounters counters = new NodeCounters();
    private final ProgressSignal progress = new ProgressSignal();
    private final Map<Long, RegionStateMachine> machines = new ConcurrentHashMap<>();
    private final Map<Long, RegionMeta> pendingInit = new ConcurrentHashMap<>();
    private final Set<Long> removed = ConcurrentHashMap.newKeySet();
    /** Children a snapshot named whose group could not be created yet (group-operations thread only). */
    private final Set<Long> childrenToCreate = new java.util.TreeSet<>();
    private final SnapshotStallWatch stalls;
    /**
     * Replicas Ratis closed on an error, restarted by {@link #checkReplicas}: region → {next restart (ns), gap (ns)}
     * (group-operations thread only).
     */
    private final Map<Long, long[]> restarts = new HashMap<>();
    /**
     * Regions led here with a follower stuck at the log's start ({@link #unstickFollowersAtLogStart}): how many checks
     * in a row saw it. Only the group-operations thread touches it.
     */
    private final Map<Long, Integer> logStartStalls = new HashMap<>();
    /**
     * Source id → epoch → the source as its {@code SealMerge} left it ({@code SEALED}, target, range, last version).
     * Written on the source's updater thread, read on the targets'. A region seals at most once per epoch (a second
     * seal is refused or answered without a change, and only a rollback, which bumps the epoch, or the merge itself
     * ends that state), so a record never changes once written; it is kept for the node's life, persisted, and small
     * (one per merge).
     */
    private final Map<Long, Map<Long, RegionMeta>> sealedMerges = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<HybridReader> idleReaders = new ConcurrentLinkedQueue<>();
    private final Collection<HybridReader> allReaders = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService groupOps;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callId = new AtomicLong();
    private final RaftServer server;
    private volatile boolean closed;

    private ReplicaNode(final Config config) throws IOException
    {
        this.config = config;
        this.selfId = RaftPeerId.valueOf(config.id);
        this.stalls = new SnapshotStallWatch(TimeUnit.MILLISECONDS.toNanos(config.snapshotStallFirstMs),
            TimeUnit.MILLISECONDS.toNanos(Math.max(config.snapshotStallFirstMs, SNAPSHOT_STALL_MAX_MS)));
        this.peers = peersOf(config.peers);
        // Before anything opens: Ratis exits the JVM (System.exit) when its gRPC server cannot bind, so a port in use
        // or an address this host does not have must be refused here, as the IOException the Javadoc promises.
        checkBindable(config);
        Files.createDirectories(config.dataDir);
        loadRemoved();
        loadSealedMerges();
        try
        {
            this.rocks = RocksDbBackingStore.open(config.dataDir.resolve("rocksdb"));
        }
        catch (final StoreException ex) // another node of this process holds the directory, or it is not RocksDB's
        {
            throw new IOException("cannot open the node's RocksDB: " + ex.getMessage(), ex);
        }
        // A finished warm load is progress too: a test or host waiting for a leader's cache is told here. A refused
        // cache setting closes the store (owning does), so the directory is free again.
        this.engine = HybridEngine.owning(rocks, config.cache.onLoadInstalled(region -> progress.signal()));
        this.groupOps = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "regioncache-groups-" + config.id);
            t.setDaemon(true);
            return t;
        });
        RaftServer s = null;
        try
        {
            final Path marker = config.dataDir.resolve("bootstrapped");
            final boolean fresh = !Files.exists(marker);
            final RaftServer.Builder b = RaftServer.newBuilder().setServerId(selfId)
                .setProperties(properties(config)).setStateMachineRegistry(this::newStateMachine)
                .setParameters(TlsFiles.parameters(config.tls == null ? null : config.tls.grpc()));
            if (fresh)
            {
                final RegionMeta root = RegionMeta.initial(ROOT_REGION_ID, new byte[0], new byte[0]);
                pendingInit.put(ROOT_REGION_ID, root);
                b.setGroup(groupOf(ROOT_REGION_ID)).setOption(RaftStorage.StartupOption.FORMAT);
            }
            else
            {
                b.setOption(RaftStorage.StartupOption.RECOVER);
                // A node closed before its first election has no configuration entry in its log: recovered without
                // the group's peers, it would never vote or lead. Naming the root group gives Ratis its peers as
                // the initial configuration (the log's or snapshot's configuration still wins when there is one).
                if (!removed.contains(ROOT_REGION_ID) && Files.isDirectory(config.dataDir.resolve("raft")
                    .resolve(groupIdOf(ROOT_REGION_ID).getUuid().toString())))
                {
                    b.setGroup(groupOf(ROOT_REGION_ID));
                }
            }
            s = b.build();
            try
            {
                s.start();
            }
            catch (final RuntimeException ex)
            {
                // Ratis wraps what a group's start threw (a damaged snapshot file, a state machine that could not
                // initialize) in unchecked exceptions; the contract is an IOException for a node that cannot start.
                throw new IOException(config.id + " cannot start from " + config.dataDir + ": " + rootCause(ex), ex);
            }
            if (fresh)
            {
                Files.write(marker, new byte[0]);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            closeQuietly(s);
            groupOps.shutdownNow();
            engine.close();
            throw ex;
        }
        this.server = s;
        groupOps.scheduleWithFixedDelay(this::checkReplicas, REPLICA_CHECK_MS, REPLICA_CHECK_MS,
            TimeUnit.MILLISECONDS);
    }

    /**
     * Start a node (creating its data directory and, on the very first start, the root region's group). A start
     * that fails leaves nothing open: the same directory and port can be started again.
     *
     * @param config settings.
     * @return the running node.
     * @throws NullPointerException if {@code config} is null.
     * @throws IllegalArgumentException if a cache setting is refused ({@link RegionCacheConfig.Builder#build}).
     * @throws IOException if Ratis or RocksDB cannot start: the Raft port in use or not bindable, the data
     *                     directory held by another node of this process or not a directory.
     */
    public static ReplicaNode start(final Config config) throws IOException
    {
        return new ReplicaNode(Objects.requireNonNull(config, "config"));
    }

    /**
     * The peer map's rules, shared with {@link RegionClient}: at least one peer, ids and addresses non-null, each
     * address {@code host:port} with a port in 1..65535, no address twice.
     *
     * @param peers id → address.
     * @throws NullPointerException if the map, an id or an address is null.
     * @throws IllegalArgumentException if a rule is broken (the message names the peer).
     */
    static void checkPeers(final Map<String, String> peers)
    {
        Objects.requireNonNull(peers, "peers");
        if (peers.isEmpty())
        {
            throw new IllegalArgumentException("peers: at least one node is needed");
        }
        final Map<String, String> seen = new HashMap<>();
        peers.forEach((id, address) ->
        {
            Objects.requireNonNull(id, "peer id");
            Objects.requireNonNull(address, "address of peer " + id);
            final int colon = address.lastIndexOf(':');
            final int port = colon > 0 ? portNumber(address.substring(colon + 1)) : -1;
            if (port < 1 || port > 65_535 || id.isEmpty())
            {
                throw new IllegalArgumentException("peer " + id + ": address '" + address +
                    "' is not host:port with a port in 1..65535");
            }
            // One socket address however it is spelled: "h:9101" and "h:09101" (or "H:9101") are one address.
            final String other = seen.put(address.substring(0, colon).toLowerCase(java.util.Locale.ROOT) + ":" + port,
                id);
            if (other != null)
            {
                throw new IllegalArgumentException("peers " + other + " and " + id + " share the address " + address);
            }
        });
    }

    private static int portOf(final String address)
    {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    /** Bind the node's Raft address once, as its gRPC server will (SO_REUSEADDR, as Netty's server socket). */
    private static void checkBindable(final Config c) throws IOException
    {
        final int port = portOf(c.peers.get(c.id));
        try
        {
            probeBind(new InetSocketAddress(c.bindHost, port));
        }
        catch (final IOException | IllegalArgumentException | SecurityException ex)
        {
            throw new IOException("node " + c.id + " cannot bind its Raft address " + c.bindHost + ":" + port +
                ": " + ex, ex);
        }
    }

    /**
     * Bind a plain socket to {@code address} and close it at once (with {@code SO_REUSEADDR}, as the servers bind), so
     * that an address in use is refused before a server that cannot undo its own failed bind opens anything: Ratis
     * exits the JVM, and the JDK's HTTP server leaks its socket.
     */
    static void probeBind(final InetSocketAddress address) throws IOException
    {
        try (ServerSocket probe = new ServerSocket())
        {
            probe.setReuseAddress(true);
            probe.bind(address);
        }
    }

    private static RaftProperties properties(final Config c)
    {
        final RaftProperties p = new RaftProperties();
        final String address = c.peers.get(c.id);
        GrpcConfigKeys.Server.setPort(p, portOf(address));
        GrpcConfigKeys.Server.setHost(p, c.bindHost);
        RaftServerConfigKeys.setStorageDir(p, List.of(c.dataDir.resolve("raft").toFile()));
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, c.electionMin);
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, c.electionMax);
        // Small segments and purge up to each snapshot: a follower down for a while finds its entries gone and
        // must install a snapshot (the path this module exists to exercise).
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, c.segmentSize);
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(16 << 10, c.segmentSize.getSize())));
        RaftServerConfigKeys.Log.setPurgeGap(p, 1);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, c.snapshotThreshold);
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        // Ratis 3.2.2 (the newest served here) can lose a leader's log appender for good when a returning
        // follower's next index falls into the purged log between the snapshot check and the append (fixed upstream
        // by RATIS-2487/RATIS-2499). The follower then hears nothing; without pre-vote its election timeout bumps
        // the term, the leader steps down and the next leader starts fresh appenders, which send the snapshot.
        RaftServerConfigKeys.LeaderElection.setPreVote(p, false);
        return p;
    }

    static List<RaftPeer> peersOf(final Map<String, String> peers)
    {
        final List<RaftPeer> out = new ArrayList<>();
        peers.forEach((id, address) -> out.add(RaftPeer.newBuilder().setId(id).setAddress(address).build()));
        return out;
    }

    /**
     * @param regionId a region.
     * @return its Raft group id.
     */
    public static RaftGroupId groupIdOf(final long regionId)
    {
        return RaftGroupId.valueOf(new UUID(GROUP_ID_HIGH, regionId));
    }

    /**
     * @param groupId a group id made by {@link #groupIdOf}.
     * @return the region id, or -1 if the group is not a region's.
     */
    public static long regionIdOf(final RaftGroupId groupId)
    {
        final UUID u = groupId.getUuid();
        return u.getMostSignificantBits() == GROUP_ID_HIGH ? u.getLeastSignificantBits() : -1;
    }

    RaftGroup groupOf(final long regionId)
    {
        return RaftGroup.valueOf(groupIdOf(regionId), peers);
    }

    private StateMachine newStateMachine(final RaftGroupId groupId)
    {
        final long regionId = regionIdOf(groupId);
        final RegionStateMachine sm = new RegionStateMachine(this, regionId, pendingInit.remove(regionId));
        machines.put(regionId, sm);
        return sm;
    }

    // ------------------------------------------------------------------ group management

    /**
     * Create a region's group on this node (no-op if it exists or was removed here).
     *
     * @param meta      the region.
     * @param localInit true when this node's RocksDB holds the region's data now (it just applied the split);
     *                  false for a replica that must receive a snapshot.
     */
    void createGroup(final RegionMeta meta, final boolean localInit)
    {
        if (closed || removed.contains(meta.id()) || machines.containsKey(meta.id()))
        {
            return;
        }
        if (localInit)
        {
            pendingInit.put(meta.id(), meta);
        }
        try
        {
            final Throwable failure = addGroup(meta.id(), true);
            if (failure == null)
            {
                counters.groupsCreated.incrementAndGet();
            }
            else if (!isAlreadyExists(failure))
            {
                counters.groupOpFailures.incrementAndGet();
                LOG.warn("{} could not create the group of {}: {}", config.id, meta, failure.toString());
            }
        }
        finally
        {
            pendingInit.remove(meta.id());
            progress.signal();
        }
    }

    /**
     * Add a region's group to this node's Ratis server and start its division, working around Ratis 3.2.2's start
     * race. A division is listed in its server before it starts, and its start initializes the state machine before
     * it takes the follower role; a leader's append that reaches it in between moves it from STARTING to RUNNING and
     * takes the follower role first, and the start then fails ({@code IllegalStateException: previous != null} from
     * Ratis' role bookkeeping). Ratis drops such a division from its server without closing it: its storage stays
     * locked, so every later add of the group fails, and its follower timer runs on. The wider the gap (a state
     * machine that ingests its snapshot when it starts), the likelier: audit 23 saw it in 6 of 14 re-attaches after a
     * purge. So a failed start's division, found through the machine Ratis initialized for it
     * ({@link RegionStateMachine#division()}) and no longer the one the server lists, is closed here (which unlocks its
     * storage and stops its timer) and the group added again from its directory, up to {@value #GROUP_START_ATTEMPTS}
     * starts in all, each retry counted in {@code group_start_retries} and logged at WARN. A machine whose group did
     * not start is forgotten, so this node's checks and a later create see the group as absent.
     * Runs on the caller's thread; at most one add of a region at a time (the group-operations thread, or a host's
     * {@link #attachReplica} of a detached replica).
     *
     * @param regionId the region.
     * @param format   whether the first start formats a new directory (a group new to this node); the retries recover
     *                 the directory the failed start left.
     * @return null once the group runs on this node, else the last failure (an {@link AlreadyExistsException} if it
     *         already ran here).
     */
    private Throwable addGroup(final long regionId, final boolean format)
    {
        Throwable failure = null;
        for (int attempt = 1; attempt <= GROUP_START_ATTEMPTS; attempt++)
        {
            try
            {
                final RaftClientReply reply = server.groupManagementAsync(GroupManagementRequest.newAdd(
                    clientId, selfId, callId.incrementAndGet(), groupOf(regionId), format && attempt == 1))
                    .get(GROUP_OP_TIMEOUT_S, TimeUnit.SECONDS);
                if (reply.isSuccess())
                {
                    return null;
                }
                failure = reply.getException();
            }
            catch (final java.util.concurrent.ExecutionException ex)
            {
                failure = ex.getCause();
            }
            catch (final java.util.concurrent.TimeoutException ex)
            {
                return ex; // the start may still finish: nothing here is known to be dead
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return ex;
            }
            if (isAlreadyExists(failure))
            {
                return failure;
            }
            final RegionStateMachine failed = machineOfFailedStart(regionId);
            if (failed == null)
            {
                return failure; // the live division is this region's: not a failed start
            }
            final RaftServer.Division division = failed.division();
            if (division == null)
            {
                onGroupRemoved(failed); // it failed before Ratis initialized the machine: nothing was started
                return failure;
            }
            LOG.warn("{} region {}: its division's start failed ({}); closing it and adding the group again",
                config.id, regionId, rootCause(failure).toString());
            try
            {
                division.close(); // unlocks its storage, stops its follower timer
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("{} region {}: closing the failed division threw: {}", config.id, regionId, ex.toString());
            }
            onGroupRemoved(failed);
            if (attempt < GROUP_START_ATTEMPTS)
            {
                if (failed.initialMeta() != null)
                {
                    pendingInit.putIfAbsent(regionId, failed.initialMeta()); // in case its start never wrote it
                }
                counters.groupStartRetries.incrementAndGet();
            }
        }
        return failure;
    }

    /**
     * @return the machine this node made for the region if the server does not run it (a start that failed), null if
     *         there is none or it is the live division's.
     */
    private RegionStateMachine machineOfFailedStart(final long regionId)
    {
        final RegionStateMachine sm = machines.get(regionId);
        if (sm == null)
        {
            return null;
        }
        try
        {
            return server.getDivision(groupIdOf(regionId)).getStateMachine() == sm ? null : sm;
        }
        catch (final IOException notListed) // Ratis dropped the division whose start failed
        {
            return sm;
        }
    }

    private static boolean isAlreadyExists(final Throwable failure)
    {
        final Throwable root = rootCause(failure);
        return root instanceof AlreadyExistsException || String.valueOf(root).contains("already exist")
            || String.valueOf(failure).contains("AlreadyExists");
    }

    /**
     * Remove a merged source's group from this node, after the current apply returns (a division must not be
     * closed from inside another division's apply call chain).
     *
     * @param regionId the merged-away region.
     */
    void removeGroupLater(final long regionId)
    {
        markRemoved(regionId);
        if (closed)
        {
            return;
        }
        groupOps.execute(() ->
        {
            try
            {
                final RaftClientReply reply = server.groupManagementAsync(GroupManagementRequest.newRemove(
                    clientId, selfId, callId.incrementAndGet(), groupIdOf(regionId), true, false))
                    .get(GROUP_OP_TIMEOUT_S, TimeUnit.SECONDS);
                if (reply.isSuccess())
                {
                    counters.groupsRemoved.incrementAndGet();
                }
                else if (!(reply.getException() instanceof GroupMismatchException))
                {
                    counters.groupOpFailures.incrementAndGet();
                    LOG.warn("{} could not remove the group of region {}: {}", config.id, regionId,
                        reply.getException());
                }
            }
            catch (final Exception ex)
            {
                if (!closed && !(rootCause(ex) instanceof GroupMismatchException))
                {
                    counters.groupOpFailures.incrementAndGet();
                    LOG.warn("{} could not remove the group of region {}: {}", config.id, regionId, ex.toString());
                }
            }
            progress.signal();
        });
    }

    /**
     * After a snapshot install: create the children this replica never saw split off (they will receive their own
     * snapshots) and remove the sources merged into it.
     */
    void reconcileHistory(final RegionMeta meta)
    {
        for (final long source : meta.mergedSources())
        {
            if (machines.containsKey(source))
            {
                final RegionStateMachine sm = machines.get(source);
                if (sm != null)
                {
                    sm.onMergedAway();
                }
                removeGroupLater(source);
            }
            else
            {
                markRemoved(source);
            }
        }
        final long[] children = meta.children();
        if (children.length > 0)
        {
            groupOps.execute(() ->
            {
                for (final long child : children)
                {
                    createGroup(RegionMeta.initial(child, new byte[0], new byte[0]), false);
                    if (!closed && !machines.containsKey(child) && !removed.contains(child))
                    {
                        childrenToCreate.add(child); // the add failed (logged): checkReplicas asks again
                    }
                }
            });
        }
    }

    /**
     * The group-operations thread's periodic check (every {@value #REPLICA_CHECK_MS} ms), for what Raft alone does
     * not repair:
     * <ul>
     * <li>a child a snapshot named whose group could not be created (a Ratis group add that failed or timed out
     *     under load) is created again, until it exists or is removed;</li>
     * <li>a replica created empty that has waited {@value #SNAPSHOT_STALL_FIRST_MS} ms or more for its snapshot
     *     while its division still hears a leader makes this node ask that leader to step down
     *     ({@link SnapshotStallWatch}: Ratis 3.2.2 can lose the leader's appender for such a follower);</li>
     * <li>a replica whose Ratis division closed on an error is restarted ({@link #restartClosedReplicas}).</li>
     * </ul>
     * Runs on the group-operations thread, in turn with the group operations queued there (so a retried child never
     * races {@link #reconcileHistory}'s own attempt). A split's apply creates its children from the updater thread
     * at once; those are never in {@code childrenToCreate}, which only holds children named by an installed
     * snapshot (splits this node never applied).
     */
    private void checkReplicas()
    {
        if (closed)
        {
            return;
        }
        try
        {
            for (final java.util.Iterator<Long> it = childrenToCreate.iterator(); it.hasNext(); )
            {
                final long child = it.next();
                if (!machines.containsKey(child) && !removed.contains(child))
                {
                    counters.groupCreateRetries.incrementAndGet();
                    createGroup(RegionMeta.initial(child, new byte[0], new byte[0]), false);
                }
                if (closed || machines.containsKey(child) || removed.contains(child))
                {
                    it.remove();
                }
            }
            for (final long regionId : stalls.due(System.nanoTime()))
            {
                askLeaderToStepDown(regionId);
            }
            restartClosedReplicas(System.nanoTime());
            unstickFollowersAtLogStart();
        }
        catch (final RuntimeException ex) // a scheduled task that throws is never run again
        {
            LOG.warn("{} replica check failed: {}", config.id, ex.toString());
        }
    }

    /**
     * Restart every replica whose Ratis division closed while this node still hosts it. Ratis closes a division when
     * its state machine updater catches a throwable (an apply or a snapshot install that failed, e.g. an ingest that
     * hit a full disk); the group then stays registered but dead, and nothing else would bring it back before the
     * node restarts. The dead division is removed (its directory kept) and added again, as {@link #attachReplica}
     * does: it recovers from its log and snapshot, or installs a snapshot from the leader. A removal in progress (a
     * merge, a detach) is not mistaken for one: Ratis takes a group out of its server's map before it closes it.
     * A restart that does not hold is tried again after twice the last gap (2 s, then up to 160 s).
     */
    private void restartClosedReplicas(final long nowNs)
    {
        restarts.keySet().removeIf(id -> !machines.containsKey(id));
        for (final long id : new ArrayList<>(machines.keySet()))
        {
            if (closed || removed.contains(id))
            {
                continue;
            }
            final org.apache.ratis.util.LifeCycle.State life;
            try
            {
                life = server.getDivision(groupIdOf(id)).getInfo().getLifeCycleState();
            }
            catch (final IOException ex) // being removed: its notification follows
            {
                continue;
            }
            if (!life.isClosingOrClosed() && life != org.apache.ratis.util.LifeCycle.State.EXCEPTION)
            {
                continue;
            }
            final long[] next = restarts.computeIfAbsent(id, k -> new long[] {nowNs, 0});
            if (nowNs - next[0] < 0)
            {
                continue;
            }
            next[1] = Math.min(TimeUnit.MILLISECONDS.toNanos(SNAPSHOT_STALL_MAX_MS),
                Math.max(TimeUnit.MILLISECONDS.toNanos(REPLICA_CHECK_MS), next[1] * 2));
            next[0] = nowNs + next[1];
            counters.replicaRestarts.incrementAndGet();
            LOG.warn("{} region {}: Ratis closed this node's replica ({}); restarting it from its directory",
                config.id, id, life);
            try
            {
                // The restarted replica replays its log from its last snapshot over entries its cache already
                // holds: drop the cached copy first, as a snapshot install does (a leader's warm load brings it
                // back).
                record(engine.applySnapshot(id));
                final RaftClientReply removedReply = server.groupManagement(GroupManagementRequest.newRemove(
                    clientId, selfId, callId.incrementAndGet(), groupIdOf(id), false, false));
                if (!removedReply.isSuccess())
                {
                    LOG.warn("{} could not remove the closed replica of region {}: {}", config.id, id,
                        removedReply.getException());
                    continue;
                }
                final Throwable failure = addGroup(id, false);
                if (failure != null)
                {
                    LOG.warn("{} could not restart the replica of region {}: {}", config.id, id, failure.toString());
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                LOG.warn("{} restarting the replica of region {} failed: {}", config.id, id, ex.toString());
            }
            progress.signal();
        }
    }

    /**
     * Free a follower that Ratis 3.2.2 cannot send entries or a snapshot to: one whose next index is exactly where this
     * leader's log starts while the entry before it is neither in the log nor the snapshot's last (a purge removes
     * whole closed segments, so a log can start below its snapshot, e.g. at a term boundary after a follower slept
     * through a leader change). The appender needs that entry's term for its first append and fails on "Previous
     * TermIndex not found" every time, under every leader, since every log looks the same (audit 23,
     * {@code blackbox23/FollowerReturnsAtTermBoundaryTest}). A follower whose next index lies below the log's start is
     * sent a snapshot instead, so the remedy moves the start past it: seen on two checks in a row, this leader takes a
     * snapshot, whose purge drops the segment holding that index if the segment is closed; seen on two more, the
     * segment is still the open one, so this leader steps down: the next leader's first entry, in a new term, starts a
     * new segment on every log, and that leader's own check then takes the snapshot that purges it. Each step is
     * counted in {@code snapshot_stall_nudges} and logged at WARN.
     */
    private void unstickFollowersAtLogStart()
    {
        logStartStalls.keySet().removeIf(id -> !machines.containsKey(id));
        for (final long id : new ArrayList<>(machines.keySet()))
        {
            if (closed || removed.contains(id))
            {
                continue;
            }
            final RaftServer.Division d;
            try
            {
                d = server.getDivision(groupIdOf(id));
            }
            catch (final IOException ex) // being removed
            {
                continue;
            }
            if (!d.getInfo().isLeader() || !followerAtUnreachableLogStart(d))
            {
                logStartStalls.remove(id);
                continue;
            }
            final int seen = logStartStalls.merge(id, 1, Integer::sum);
            if (seen == 2)
            {
                counters.snapshotStallNudges.incrementAndGet();
                LOG.warn("{} region {}: a follower's next index is this log's start {} and the entry before it is "
                    + "purged: taking a snapshot to purge past it", config.id, id, d.getRaftLog().getStartIndex());
                try
                {
                    final RaftClientReply r = server.snapshotManagement(SnapshotManagementRequest.newCreate(
                        clientId, selfId, groupIdOf(id), callId.incrementAndGet(), 10_000, 1));
                    if (!r.isSuccess())
                    {
                        LOG.warn("{} region {}: snapshot refused: {}", config.id, id, r.getException());
                    }
                }
                catch (final IOException ex)
                {
                    LOG.warn("{} region {}: snapshot failed: {}", config.id, id, ex.toString());
                }
            }
            else if (seen >= 4)
            {
                logStartStalls.remove(id);
                counters.snapshotStallNudges.incrementAndGet();
                LOG.warn("{} region {}: a follower is still stuck at this log's start {}: stepping down so that the "
                    + "next leader's term starts a new log segment", config.id, id, d.getRaftLog().getStartIndex());
                stepDown(id, selfId);
            }
        }
    }

    /** @return true if a follower of the division (led here) waits for an entry its leader cannot name the term of. */
    private static boolean followerAtUnreachableLogStart(final RaftServer.Division d)
    {
        final RaftLog log = d.getRaftLog();
        final long start = log.getStartIndex();
        if (start <= RaftLog.LEAST_VALID_LOG_INDEX || log.getSnapshotIndex() == start - 1
            || log.getTermIndex(start - 1) != null)
        {
            return false;
        }
        final org.apache.ratis.statemachine.SnapshotInfo snapshot = d.getStateMachine().getLatestSnapshot();
        if (snapshot != null && snapshot.getIndex() == start - 1)
        {
            return false;
        }
        for (final long next : d.getInfo().getFollowerNextIndices())
        {
            if (next == start)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Ask the leader this node's replica of a region hears to step down (Ratis' transfer of leadership to no one),
     * so that the next leader starts fresh log appenders. Nothing is asked when the replica hears no leader (its own
     * election timeout forces one: pre-vote is off) or when it leads.
     */
    private void askLeaderToStepDown(final long regionId)
    {
        final RaftPeerId leader;
        try
        {
            leader = server.getDivision(groupIdOf(regionId)).getInfo().getLeaderId();
        }
        catch (final IOException ex) // the group is gone from this node
        {
            stalls.arrived(regionId);
            return;
        }
        if (leader == null || leader.equals(selfId))
        {
            return;
        }
        counters.snapshotStallNudges.incrementAndGet();
        LOG.warn("{} region {} has waited {} ms for a snapshot: asking its leader {} to step down", config.id,
            regionId, stalls.waitedMs(System.nanoTime()).get(regionId), leader);
        stepDown(regionId, leader);
    }

    /** Ask {@code leader} (this node or another) to step down from leading the region: Ratis' transfer to no one. */
    private void stepDown(final long regionId, final RaftPeerId leader)
    {
        try (RaftClient c = RaftClient.newBuilder().setProperties(new RaftProperties())
                 .setParameters(TlsFiles.parameters(config.tls == null ? null : config.tls.grpc()))
                 .setRaftGroup(groupOf(regionId)).setLeaderId(leader).setRetryPolicy(RetryPolicies.noRetry())
                 .build())
        {
            final RaftClientReply r = c.admin().transferLeadership(null, leader, STEP_DOWN_TIMEOUT_MS);
            if (!r.isSuccess())
            {
                LOG.warn("{} leader {} of region {} did not step down: {}", config.id, leader, regionId,
                    r.getException());
            }
        }
        catch (final IOException | RuntimeException ex) // the leader moved or is down: the next due time asks again
        {
            LOG.warn("{} step-down request to {} for region {} failed: {}", config.id, leader, regionId,
                ex.toString());
        }
    }

    /** A replica of this node started without data: it waits for a snapshot (its state machine's initialize). */
    void awaitingSnapshot(final long regionId)
    {
        stalls.waiting(regionId, System.nanoTime());
    }

    /** The replica holds data now, or its group is gone. */
    void snapshotArrived(final long regionId)
    {
        stalls.arrived(regionId);
    }

    /**
     * @return the leader this node's replica of a region hears (its own id when it leads), or null if it hears none
     * or holds no replica of the region. For tests whose leader may run in another process.
     */
    String heardLeader(final long regionId)
    {
        try
        {
            final RaftPeerId leader = server.getDivision(groupIdOf(regionId)).getInfo().getLeaderId();
            return null == leader ? null : leader.toString();
        }
        catch (final IOException | RuntimeException ex) // no such group here, or a closed server
        {
            return null;
        }
    }

    /**
     * @return every region group the Ratis server holds, with its division's role and life cycle, and whether this
     *         node has a state machine for it (diagnostics: a group the node expects but Ratis closed shows here).
     */
    Map<Long, String> divisions()
    {
        final Map<Long, String> out = new java.util.TreeMap<>();
        try
        {
            for (final RaftGroupId g : server.getGroupIds())
            {
                final long id = regionIdOf(g);
                String what;
                try
                {
                    final var info = server.getDivision(g).getInfo();
                    what = info.getCurrentRole() + "/" + info.getLifeCycleState() + "/term " + info.getCurrentTerm() +
                        "/leader " + info.getLeaderId();
                }
                catch (final IOException ex)
                {
                    what = "gone";
                }
                out.put(id, what + (machines.containsKey(id) ? "" : "/no state machine"));
            }
        }
        catch (final RuntimeException ex) // a closed server
        {
            out.put(-1L, ex.toString());
        }
        machines.keySet().forEach(id -> out.putIfAbsent(id, "state machine without a Ratis group"));
        return out;
    }

    /** @return the replicas of this node waiting for their first snapshot, and for how long (ms). */
    Map<Long, Long> awaitingSnapshots()
    {
        return stalls.waitedMs(System.nanoTime());
    }

    /**
     * Take this node's replica of a region out of its group without stopping the node: the division stops and
     * its directory stays; this node's RocksDB and cache are untouched (a cached region stays cached at its old
     * epoch). Models a replica cut off from its peers; {@link #attachReplica} brings it back.
     *
     * @param regionId region.
     * @throws IOException if Ratis refuses.
     * @throws IllegalStateException if the node is closed.
     */
    public void detachReplica(final long regionId) throws IOException
    {
        ensureOpen();
        final RaftClientReply r = server.groupManagement(GroupManagementRequest.newRemove(
            clientId, selfId, callId.incrementAndGet(), groupIdOf(regionId), false, false));
        if (!r.isSuccess())
        {
            throw new IOException("detach of region " + regionId + " failed: " + r.getException());
        }
    }

    /**
     * Bring a detached replica back from its directory; it catches up from the log or installs a snapshot. A start
     * that loses Ratis' start race (the leader's append arriving while the division starts) is closed and tried
     * again, up to three starts in all (counted in {@link NodeCounters#groupStartRetries()}).
     *
     * @param regionId region.
     * @throws IOException if Ratis refuses (e.g. the replica is attached already), or every start failed.
     * @throws IllegalStateException if the node is closed.
     */
    public void attachReplica(final long regionId) throws IOException
    {
        ensureOpen();
        final Throwable failure = addGroup(regionId, false);
        if (failure != null)
        {
            throw new IOException("attach of region " + regionId + " failed: " + failure, failure);
        }
    }

    /**
     * The port number a text spells in ASCII digits, leading zeros allowed ({@code 9101}, {@code 09101} and
     * {@code 0000009101} are one port). {@link Integer#parseInt} is not used: it also takes a sign and other scripts'
     * digits ({@code +9101}, {@code ٩١٠١}), which a port option refuses. The one rule for {@code --peers}, {@link Config}
     * and every {@code --http-port}.
     *
     * @param text the port as written.
     * @return the port in 0..65535, or -1 if the text is not ASCII digits or names a larger number.
     */
    public static int portNumber(final String text)
    {
        if (text == null || text.isEmpty())
        {
            return -1;
        }
        int port = 0;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c < '0' || c > '9')
            {
                return -1;
            }
            port = port * 10 + (c - '0');
            if (port > 65_535)
            {
                return -1;
            }
        }
        return port;
    }

    /** A closed Ratis server still takes group changes (an attach would start a division no one closes). */
    private void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("node " + config.id + " is closed");
        }
    }

    void onGroupRemoved(final RegionStateMachine sm)
    {
        if (machines.remove(sm.regionId(), sm))
        {
            stalls.arrived(sm.regionId());
        }
        progress.signal();
    }

    boolean isRemoved(final long regionId)
    {
        return removed.contains(regionId);
    }

    private void markRemoved(final long regionId)
    {
        if (removed.add(regionId))
        {
            try
            {
                Files.write(config.dataDir.resolve("removed-regions"),
                    (regionId + "\n").getBytes(StandardCharsets.US_ASCII),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
            }
            catch (final IOException ex)
            {
                LOG.warn("{} could not record removed region {}: {}", config.id, regionId, ex.toString());
            }
        }
    }

    /**
     * Record a merge source's seal (its replica's updater thread, when it applies the seal or installs a snapshot
     * taken while sealed), durably before the waiting targets are told.
     *
     * @param merging the source as the seal left it.
     */
    void recordSealed(final RegionMeta merging)
    {
        final RegionMeta had = sealedMerges.computeIfAbsent(merging.id(), k -> new ConcurrentHashMap<>())
            .putIfAbsent(merging.epochVersion(), merging);
        if (had == null)
        {
            try
            {
                Files.write(config.dataDir.resolve("sealed-merges"),
                    (sealedLine(merging.encode()) + "\n").getBytes(StandardCharsets.US_ASCII),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
            }
            catch (final IOException ex)
            {
                LOG.warn("{} could not record the sealed merge of {}: {}", config.id, merging, ex.toString());
            }
        }
        progress.signal();
    }

    /**
     * @param sourceId a merge source.
     * @param epoch    its epoch at the seal.
     * @return the source as its seal at that epoch left it on this node, or null if this node has not seen one.
     */
    RegionMeta sealedMerge(final long sourceId, final long epoch)
    {
        final Map<Long, RegionMeta> byEpoch = sealedMerges.get(sourceId);
        return byEpoch == null ? null : byEpoch.get(epoch);
    }

    private void loadSealedMerges() throws IOException
    {
        final Path f = config.dataDir.resolve("sealed-merges");
        if (!Files.exists(f))
        {
            return;
        }
        // Lines split by hand, not Files.readAllLines(US_ASCII), which refuses the whole file for one byte above
        // 0x7f: a damaged line must be skipped like any other unreadable one (a non-hex character fails parseHex).
        for (final String line : new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).split("\n"))
        {
            try
            {
                final RegionMeta m = RegionMeta.decode(sealedRecord(line.strip()));
                sealedMerges.computeIfAbsent(m.id(), k -> new ConcurrentHashMap<>()).putIfAbsent(m.epochVersion(), m);
            }
            catch (final RuntimeException ex)
            {
                // A torn last line (a crash during the append, before the seal's apply completed): recovery applies
                // that seal again from the source's log (or loads a snapshot taken while sealed), which writes the
                // record again.
                LOG.warn("{} skipped an unreadable line of {}: {}", config.id, f, ex.toString());
            }
        }
    }

    /*
     * A sealed-merges line: the RegionMeta's bytes in hex, a space, their CRC32 in 8 hex digits. A damaged line whose
     * hex still decodes (a flipped bit turns one hex digit into another) would otherwise be trusted as the seal a
     * target checks a commit against, and refuse on this node alone a commit the other replicas apply. Lines written
     * before the CRC (hex alone) are read as they are.
     *
     *   0                                  2n  2n+1      2n+9
     *   +----------------------------------+---+----------+
     *   | RegionMeta.encode() as hex (2n)  |' '| CRC32 hex|
     *   +----------------------------------+---+----------+
     */
    static String sealedLine(final byte[] meta)
    {
        final java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(meta);
        return HexFormat.of().formatHex(meta) + " " + String.format("%08x", crc.getValue());
    }

    /** @return the RegionMeta bytes of a {@link #sealedLine}; throws IllegalArgumentException if it is damaged. */
    static byte[] sealedRecord(final String line)
    {
        final int space = line.indexOf(' ');
        final byte[] meta = HexFormat.of().parseHex(space < 0 ? line : line.substring(0, space));
        if (space >= 0)
        {
            final java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(meta);
            if (!line.substring(space + 1).equals(String.format("%08x", crc.getValue())))
            {
                throw new IllegalArgumentException("CRC32 mismatch");
            }
        }
        return meta;
    }

    private void loadRemoved() throws IOException
    {
        final Path f = config.dataDir.resolve("removed-regions");
        if (Files.exists(f))
        {
            final String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            final String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++)
            {
                final String line = lines[i];
                if (i == lines.length - 1 && !line.isEmpty())
                {
                    // A last line without its newline was torn by a crash during its synced append (a power loss
                    // can leave it NUL-padded), before that group was removed: refusing to start would brick the
                    // node over a record not yet acted on. A merge's commit is replayed and records the id again;
                    // a record made by a snapshot install's reconcile is not, and a replay may then create that
                    // merged-away group briefly, the known limit the README names for parent snapshots.
                    LOG.warn("{} skipped the torn last line of {}: '{}'", config.id, f, line);
                    break;
                }
                if (!line.isBlank())
                {
                    try
                    {
                        removed.add(Long.parseLong(line.strip())); // strip, not trim: a NUL is damage, not space
                    }
                    catch (final NumberFormatException ex)
                    {
                        throw new IOException(f + " is corrupt: '" + line + "' is not a region id", ex);
                    }
                }
            }
        }
    }

    private static Throwable rootCause(final Throwable t)
    {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c)
        {
            c = c.getCause();
        }
        return c;
    }

    // ------------------------------------------------------------------ engine plumbing

    /**
     * Wait for an engine command and count its result.
     *
     * @param f a future of this node's engine.
     * @return the result.
     */
    CommandResult record(final CompletableFuture<CommandResult> f)
    {
        final CommandResult r = engine.await(f);
        counters.onEngineResult(r.code());
        if (r.code() == io.regioncache.ResultCode.INTERNAL_ERROR ||
            r.code() == io.regioncache.ResultCode.STORE_ERROR)
        {
            LOG.error("{} engine: {}", config.id, r);
        }
        return r;
    }

    HybridReader borrowReader()
    {
        final HybridReader r = idleReaders.poll();
        if (r != null)
        {
            return r;
        }
        final HybridReader fresh = engine.newReader();
        allReaders.add(fresh);
        return fresh;
    }

    void returnReader(final HybridReader reader)
    {
        idleReaders.add(reader);
    }

    // ------------------------------------------------------------------ accessors

    /** @return this node's id. */
    public String id()
    {
        return config.id;
    }

    /** @return settings. */
    public Config config()
    {
        return config;
    }

    /** @return the node's hybrid engine. */
    public HybridEngine engine()
    {
        return engine;
    }

    /** @return this node's RocksDB store (the engine's store, owned and closed by the engine). */
    public RocksDbBackingStore rocks()
    {
        return rocks;
    }

    /** @return the Ratis server. */
    public RaftServer server()
    {
        return server;
    }

    /** @return the node's version clock. */
    public HybridLogicalClock clock()
    {
        return clock;
    }

    /** @return the node's counters. */
    public NodeCounters counters()
    {
        return counters;
    }

    /**
     * Raised after each change of this node's replicas another thread may wait for: an entry or snapshot applied,
     * leadership changed or ready, a region group added or removed, a cache load installed. Wait on it (with the
     * condition you need) instead of sleeping between polls.
     *
     * @return this node's progress signal.
     */
    public ProgressSignal progress()
    {
        return progress;
    }

    RegionStateMachine machine(final long regionId)
    {
        return machines.get(regionId);
    }

    /** @return this node's view of every region it hosts with data (id → meta), merged-away ones excluded. */
    public Map<Long, RegionMeta> regions()
    {
        final Map<Long, RegionMeta> out = new java.util.TreeMap<>();
        machines.forEach((id, sm) ->
        {
            final RegionMeta m = sm.meta();
            if (m != null && m.state() != RegionMeta.State.MERGED)
            {
                out.put(id, m);
            }
        });
        return out;
    }

    /**
     * @param regionId a region.
     * @return true if this node's replica currently leads it (false once the node is closed).
     */
    public boolean isLeader(final long regionId)
    {
        if (closed)
        {
            return false; // Ratis' division keeps its last role after the server closed
        }
        final RegionStateMachine sm = machines.get(regionId);
        try
        {
            return sm != null && server.getDivision(groupIdOf(regionId)).getInfo().isLeader();
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    /**
     * @param regionId a region.
     * @return this node's Raft role for it ({@code LEADER}, {@code FOLLOWER}, {@code CANDIDATE}, ...), or null if
     *         it hosts no running replica of it (none once the node is closed).
     */
    public String role(final long regionId)
    {
        if (closed || !machines.containsKey(regionId))
        {
            return null;
        }
        try
        {
            return server.getDivision(groupIdOf(regionId)).getInfo().getCurrentRole().name();
        }
        catch (final IOException | RuntimeException ex) // a division starting or being removed
        {
            return null;
        }
    }

    /**
     * @param regionId a region.
     * @return the last log index this node's replica applied, or -1.
     */
    public long appliedIndex(final long regionId)
    {
        final RegionStateMachine sm = machines.get(regionId);
        if (sm == null || sm.getLastAppliedTermIndex() == null)
        {
            return -1;
        }
        return sm.getLastAppliedTermIndex().getIndex();
    }

    /**
     * @param regionId a region.
     * @return the replica's commit index, or -1 (no running replica: also once the node is closed).
     */
    public long commitIndex(final long regionId)
    {
        if (closed)
        {
            return -1;
        }
        try
        {
            return server.getDivision(groupIdOf(regionId)).getRaftLog().getLastCommittedIndex();
        }
        catch (final IOException | RuntimeException ex) // a division still starting has no log yet
        {
            return -1;
        }
    }

    /** Stop Ratis (a replica takes a snapshot as it stops), then the engine. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        groupOps.shutdown();
        try
        {
            groupOps.awaitTermination(GROUP_OP_TIMEOUT_S, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        closeQuietly(server);
        for (final HybridReader r : allReaders)
        {
            r.close();
        }
        allReaders.clear();
        idleReaders.clear();
        engine.close();
    }

    private void closeQuietly(final RaftServer s)
    {
        if (s == null)
        {
            return;
        }
        try
        {
            s.close();
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.warn("{} closing Ratis: {}", config.id, ex.toString());
        }
    }

    @Override
    public String toString()
    {
        return "ReplicaNode{" + config.id + "}";
    }

    static <T> T require(final T t, final String what)
    {
        return Objects.requireNonNull(t, what);
    }
}
