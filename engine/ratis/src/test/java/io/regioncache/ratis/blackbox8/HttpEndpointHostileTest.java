package io.regioncache.ratis.blackbox8;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.NodeHttpServer;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.ReplicaNode;

/**
 * Black-box: the README's "HTTP endpoint" (read-only, GET only, 405 with Allow: GET, 404 otherwise) facing hostile
 * clients over raw sockets. A scraper must still be answered within a few seconds while other clients misbehave,
 * and the node must keep serving Raft writes.
 */
class HttpEndpointHostileTest
{
    @TempDir
    static Path dir;

    private static ReplicaNode node;
    private static NodeHttpServer http;
    private static RegionClient client;

    @BeforeAll
    static void start() throws Exception
    {
        final Map<String, String> peers = Map.of("n1", "127.0.0.1:" + LocalNodes.freePort());
        node = ReplicaNode.start(new ReplicaNode.Config("n1", peers, dir.resolve("n1")));
        assertTrue(node.progress().await(() -> node.isLeader(ReplicaNode.ROOT_REGION_ID), 30_000));
        http = NodeHttpServer.start(node, new InetSocketAddress("127.0.0.1", 0));
        client = RegionClient.builder(peers).retries(5).build();
        client.put(b("a"), b("va"));
    }

    @AfterAll
    static void stop()
    {
        if (client != null)
        {
            client.close();
        }
        if (http != null)
        {
            http.close();
        }
        if (node != null)
        {
            node.close();
        }
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    private static void assertServes()
    {
        final byte[] v = b("v" + System.nanoTime());
        client.put(b("k"), v);
        assertArrayEquals(v, client.get(b("k")).value());
    }

    /** Sends the request, half-closes, reads until close; fails if nothing within {@code timeoutMs}. */
    private static String raw(final byte[] request, final int timeoutMs) throws IOException
    {
        try (Socket s = new Socket("127.0.0.1", http.port()))
        {
            s.setSoTimeout(timeoutMs);
            try
            {
                final OutputStream out = s.getOutputStream();
                out.write(request);
                out.flush();
                s.shutdownOutput();
            }
            catch (final IOException closedEarly)
            {
                // refused before reading it all
            }
            final ByteArrayOutputStream r = new ByteArrayOutputStream();
            final byte[] buf = new byte[8192];
            try
            {
                final InputStream in = s.getInputStream();
                for (int n; (n = in.read(buf)) >= 0; )
                {
                    r.write(buf, 0, n);
                }
            }
            catch (final SocketTimeoutException ex)
            {
                throw new AssertionError("no answer and no close within " + timeoutMs + " ms to: "
                    + new String(request, 0, Math.min(60, request.length), ISO_8859_1).replace("\r\n", "\\r\\n"), ex);
            }
            catch (final IOException reset)
            {
                // reset: what arrived is the answer
            }
            return r.toString(ISO_8859_1);
        }
    }

    private static String get(final String path, final int timeoutMs) throws IOException
    {
        return raw(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(ISO_8859_1), timeoutMs);
    }

    private static void assertScrapeAnswers(final String why) throws IOException
    {
        for (final String p : new String[] {"/metrics", "/regions"})
        {
            final long t0 = System.nanoTime();
            final String r;
            try
            {
                r = get(p, 5_000);
            }
            catch (final AssertionError e)
            {
                fail("GET " + p + " got no answer within 5 s while " + why, e);
                return;
            }
            assertTrue(r.startsWith("HTTP/1.1 200"), () -> p + " while " + why + ": " + r.lines().findFirst().orElse(""));
            System.out.printf("GET %s while %s: %d ms%n", p, why, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /**
     * Wait until {@code n} of the endpoint's threads are blocked reading a held request (a frame of the JDK server's
     * request stream on their stack): the held clients' own signal that the server took them up, instead of a sleep.
     */
    private static void awaitHeld(final int n)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int held = 0;
        while (System.nanoTime() < deadline)
        {
            held = 0;
            for (final Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet())
            {
                if (t.getKey().getName().startsWith("regioncache-http-") && Arrays.stream(t.getValue()).anyMatch(f ->
                    f.getClassName().startsWith("sun.net.httpserver.Request") && f.getMethodName().startsWith("read")))
                {
                    held++;
                }
            }
            if (held >= n)
            {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        fail("only " + held + " of " + n + " held requests were taken up by the endpoint within 10 s");
    }

    /** One client sends half a request and holds the connection open (slowloris); another scrapes. */
    @Test
    void aHeldOpenIncompleteRequestDoesNotBlockOtherClients() throws Exception
    {
        final List<Socket> held = new ArrayList<>();
        try
        {
            final Socket s = new Socket("127.0.0.1", http.port());
            held.add(s);
            s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(ISO_8859_1));
            s.getOutputStream().flush();
            awaitHeld(1);
            assertScrapeAnswers("one client holds an incomplete request open");
        }
        finally
        {
            for (final Socket s : held)
            {
                s.close();
            }
        }
        assertServes();
    }

    /**
     * Eight clients hold incomplete requests: a scraper is still answered (README: exchanges on up to 32 threads), and
     * the server closes every held connection (README: a half-sent request is cut off after 10 s), which frees its
     * thread.
     */
    @Test
    void heldRequestsAreCutOffByTheRequestTimeLimit() throws Exception
    {
        final List<Socket> held = new ArrayList<>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                final Socket s = new Socket("127.0.0.1", http.port());
                held.add(s);
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(ISO_8859_1));
                s.getOutputStream().flush();
            }
            awaitHeld(8);
            final long t0 = System.nanoTime();
            final String r = get("/regions", 5_000);
            final long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("GET /regions behind 8 held requests answered after " + ms + " ms");
            assertTrue(r.startsWith("HTTP/1.1 200"), r.lines().findFirst().orElse("(closed)"));
            // each held connection was closed by the server (read returns -1 or the connection resets)
            for (final Socket s : held)
            {
                s.setSoTimeout(30_000);
                try
                {
                    final int first = s.getInputStream().read();
                    assertTrue(first == -1 || first == 'H', "a held request got " + first);
                }
                catch (final SocketTimeoutException stillHeld)
                {
                    fail("the server had not closed a held request after 30 s", stillHeld);
                }
                catch (final IOException reset)
                {
                    // closed by the server
                }
            }
        }
        finally
        {
            for (final Socket s : held)
            {
                s.close();
            }
        }
        assertServes();
    }

    /**
     * How long one held-open incomplete request blocks a scraper (runs only with -Dhttp8.long=true: up to 120 s).
     * Prints the wait; fails if over 5 s.
     */
    @Test
    void howLongAHeldRequestBlocksTheEndpoint() throws Exception
    {
        org.junit.jupiter.api.Assumptions.assumeTrue(Boolean.getBoolean("http8.long"));
        try (Socket s = new Socket("127.0.0.1", http.port()))
        {
            s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(ISO_8859_1));
            s.getOutputStream().flush();
            awaitHeld(1);
            final long t0 = System.nanoTime();
            final String r = get("/regions", 120_000);
            final long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("GET /regions behind a held request answered after " + ms + " ms: "
                + r.lines().findFirst().orElse("(closed)"));
            assertTrue(ms < 5_000, "a scraper waited " + ms + " ms behind one held request");
        }
    }

