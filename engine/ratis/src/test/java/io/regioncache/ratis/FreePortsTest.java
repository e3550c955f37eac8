package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/**
 * {@link LocalNodes#freePorts}: the ports a cluster's nodes are told to bind. A CI run lost a whole test JVM when two
 * nodes were handed the same port (Ratis exits the JVM when its gRPC server cannot bind), so: distinct ports, below the
 * kernel's ephemeral range (where outgoing connections take their local ports), and each bindable once returned.
 */
class FreePortsTest
{
    @Test
    void portsAreDistinctBelowTheEphemeralRangeAndBindable() throws Exception
    {
        final int[] ports = LocalNodes.freePorts(64);
        assertEquals(64, Arrays.stream(ports).distinct().count(), Arrays.toString(ports));
        final Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (Files.isReadable(range))
        {
            // Line by line: readAllBytes of this 0-size file returns its first byte only ("3" for "32768 60999").
            final int low = Integer.parseInt(
                Files.readAllLines(range, StandardCharsets.US_ASCII).get(0).trim().split("\\s+")[0]);
            assertTrue(low >= 1024, "the range's start read whole: " + low);
            for (final int port : ports)
            {
                assertTrue(port < low || low - 10_000 < 1_000, port + " is in the ephemeral range from " + low);
            }
        }
        for (final int port : ports)
        {
            try (ServerSocket s = new ServerSocket())
            {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            }
        }
    }
}
