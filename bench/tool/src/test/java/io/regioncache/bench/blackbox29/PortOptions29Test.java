package io.regioncache.bench.blackbox29;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Running a cluster": "Each entry is `ID=HOST:PORT` with the port in ASCII digits, 1..65535 (`+9101` or
 * another script's digits are refused), each socket address once however it is spelled (`h:9101` and `h:09101` are
 * one address, refused as shared), and no empty entry (a trailing comma included) ... `--http-port` takes ASCII digits
 * too, 0..65535 (0: any free port)." Checked for {@code serve --peers}, {@code serve --http-port} and
 * {@code drive --cluster}/{@code --http} (the same lists).
 * <p>
 * No node is started: an accepted value is seen by a later check failing instead ({@code serve}: an incomplete TLS
 * option set, checked after both port options; {@code drive --cluster}: an {@code --http} list naming other nodes).
 */
@Timeout(60)
class PortOptions29Test
{
    @TempDir
    Path dir;

    private Run29 serve(final String peers, final String httpPort, final boolean tlsSentinel) throws Exception
    {
        final var a = Run29.args("serve", "--id", "n1", "--peers", peers, "--data-dir", dir.resolve("n1").toString());
        if (httpPort != null)
        {
            a.addAll(java.util.List.of("--http-port", httpPort));
        }
        if (tlsSentinel)
        {
            a.addAll(java.util.List.of("--tls-cert", Files.writeString(dir.resolve("c.pem"), "x").toString()));
        }
        return Run29.run(a);
    }

    private void servePortsAccepted(final String peers, final String httpPort) throws Exception
    {
        final Run29 r = serve(peers, httpPort, true);
        assertEquals(2, r.code(), r.all());
        assertTrue(r.message().contains("TLS needs all"), "--peers " + peers + " --http-port " + httpPort +
            " accepted, then the TLS sentinel refused: " + r.all());
        assertTrue(r.out().isEmpty(), r.all());
        assertFalse(Files.exists(dir.resolve("n1")), "nothing made for a refused serve");
    }

    private void serveRefused(final String peers, final String httpPort, final String option) throws Exception
    {
        final Run29 r = serve(peers, httpPort, true);
        assertEquals(2, r.code(), "--peers " + peers + " --http-port " + httpPort + "\n" + r.all());
        assertTrue(r.message().startsWith(option), "a message naming " + option + ": " + r.all());
        assertTrue(r.out().isEmpty(), r.all());
        assertFalse(Files.exists(dir.resolve("n1")), "nothing made for a refused serve");
    }

    @Test
    void httpPortAtItsBoundsAndInOddSpellings() throws Exception
    {
        for (final String v : new String[] {"0", "1", "65535", "09201", "9201"})
        {
            servePortsAccepted("n1=127.0.0.1:9101", v);
        }
        for (final String v : new String[] {"65536", "-1", "+9201", "\u0669\u0662\u0660\u0661", "0x23F1", "9_201",
            " 9201", "9201 ", "9201.0", "", "2147483648", "4294976497", "99999999999"})
        {
            serveRefused("n1=127.0.0.1:9101", v, "--http-port");
        }
    }

    @Test
    void peerPortsAtTheirBoundsAndInOddSpellings() throws Exception
    {
        for (final String v : new String[] {"1", "65535", "09101"})
        {
            servePortsAccepted("n1=127.0.0.1:" + v, null);
        }
        servePortsAccepted("n1=127.0.0.1:9101,n2=127.0.0.1:9102,n3=127.0.0.1:9103", "0");
        for (final String v : new String[] {"0", "00", "65536", "-1", "+9101", "\u0669\u0661\u0660\u0661", "0x238D",
            "9_101", " 9101", "9101.0", "", "2147483648", "4294976397", "99999999999"})
        {
            serveRefused("n1=127.0.0.1:" + v, "0", "--peers");
        }
        // one address however it is spelled, no empty entry
        for (final String peers : new String[] {"n1=127.0.0.1:9101,n2=127.0.0.1:09101",
            "n1=127.0.0.1:9101,n2=127.0.0.1:009101", "n1=127.0.0.1:9101,", "n1=127.0.0.1:9101,,n2=127.0.0.1:9102",
            ",n1=127.0.0.1:9101"})
        {
            serveRefused(peers, "0", "--peers");
        }
    }

    /** {@code drive --cluster} and {@code --http}: the same rules, refused before any connection (exit 2). */
    @Test
    void driveClusterListsFollowTheSameRules()
    {
        for (final String v : new String[] {"1", "65535", "09101"})
        {
            final Run29 r = Run29.run("drive", "--cluster", "n1=127.0.0.1:" + v, "--http", "n2=127.0.0.1:9201",
                "--ops", "10", "--keys", "40", "--progress", "off");
            assertEquals(2, r.code(), r.all());
            assertTrue(r.message().startsWith("--http must name the nodes"), "accepted port " + v + ": " + r.all());
        }
        for (final String v : new String[] {"0", "65536", "+9101", "\u0669\u0661\u0660\u0661", "0x238D", " 9101", ""})
        {
            for (final String which : new String[] {"--cluster", "--http"})
            {
                final String bad = "n1=127.0.0.1:" + v;
                final String good = "n1=127.0.0.1:9101";
                final Run29 r = Run29.run("drive", "--cluster", which.equals("--cluster") ? bad : good, "--http",
                    which.equals("--http") ? bad : good, "--ops", "10", "--keys", "40", "--progress", "off");
                assertEquals(2, r.code(), which + " " + bad + "\n" + r.all());
                assertTrue(r.out().isEmpty(), r.all());
                assertTrue(r.message().contains("127.0.0.1:" + v) || r.message().contains("port"),
                    "a message naming the entry: " + r.all());
            }
        }
    }

    /**
     * A port of ten or more ASCII digits with leading zeros: README "the port in ASCII digits, 1..65535" and
     * "`h:9101` and `h:09101` are one address"; "`--http-port` takes ASCII digits too, 0..65535".
     */
    @Test
    void aPortWithTenDigitsOfLeadingZerosIsStillAPortInRange() throws Exception
    {
        servePortsAccepted("n1=127.0.0.1:0000009101", "0");
        servePortsAccepted("n1=127.0.0.1:9101", "0000009201");
        servePortsAccepted("n1=127.0.0.1:9101", "0000000000");
    }
}