    /** A request line without its end (no CRLF) held open. */
    @Test
    void aHeldOpenPartialRequestLineDoesNotBlockOtherClients() throws Exception
    {
        try (Socket s = new Socket("127.0.0.1", http.port()))
        {
            s.getOutputStream().write("GET /met".getBytes(ISO_8859_1));
            s.getOutputStream().flush();
            awaitHeld(1);
            assertScrapeAnswers("one client holds a partial request line open");
        }
        assertServes();
    }

    /** A request whose body is announced but not sent (POST with Content-Length, body held back). */
    @Test
    void aHeldBackBodyDoesNotBlockOtherClients() throws Exception
    {
        try (Socket s = new Socket("127.0.0.1", http.port()))
        {
            s.getOutputStream().write(("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc")
                .getBytes(ISO_8859_1));
            s.getOutputStream().flush();
            awaitHeld(1);
            assertScrapeAnswers("one client holds back an announced body");
        }
        assertServes();
    }

    /** 200 connections opened, nothing sent, left idle. */
    @Test
    void manyIdleConnectionsDoNotBlockOtherClients() throws Exception
    {
        final List<Socket> idle = new ArrayList<>();
        try
        {
            for (int i = 0; i < 200; i++)
            {
                idle.add(new Socket("127.0.0.1", http.port()));
            }
            assertScrapeAnswers("200 idle connections are open");
        }
        finally
        {
            for (final Socket s : idle)
            {
                s.close();
            }
        }
        assertServes();
    }

