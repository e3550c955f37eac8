package io.regioncache.ratis.blackbox14b;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ratis.Entry;
import io.regioncache.ratis.EntryCodec;
import io.regioncache.ratis.EntryFormatException;
import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.ProgressSignal;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionClientException;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.Reply;
import io.regioncache.ratis.ServedNode;
import io.regioncache.ratis.TlsFiles;

/**
 * Argument checks of the public API at their edges, with no cluster (a client's peers are ports nothing listens on,
 * {@code retries(0)}): peer maps and peer lists ({@code ReplicaNode.Config}, {@code RegionClient.builder},
 * {@code ServedNode.parsePeers}: "host:port with a port in 1..65535, each address once"), {@code RegionClient}'s
 * "Arguments are checked at the call, before anything is sent: ... a request over an {@code EntryCodec} limit (or
 * with a negative region id) a {@code RegionClientException} of status {@code INVALID}", {@code TlsFiles},
 * {@code LocalNodes.start}, {@code Entry.Split}'s derived ids, {@code ProgressSignal.await}.
 */
class ArgumentEdgesTest
{
    @TempDir
    Path dir;

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Map<String, String> map(final String... kv)
    {
        final Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2)
        {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** The peer-taking entry points that accepted the map (those refusing it are not listed). */
    private List<String> acceptedBy(final Map<String, String> peers)
    {
        final List<String> accepted = new ArrayList<>();
        final String first = peers.keySet().iterator().next();
        final Map<String, Function<Map<String, String>, Object>> entries = new LinkedHashMap<>();
        entries.put("ReplicaNode.Config", p -> new ReplicaNode.Config(first, p, dir.resolve("n")));
        entries.put("RegionClient.builder", RegionClient::builder);
        entries.put("ServedNode.parsePeers", p ->
        {
            final StringBuilder s = new StringBuilder();
            p.forEach((id, a) -> s.append(s.length() == 0 ? "" : ",").append(id).append('=').append(a));
            return ServedNode.parsePeers(s.toString());
        });
        entries.forEach((name, call) ->
        {
            try
            {
                call.apply(peers);
                accepted.add(name + " accepted " + peers);
            }
            catch (final IllegalArgumentException expected)
            {
                // documented
            }
        });
        return accepted;
    }

    /** The baseline: the documented bad addresses are refused by every entry point; IPv6 and names are taken. */
    @Test
    void everyEntryPointTakesAndRefusesTheSameAddresses()
    {
        for (final String bad : new String[] {"127.0.0.1:0", "127.0.0.1:65536", "h:x", "h:", ":1", "h: 1"})
        {
            assertEquals(List.of(), acceptedBy(map("n1", bad)), bad);
        }
        assertEquals(List.of(), acceptedBy(map("n1", "h:1", "n2", "h:1")), "one address twice");
        for (final String good : new String[] {"[::1]:9101", "localhost:1", "h:65535", "a.b.c:80"})
        {
            assertEquals(3, acceptedBy(map("n1", good)).size(), good);
        }
        final Map<String, String> emptyId = map("", "h:1");
        assertThrows(IllegalArgumentException.class, () -> new ReplicaNode.Config("", emptyId, dir));
        assertThrows(IllegalArgumentException.class, () -> RegionClient.builder(emptyId));
        final Map<String, String> nullId = new HashMap<>();
        nullId.put(null, "h:1");
        assertThrows(NullPointerException.class, () -> RegionClient.builder(nullId));
        assertThrows(NullPointerException.class, () -> new ReplicaNode.Config("n1", nullId, dir));
    }

    /**
     * "an address is not {@code host:port} with a port in 1..65535": a port written in non-ASCII digits
     * ({@code Integer.parseInt} reads Arabic-Indic "٩١٠١" as 9101) or with a plus sign is not a port any resolver
     * or gRPC target reads; the node would bind 9101 while its peers dial the literal string.
     */
    @Test
    void aPortInNonAsciiDigitsOrWithASignIsNotHostPort()
    {
        final List<String> accepted = new ArrayList<>();
        accepted.addAll(acceptedBy(map("n1", "127.0.0.1:\u0669\u0661\u0660\u0661")));
        accepted.addAll(acceptedBy(map("n1", "127.0.0.1:+9101")));
        assertEquals(List.of(), accepted);
    }

    /**
     * "each address once" / "two peers share an address": {@code 127.0.0.1:9101} and {@code 127.0.0.1:09101} are one
     * socket address (both parse to port 9101), so two nodes would be configured on one port; the check compares the
     * strings only.
     */
    @Test
    void oneAddressSpelledTwoWaysIsStillOneAddress()
    {
        assertEquals(List.of(), acceptedBy(map("n1", "127.0.0.1:9101", "n2", "127.0.0.1:09101")));
    }

    /**
     * {@code parsePeers}: "@throws IllegalArgumentException if an entry is not ID=HOST:PORT". An empty entry is
     * refused at the start and in the middle of the list; at the end {@code String.split} drops it and the list is
     * taken.
     */
    @Test
    void parsePeersRefusesAnEmptyEntryWhereverItIs()
    {
        assertThrows(IllegalArgumentException.class, () -> ServedNode.parsePeers(",n1=h:1"));
        assertThrows(IllegalArgumentException.class, () -> ServedNode.parsePeers("n1=h:1,,n2=h:2"));
        assertThrows(IllegalArgumentException.class, () -> ServedNode.parsePeers(""));
        assertEquals(List.of("n1", "n2"), List.copyOf(ServedNode.parsePeers(" n1 = h:1 , n2=h:2").keySet()),
            "order kept, spaces trimmed");
        assertThrows(IllegalArgumentException.class, () -> ServedNode.parsePeers("n1=h:1,n1 =h:2"), "an id twice");
        assertThrows(IllegalArgumentException.class, () -> ServedNode.parsePeers("n1=h:1,"),
            "a trailing empty entry is not ID=HOST:PORT");
    }

    /** The Config copies its peers and keeps their order; defaults are the documented ones; setters return it. */
    @Test
    void configDefaultsAndCopies()
    {
        final Map<String, String> peers = map("n2", "127.0.0.1:2", "n1", "127.0.0.1:1", "n3", "127.0.0.1:3");
        final ReplicaNode.Config c = new ReplicaNode.Config("n1", peers, dir);
        peers.put("n4", "127.0.0.1:4");
        peers.put("n1", "127.0.0.1:5");
        assertEquals(List.of("n2", "n1", "n3"), List.copyOf(c.peers().keySet()), "copied, in the given order");
        assertEquals("127.0.0.1:1", c.peers().get("n1"));
        assertEquals("n1", c.id());
        assertEquals(dir, c.dataDir());
        assertEquals("127.0.0.1", c.bindHost(), "127.0.0.1 unless set");
        assertEquals(ServedNode.DEFAULT_BIND, c.bindHost());
        assertNull(c.tls(), "plaintext unless set");
        assertEquals(ReplicaNode.FollowerCachePolicy.EVICT, c.followerPolicy());
        assertTrue(c.warmOnLeader());
        assertSame(c, c.warmOnLeader(false).followerPolicy(ReplicaNode.FollowerCachePolicy.KEEP).tls(null)
            .bindHost("127.0.0.2").snapshotThreshold(1));
        assertFalse(c.warmOnLeader());
        assertEquals(ReplicaNode.FollowerCachePolicy.KEEP, c.followerPolicy());
        assertEquals("127.0.0.2", c.bindHost());
        assertFalse(Files.exists(dir.resolve("rocksdb")), "a Config creates nothing");
    }

    // ------------------------------------------------------------------ RegionClient, no node answers

    private RegionClient deadClient() throws Exception
    {
        return RegionClient.builder(map("n1", "127.0.0.1:" + LocalNodes.freePort())).retries(0).build();
    }

    /** Runs each call; returns how each that was not {@code INVALID} with an {@code EntryFormatException} ended. */
    private static List<String> notInvalid(final Map<String, Executable> calls)
    {
        final List<String> out = new ArrayList<>();
        calls.forEach((what, call) ->
        {
            try
            {
                call.execute();
                out.add(what + ": returned");
            }
            catch (final RegionClientException ex)
            {
                if (ex.status() != Reply.Status.INVALID || !(ex.getCause() instanceof EntryFormatException))
                {
                    out.add(what + ": " + ex.status() + " (" + ex.getMessage() + ")");
                }
            }
            catch (final Throwable t)
            {
                out.add(what + ": " + t);
            }
        });
        return out;
    }

    /**
     * "a request over an EntryCodec limit (or with a negative region id) a RegionClientException of status INVALID",
     * "checked at the call, before anything is sent"; {@code write}: "INVALID, nothing sent, if a key, a value or the
     * batch is over an EntryCodec limit (the cause is the EntryFormatException)". The same calls against a cluster
     * answer INVALID ({@code ReadmeAuditReplicationTest}); with no node answering, the client first looks up a route
     * for the key and throws {@code KEY_NOT_IN_REGION} ("no node answered") instead: the status a caller sees for
     * bad input depends on the cluster, which a check "at the call" cannot.
     */
    @Test
    void requestsOverALimitAreInvalidWhetherOrNotANodeAnswers() throws Exception
    {
        final byte[] tooLong = new byte[EntryCodec.MAX_KEY_BYTES + 1];
        final byte[] hugeValue = new byte[EntryCodec.MAX_VALUE_BYTES + 1];
        final Map<byte[], byte[]> tooMany = new HashMap<>();
        for (int i = 0; i <= EntryCodec.MAX_OPS; i++)
        {
            tooMany.put(b("k" + i), b("v"));
        }
        try (RegionClient c = deadClient())
        {
            final Map<String, Executable> calls = new LinkedHashMap<>();
            calls.put("put(4097-byte key)", () -> c.put(tooLong, b("v")));
            calls.put("put(empty key)", () -> c.put(new byte[0], b("v")));
            calls.put("put(1 MiB + 1 value)", () -> c.put(b("k"), hugeValue));
            calls.put("write(65,537 ops)", () -> c.write(tooMany));
            calls.put("delete(4097-byte key)", () -> c.delete(tooLong));
            calls.put("get(4097-byte key)", () -> c.get(tooLong));
            calls.put("getFromFollower(4097-byte key)", () -> c.getFromFollower(tooLong, "n1"));
            calls.put("split(4097-byte key)", () -> c.split(tooLong));
            calls.put("split(empty key)", () -> c.split(new byte[0]));
            calls.put("deleteRange(4097-byte start, +inf)", () -> c.deleteRange(tooLong, new byte[0]));
            calls.put("scan(4097-byte start)", () -> c.scan(tooLong, new byte[0], 5));
            calls.put("prepareMerge(1, -2)", () -> c.prepareMerge(1, -2));
            calls.put("commitMerge(1, -2)", () -> c.commitMerge(1, -2));
            calls.put("rollbackMerge(-1)", () -> c.rollbackMerge(-1));
            final long t0 = System.nanoTime();
            final List<String> wrong = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> notInvalid(calls));
            System.out.println("[blackbox14b] " + calls.size() + " refused calls, no node: "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
            assertEquals(List.of(), wrong, "each is refused INVALID at the call, whether or not a node answers");
        }
    }

    /**
     * The class's "(or with a negative region id) a RegionClientException of status INVALID" for the calls that take
     * a region id but send no entry: {@code snapshot}, {@code transferLeader}, {@code awaitAllCommitted}.
     */
    @Test
    void aNegativeRegionIdIsInvalidInEveryCallThatTakesOne() throws Exception
    {
        try (RegionClient c = deadClient())
        {
            final Map<String, Executable> calls = new LinkedHashMap<>();
            calls.put("describe(-1)", () -> c.describe(-1));
            calls.put("snapshot(-1, n1)", () -> c.snapshot(-1, "n1"));
            calls.put("transferLeader(-1, n1)", () -> c.transferLeader(-1, "n1"));
            calls.put("awaitAllCommitted(-1, 1, 500 ms)", () -> c.awaitAllCommitted(-1, 1, 500));
            final List<String> wrong = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> notInvalid(calls));
            assertEquals(List.of(), wrong);
        }
    }

