package io.regioncache.ratis.blackbox21;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.NodeMain;

/**
 * README "Running a cluster": {@code NodeMain} as a child JVM, as the README runs it: signals and start failures.
 */
class NodeMainProcessTest
{
    private static List<String> command(final boolean defaultSigint, final String... args)
    {
        final String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final List<String> c = new ArrayList<>();
        if (defaultSigint && Files.isExecutable(Path.of("/usr/bin/env")))
        {
            // A JVM forked from a background job inherits SIGINT ignored and then never handles Ctrl-C; a terminal's
            // foreground process has the default disposition, which this restores.
            c.addAll(List.of("/usr/bin/env", "--default-signal=INT"));
        }
        c.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m", "-cp", cp, NodeMain.class.getName()));
        c.addAll(List.of(args));
        return c;
    }

    /** Starts NodeMain, waits for its "node n1 serving" line, sends the signal, returns the exit code. */
    private static int serveThenSignal(final Path dir, final String signal) throws Exception
    {
        final int[] ports = LocalNodes.freePorts(2);
        final Process child = new ProcessBuilder(command("INT".equals(signal), "--id", "n1", "--peers",
            "n1=127.0.0.1:" + ports[0], "--data-dir", dir.resolve("n1").toString(), "--http-port",
            Integer.toString(ports[1]))).redirectErrorStream(true).start();
        final StringBuffer out = new StringBuffer();
        final CountDownLatch serving = new CountDownLatch(1);
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                for (String line; (line = r.readLine()) != null; )
                {
                    out.append(line).append('\n');
                    if (line.startsWith("node n1 serving"))
                    {
                        serving.countDown();
                    }
                }
            }
            catch (final IOException ex)
            {
                out.append(ex).append('\n');
            }
        }, "blackbox21-nodemain-output");
        reader.setDaemon(true);
        reader.start();
        try
        {
            assertTrue(serving.await(90, TimeUnit.SECONDS), "NodeMain serving: " + out);
            final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor(), "kill -" + signal);
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "NodeMain exits after SIG" + signal + ": " + out);
            reader.join(10_000);
            System.out.println("[blackbox21] SIG" + signal + " exit " + child.exitValue() + "\n" + out);
            return child.exitValue();
        }
        finally
        {
            if (child.isAlive())
            {
                child.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * README: "Ctrl-C (SIGINT) or SIGTERM closes the node (Ratis takes a snapshot as it stops), and the process exits
     * once the close is done ..., with the JVM's status for the signal: 130 after Ctrl-C, 143 after SIGTERM, also
     * after a clean close." and "SIGTERM waits for the node's close at most 60 s, as serve does" (NodeMain).
     */
    @Test
    @Timeout(300)
    void sigtermExitsWith143AfterTheClose(@TempDir final Path dir) throws Exception
    {
        assertEquals(143, serveThenSignal(dir, "TERM"));
    }

    /** README: "Ctrl-C (SIGINT) or SIGTERM closes the node ... 130 after Ctrl-C". */
    @Test
    @Timeout(300)
    void sigintExitsWith130AfterTheClose(@TempDir final Path dir) throws Exception
    {
        assertEquals(130, serveThenSignal(dir, "INT"));
    }

    private static String runToEnd(final List<String> command) throws Exception
    {
        final Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        final StringBuffer out = new StringBuffer();
        final Thread reader = new Thread(() ->
        {
            try
            {
                out.append(new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            catch (final IOException ex)
            {
                out.append(ex);
            }
        });
        reader.setDaemon(true);
        reader.start();
        try
        {
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "NodeMain still running after its start failed: " + out);
            reader.join(10_000);
            assertNotEquals(0, child.exitValue(), "exit code of a failed start: " + out);
            assertNotEquals(2, child.exitValue(), "a start failure is not a usage error: " + out);
            return out.toString();
        }
        finally
        {
            if (child.isAlive())
            {
                child.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * README: "A node whose HTTP port is in use fails to start with an IOException and leaves no socket open", and
     * "serve and NodeMain print it and exit non-zero" (for a start that fails): NodeMain with its HTTP port taken
     * exits (it does not keep running as a Raft node without its endpoint) with the IOException printed, and its
     * Raft port is free afterwards.
     */
    @Test
    @Timeout(300)
    void nodeMainWithItsHttpPortInUseExitsNonZero(@TempDir final Path dir) throws Exception
    {
        final int[] ports = LocalNodes.freePorts(2);
        try (ServerSocket taken = new ServerSocket())
        {
            taken.bind(new InetSocketAddress("127.0.0.1", ports[1]));
            final String out = runToEnd(command(false, "--id", "n1", "--peers", "n1=127.0.0.1:" + ports[0],
                "--data-dir", dir.resolve("n1").toString(), "--http-port", Integer.toString(ports[1])));
            assertTrue(out.contains("IOException") || out.contains("BindException"), out);
        }
        try (ServerSocket s = new ServerSocket())
        {
            s.bind(new InetSocketAddress("127.0.0.1", ports[0])); // the Raft port is free again
        }
    }

    /**
     * README: "ReplicaNode.start refuses a Raft port it cannot bind with an IOException before it opens anything
     * (Ratis itself would System.exit the JVM)", and NodeMain prints it and exits non-zero.
     */
    @Test
    @Timeout(300)
    void nodeMainWithItsRaftPortInUseExitsNonZeroWithTheIOException(@TempDir final Path dir) throws Exception
    {
        final int[] ports = LocalNodes.freePorts(1);
        try (ServerSocket taken = new ServerSocket())
        {
            taken.bind(new InetSocketAddress("127.0.0.1", ports[0]));
            final String out = runToEnd(command(false, "--id", "n1", "--peers", "n1=127.0.0.1:" + ports[0],
                "--data-dir", dir.resolve("n1").toString()));
            assertTrue(out.contains("IOException") && out.contains("cannot bind its Raft address"), out);
        }
    }

    /**
     * README: NodeMain "needs the same JVM flag as every embedding of the engine (java --add-exports
     * java.base/jdk.internal.misc=ALL-UNNAMED -cp bench/target/regioncache.jar io.regioncache.ratis.NodeMain ...;
     * without it the node stops at start with an IllegalAccessError on jdk.internal.misc.Unsafe ...)".
     */
    @Test
    @Timeout(300)
    void withoutTheExportTheNodeStopsAtStartWithAnIllegalAccessError(@TempDir final Path dir) throws Exception
    {
        final int[] ports = LocalNodes.freePorts(1);
        final String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final String out = runToEnd(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m", "-cp", cp, NodeMain.class.getName(), "--id", "n1", "--peers", "n1=127.0.0.1:" + ports[0],
            "--data-dir", dir.resolve("n1").toString()));
        System.out.println("[blackbox21] without --add-exports:\n" + out.substring(0, Math.min(out.length(), 3000)));
        assertTrue(out.contains("IllegalAccessError") && out.contains("jdk.internal.misc"), out);
    }
}