    /** Malformed and odd requests each get an answer or a close within 10 s, then the endpoint serves. */
    @Test
    void oddRequestsAreAnsweredOrClosed() throws Exception
    {
        final String[] requests = {
            "\u0000\u00ff\u0010garbage\r\n\r\n",
            "GET /metrics\r\n\r\n",
            "GET\r\n\r\n",
            "\r\n\r\n",
            "GET /metrics HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n",
            "GET /" + "a".repeat(1 << 20) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(1 << 20) + "\r\nConnection: close\r\n\r\n",
            "GET /metrics HTTP/1.1\r\nHost: x\r\n" + "X-H: y\r\n".repeat(20_000) + "Connection: close\r\n\r\n",
            "GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n",
        };
        for (final String r : requests)
        {
            final String answer = raw(r.getBytes(ISO_8859_1), 10_000);
            assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 "), answer);
        }
        assertScrapeAnswers("after odd requests");
        assertServes();
    }

    /** README: any method but GET gets 405 with Allow: GET; any other path 404; query strings ignored. */
    @Test
    void methodsPathsAndEscapesAreAnsweredAsDocumented() throws Exception
    {
        for (final String m : new String[] {"OPTIONS", "TRACE", "CONNECT", "FOO", "get"})
        {
            final String r = raw((m + " /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(ISO_8859_1),
                10_000);
            assertTrue(r.isEmpty() || r.startsWith("HTTP/1.1 405") || r.startsWith("HTTP/1.1 400"),
                () -> m + ": " + r.lines().findFirst().orElse(""));
            if (r.startsWith("HTTP/1.1 405"))
            {
                assertTrue(r.toLowerCase().contains("\r\nallow: get"), () -> m + " 405 without Allow: GET: " + r);
            }
        }
        for (final String p : new String[] {"/../metrics", "/metrics/..", "/x/../../etc/passwd", "/%2e%2e/metrics",
            "/metrics/", "//metrics", "/METRICS", "/metrics%00", "/metrics%2F"})
        {
            final String r = get(p, 10_000);
            assertTrue(r.startsWith("HTTP/1.1 404") || r.startsWith("HTTP/1.1 400") || r.startsWith("HTTP/1.1 200"),
                () -> p + ": " + r.lines().findFirst().orElse(""));
            assertTrue(!r.contains("root:"), p);
        }
        // percent-encoded path of a served resource, query strings: served
        for (final String p : new String[] {"/%6detrics", "/metrics?x=1&y", "/metrics?%41=%42", "/regions?" + "q".repeat(10_000)})
        {
            final String r = get(p, 10_000);
            assertTrue(r.startsWith("HTTP/1.1 200"), () -> p + ": " + r.lines().findFirst().orElse(""));
        }
        assertServes();
    }
}
