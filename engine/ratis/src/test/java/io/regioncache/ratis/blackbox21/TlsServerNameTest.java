package io.regioncache.ratis.blackbox21;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionClientException;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.ServedNode;
import io.regioncache.ratis.TlsFiles;

/** README "Running a cluster", "Mutual TLS": the server's name is checked. */
class TlsServerNameTest
{
    private static void run(final Path dir, final String... command) throws Exception
    {
        final Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), List.of(command) + ": " + out);
    }

    /** The README's openssl recipe, with the subjectAltName given. */
    private static TlsFiles issue(final Path dir, final String name, final String san) throws Exception
    {
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + san
            + "\nextendedKeyUsage=serverAuth,clientAuth\n");
        run(dir, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
            "/CN=" + name, "-keyout", name + ".key", "-out", name + ".csr");
        run(dir, "openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "365", "-out", name + ".pem", "-extfile", name + ".ext");
        return new TlsFiles(dir.resolve(name + ".pem"), dir.resolve(name + ".key"), dir.resolve("ca.pem"));
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * README: "The client checks the server's name, so a node's certificate must name the address the others dial
     * (subjectAltName)." A node whose certificate (signed by the CA) names only another host is refused by a client
     * dialing 127.0.0.1; the same node with a certificate naming IP:127.0.0.1 serves it.
     */
    @Test
    @Timeout(300)
    void aNodeCertificateNotNamingTheDialedAddressIsRefusedByTheClient(@TempDir final Path dir) throws Exception
    {
        run(dir, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days",
            "365", "-subj", "/CN=regioncache CA", "-keyout", "ca.key", "-out", "ca.pem");
        final TlsFiles wrongName = issue(dir, "n1wrong", "DNS:elsewhere.invalid");
        final TlsFiles rightName = issue(dir, "n1", "IP:127.0.0.1,DNS:localhost");
        final TlsFiles client = issue(dir, "client", "IP:127.0.0.1,DNS:localhost");
        final int[] ports = LocalNodes.freePorts(1);
        final Map<String, String> peers = Map.of("n1", "127.0.0.1:" + ports[0]);
        try (ServedNode n = ServedNode.start("n1", peers, dir.resolve("a"), ServedNode.DEFAULT_BIND, null, wrongName))
        {
            assertTrue(n.node().progress().await(() -> n.node().isLeader(ReplicaNode.ROOT_REGION_ID), 60_000));
            try (RegionClient c = RegionClient.builder(peers).tls(client).retries(2).build())
            {
                final RegionClientException ex = assertThrows(RegionClientException.class,
                    () -> c.put(b("k"), b("v")), "a node certificate naming another host was accepted");
                System.out.println("[blackbox21] wrong server name: " + ex.getMessage());
            }
        }
        try (ServedNode n = ServedNode.start("n1", peers, dir.resolve("b"), ServedNode.DEFAULT_BIND, null, rightName);
            RegionClient c = RegionClient.builder(peers).tls(client).build())
        {
            assertTrue(n.node().progress().await(() -> n.node().isLeader(ReplicaNode.ROOT_REGION_ID), 60_000));
            c.put(b("k"), b("v"));
            assertArrayEquals(b("v"), c.get(b("k")).value());
        }
    }
}
