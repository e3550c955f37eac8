package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README: "{@code io.regioncache.ratis.NodeMain} takes the same options" as {@code serve}, whose bad values are refused
 * with a message and exit code 2. Each case runs NodeMain in a child JVM (it calls {@code System.exit}); none of them
 * gets as far as binding a port. (Written when an option at the end without its value was silently ignored and a bad
 * {@code --http-port}, {@code --peers} or TLS set ended in a stack trace.)
 */
class NodeMainOptionsTest
{
    private static final String PEERS = "n1=127.0.0.1:1,n2=127.0.0.1:2,n3=127.0.0.1:3";

    @Test
    void badOptionsExitTwoWithAMessage(@TempDir final Path dir) throws Exception
    {
        final String data = dir.resolve("n1").toString();
        expectUsageError("needs a value", "--id", "n1", "--peers", PEERS, "--data-dir", data, "--http-port");
        expectUsageError("unknown option --nope", "--id", "n1", "--peers", PEERS, "--data-dir", data, "--nope", "x");
        expectUsageError("unknown option --nope", "--id", "n1", "--peers", PEERS, "--data-dir", data, "--nope");
        expectUsageError("not a port number", "--id", "n1", "--peers", PEERS, "--data-dir", data, "--http-port", "x");
        expectUsageError("outside 0..65535", "--id", "n1", "--peers", PEERS, "--data-dir", data, "--http-port", "70000");
        // ASCII digits only, as for --peers ports (a sign and another script's digits parsed as 9201 until 2026-12-07).
        expectUsageError("not a port number", "--id", "n1", "--peers", PEERS, "--data-dir", data, "--http-port", "+9201");
        expectUsageError("not a port number", "--id", "n1", "--peers", PEERS, "--data-dir", data, "--http-port",
            "\u0669\u0662\u0660\u0661");
        expectUsageError("not ID=HOST:PORT", "--id", "n1", "--peers", "n1", "--data-dir", data);
        expectUsageError("is not among --peers", "--id", "n9", "--peers", PEERS, "--data-dir", data);
        expectUsageError("are required", "--id", "n1", "--peers", PEERS);
        expectUsageError("--tls-", "--id", "n1", "--peers", PEERS, "--data-dir", data, "--tls-cert", "c.pem");
    }

    private static void expectUsageError(final String message, final String... args)
        throws IOException, InterruptedException
    {
        final String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", cp, NodeMain.class.getName()));
        command.addAll(List.of(args));
        // Output to a file, not a pipe read to its end: a node that wrongly starts serving never closes the pipe, and
        // the read would hang the test instead of failing it (seen with "--http-port +9201" before it was refused).
        final Path log = java.nio.file.Files.createTempFile("nodemain-options", ".log");
        final Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        final boolean exited = child.waitFor(60, TimeUnit.SECONDS);
        if (!exited)
        {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        final String out = java.nio.file.Files.readString(log, StandardCharsets.UTF_8);
        java.nio.file.Files.deleteIfExists(log);
        assertTrue(exited, "NodeMain did not exit: " + List.of(args) + ": " + out);
        assertEquals(2, child.exitValue(), List.of(args) + ": " + out);
        assertTrue(out.contains(message) && out.contains("usage: NodeMain"), List.of(args) + ": " + out);
    }
}
