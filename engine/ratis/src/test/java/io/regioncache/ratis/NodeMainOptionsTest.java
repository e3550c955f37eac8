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
        final Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "NodeMain did not exit: " + List.of(args));
        assertEquals(2, child.exitValue(), List.of(args) + ": " + out);
        assertTrue(out.contains(message) && out.contains("usage: NodeMain"), List.of(args) + ": " + out);
    }
}