    /**
     * What needs no node answers without one: an empty or inverted delete-range and an unknown node are
     * {@code IllegalArgumentException} at the call; a scan of an empty range returns nothing and asks nothing;
     * {@code describe} of a region no node answers for is null ("or null if no leader answers"); {@code refresh}
     * learns nothing and says nothing; the builder copied the peers it was given.
     */
    @Test
    void whatNeedsNoNodeIsAnsweredWithoutOne() throws Exception
    {
        final int[] ports = LocalNodes.freePorts(2);
        final Map<String, String> peers = map("n1", "127.0.0.1:" + ports[0]);
        final RegionClient.Builder builder = RegionClient.builder(peers).retries(0);
        peers.put("n2", "127.0.0.1:" + ports[1]);
        try (RegionClient c = builder.build())
        {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
            {
                assertThrows(IllegalArgumentException.class, () -> c.deleteRange(b("a"), b("a")), "empty");
                assertThrows(IllegalArgumentException.class, () -> c.deleteRange(b("b"), b("a")), "inverted");
                assertThrows(IllegalArgumentException.class, () -> c.deleteRange(b("a\u0000"), b("a")), "inverted");
                assertThrows(IllegalArgumentException.class, () -> c.getFromFollower(b("k"), "n2"),
                    "n2 was added to the map after builder(): not a peer");
                assertThrows(IllegalArgumentException.class, () -> c.getFromFollower(b("k"), "N1"), "ids are exact");
                assertThrows(IllegalArgumentException.class, () -> c.getFromFollower(b("k"), ""));
                assertEquals(List.of(), c.scan(b("m"), b("m"), 10), "an empty range: nothing");
                assertEquals(List.of(), c.scan(b("n"), b("m"), 10), "an inverted range: nothing");
                assertEquals(0, c.refreshes(), "nothing above reached for the cluster");
                assertNull(c.describe(5), "no leader answers: null");
                c.refresh();
                assertEquals(List.of(), c.routes());
                final RegionClientException ex = assertThrows(RegionClientException.class, () -> c.get(b("k")));
                assertEquals(Reply.Status.KEY_NOT_IN_REGION, ex.status());
            });
        }
    }

    /**
     * {@code awaitAllCommitted}: "@throws InterruptedException if interrupted" (and not a quiet {@code false});
     * {@code RegionClientException}: "the last status seen", its message "status: detail", the cause kept.
     */
    @Test
    void anInterruptedWaitThrowsAndExceptionsKeepTheirStatus() throws Exception
    {
        try (RegionClient c = deadClient())
        {
            final Thread waiter = Thread.currentThread();
            // Interrupt the waiter once it is blocked inside the call (its own signal that the wait began), not
            // after a fixed time.
            final Thread interrupter = new Thread(() ->
            {
                while (waiter.getState() != Thread.State.WAITING && waiter.getState() != Thread.State.TIMED_WAITING)
                {
                    if (Thread.currentThread().isInterrupted())
                    {
                        return;
                    }
                    Thread.onSpinWait();
                }
                waiter.interrupt();
            });
            interrupter.start();
            final long t0 = System.nanoTime();
            try
            {
                final boolean answered = c.awaitAllCommitted(1, 1, 5_000);
                throw new AssertionError("interrupted while blocked, awaitAllCommitted returned " + answered + " after "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms (interrupt flag " + Thread.currentThread().isInterrupted()
                    + ")");
            }
            catch (final InterruptedException expected)
            {
                assertTrue(System.nanoTime() - t0 < 4_000_000_000L, "at the interrupt, not at the deadline");
            }
            finally
            {
                interrupter.interrupt();
                while (interrupter.isAlive())
                {
                    Thread.onSpinWait();
                }
                Thread.interrupted();
            }
        }
        final IllegalStateException cause = new IllegalStateException("x");
        final RegionClientException ex = new RegionClientException(Reply.Status.MERGING, "why", cause);
        assertEquals(Reply.Status.MERGING, ex.status());
        assertEquals("MERGING: why", ex.getMessage());
        assertSame(cause, ex.getCause());
        final EntryFormatException efe = new EntryFormatException(EntryFormatException.Reason.TOO_LARGE, "k");
        assertEquals(EntryFormatException.Reason.TOO_LARGE, efe.reason());
        assertEquals("TOO_LARGE: k", efe.getMessage());
    }

    // ------------------------------------------------------------------ TlsFiles, LocalNodes, Entry.Split, ProgressSignal

    /** "@throws IllegalArgumentException if a file is missing or unreadable (the error names the file and the option)". */
    @Test
    void tlsFilesNameTheOptionOfAFileThatIsNotAReadableFile() throws Exception
    {
        final Path cert = Files.writeString(dir.resolve("c.pem"), "x");
        final Path key = Files.writeString(dir.resolve("k.pem"), "x");
        final Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        final Path folder = Files.createDirectory(dir.resolve("folder"));
        final Path none = dir.resolve("none.pem");
        final Object[][] cases = {{folder, key, ca, "--tls-cert"}, {cert, folder, ca, "--tls-key"},
            {cert, key, folder, "--tls-ca"}, {none, key, ca, "--tls-cert"}, {cert, none, ca, "--tls-key"}};
        for (final Object[] k : cases)
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> new TlsFiles((Path)k[0], (Path)k[1], (Path)k[2]));
            assertTrue(ex.getMessage().contains((String)k[3]), ex.getMessage());
        }
        final TlsFiles ok = TlsFiles.ofOptions(cert, key, ca);
        assertEquals(new TlsFiles(cert, key, ca), ok);
        assertEquals(key, ok.key());
    }

    /**
     * {@code ReplicaNode.start}: "@throws IOException if Ratis or RocksDB cannot start: ... the data directory ... not
     * a directory"; "A start that fails leaves nothing open".
     */
    @Test
    void aDataDirectoryThatIsAFileIsAnIOException() throws Exception
    {
        final Path file = Files.writeString(dir.resolve("plain-file"), "x");
        final Map<String, String> peers = map("n1", "127.0.0.1:" + LocalNodes.freePort());
        final Throwable t = assertThrows(Throwable.class,
            () -> ReplicaNode.start(new ReplicaNode.Config("n1", peers, file)).close());
        assertTrue(t instanceof java.io.IOException, "an IOException: " + t);
        final Throwable under = assertThrows(Throwable.class,
            () -> ReplicaNode.start(new ReplicaNode.Config("n1", peers, file.resolve("n1"))).close());
        assertTrue(under instanceof java.io.IOException, "a directory under a file: an IOException: " + under);
        assertEquals("x", Files.readString(file), "the file is left as it was");
    }

    /** {@code LocalNodes.start}: "@param n nodes (1 or more)"; {@code freePorts(0)} is no port. */
    @Test
    void localNodesNeedOneNodeOrMore() throws Exception
    {
        assertThrows(IllegalArgumentException.class, () -> LocalNodes.start(0, dir));
        assertThrows(IllegalArgumentException.class, () -> LocalNodes.start(-3, dir));
        assertEquals(0, LocalNodes.freePorts(0).length);
        assertFalse(Files.exists(dir.resolve("n1")), "nothing started");
    }

    /** "the new region's id, at least 2 (0 is "no region", 1 the root region)", for any input; ids by position. */
    @Test
    void derivedSplitIdsAreAtLeastTwoAndByPosition()
    {
        final long[] extremes = {0, 1, 2, Long.MAX_VALUE, Long.MIN_VALUE, -1};
        for (final long parent : extremes)
        {
            for (final long epoch : extremes)
            {
                for (final int index : new int[] {0, 1, 63, Integer.MAX_VALUE, -1})
                {
                    final long id = Entry.Split.newRegionId(parent, epoch, index);
                    assertTrue(id >= 2, parent + "/" + epoch + "/" + index + " -> " + id);
                    assertEquals(id, Entry.Split.newRegionId(parent, epoch, index), "deterministic");
                }
            }
        }
        assertEquals(0, Entry.Split.newRegionIds(7, 3, 0).length);
        final RegionMeta parent = RegionMeta.initial(7, new byte[0], new byte[0]);
        final Entry.Split s = Entry.Split.of(parent, b("f"), b("p"));
        assertEquals(0, s.version(), "version 0: the leader stamps it");
        assertEquals(7, s.regionId());
        assertEquals(1, s.epochVersion());
        assertArrayEquals(Entry.Split.newRegionIds(7, 1, 2), s.newRegionIds());
        assertArrayEquals(new long[] {Entry.Split.newRegionId(7, 1, 0), Entry.Split.newRegionId(7, 1, 1)},
            s.newRegionIds());
        assertEquals(s.regionId(), EntryCodec.decode(EntryCodec.encode(s)).regionId(), "a derived split encodes");
    }

    /**
     * {@code ProgressSignal.await}: "evaluated on the calling thread, first at once"; "@throws InterruptedException
     * if interrupted while waiting"; false once the time ran out.
     */
    @Test
    void progressSignalAwaitAtItsEdges() throws Exception
    {
        final ProgressSignal s = new ProgressSignal();
        assertTrue(s.await(() -> true, 0), "true at once, even with no time");
        assertTrue(s.await(() -> true, -1));
        assertFalse(s.await(() -> false, 0));
        assertFalse(s.await(() -> false, -1));
        assertFalse(ProgressSignal.await(List.of(), () -> false, 20), "no signal to wait on: the time runs out");
        Thread.currentThread().interrupt();
        try
        {
            assertTrue(s.await(() -> true, 1_000), "a condition that holds needs no wait");
            assertTrue(Thread.interrupted(), "and keeps the interrupt");
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> s.await(() -> false, 5_000));
        }
        finally
        {
            Thread.interrupted();
        }
        final Thread signaller = new Thread(() ->
        {
            for (int i = 0; i < 5; i++)
            {
                s.signal();
            }
        });
        final int[] looks = {0};
        signaller.start();
        assertTrue(s.await(() -> ++looks[0] >= 2 || !signaller.isAlive(), 10_000));
        signaller.join();
        s.signal(); // nobody waits: harmless
    }
}
