package io.regioncache.bench.blackbox14a;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ratis.LocalNodes;

/**
 * README.md "Running a cluster", with the packaged jar as the README runs it (skipped until
 * {@code bench/target/regioncache.jar} exists):
 * <ul>
 * <li>{@code java -jar bench/target/regioncache.jar serve --id n1 --peers ... --data-dir ... --http-port ...} serves
 * with no JVM flags, answers {@code curl -s 127.0.0.1:PORT/metrics | grep regioncache_raft_}, and "exits once the
 * close is done ... with the JVM's status for the signal: ... 143 after SIGTERM, also after a clean close";</li>
 * <li>{@code io.regioncache.ratis.NodeMain} "needs the same JVM flag as every embedding of the engine ... without it
 * the node stops at start with an {@code IllegalAccessError} on {@code jdk.internal.misc.Unsafe}", and with it a bad
 * option "prints a message and the usage and exits with code 2".</li>
 * </ul>
 */
class JarServe14aTest
{
    private static final Path JAR = Readme14a.ROOT.resolve("bench/target/regioncache.jar");
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    /** A child process whose output is collected, with a future completed when a line starts with a prefix. */
    private static final class Child
    {
        final Process process;
        final StringBuffer output = new StringBuffer();
        final CompletableFuture<Void> seen = new CompletableFuture<>();
        final Thread pump;

        Child(final String prefix, final List<String> cmd) throws IOException
        {
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            pump = new Thread(() ->
            {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8)))
                {
                    for (String line = in.readLine(); line != null; line = in.readLine())
                    {
                        output.append(line).append('\n');
                        if (line.startsWith(prefix))
                        {
                            seen.complete(null);
                        }
                    }
                }
                catch (final IOException ex)
                {
                    output.append(ex).append('\n');
                }
                seen.completeExceptionally(new AssertionError("ended before '" + prefix + "':\n" + output));
            }, "child14a-output");
            pump.start();
        }

        int exit(final long seconds) throws InterruptedException
        {
            assertTrue(process.waitFor(seconds, TimeUnit.SECONDS), "did not exit in " + seconds + " s:\n" + output);
            pump.join(10_000);
            return process.exitValue();
        }
    }

    @Test
    @Timeout(120)
    void serveFromTheJarAnswersMetricsAndExits143OnSigterm(@TempDir final Path dir) throws Exception
    {
        assumeTrue(Files.isRegularFile(JAR), "no " + JAR + " yet");
        final int[] ports = LocalNodes.freePorts(2);
        final Child serve = new Child("node n1 serving", List.of(JAVA, "-Xmx256m", "-jar", JAR.toString(), "serve",
            "--id", "n1", "--peers", "n1=127.0.0.1:" + ports[0], "--data-dir", dir.resolve("rc/n1").toString(),
            "--http-port", Integer.toString(ports[1])));
        try
        {
            serve.seen.get(90, TimeUnit.SECONDS);
            final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            final String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[1] +
                "/metrics")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("regioncache_raft_")),
                "curl ... /metrics | grep regioncache_raft_ prints something:\n" + metrics);
            serve.process.destroy(); // SIGTERM
            assertEquals(143, serve.exit(90), "serve's exit status after SIGTERM:\n" + serve.output);
        }
        finally
        {
            serve.process.destroyForcibly();
        }
    }

    @Test
    @Timeout(120)
    void nodeMainNeedsTheExportAndRefusesABadOptionWithExit2(@TempDir final Path dir) throws Exception
    {
        assumeTrue(Files.isRegularFile(JAR), "no " + JAR + " yet");
        final int[] ports = LocalNodes.freePorts(1);
        final List<String> args = List.of("io.regioncache.ratis.NodeMain", "--id", "n1", "--peers",
            "n1=127.0.0.1:" + ports[0], "--data-dir", dir.resolve("n1").toString());
        final List<String> noFlag = new ArrayList<>(List.of(JAVA, "-Xmx256m", "-cp", JAR.toString()));
        noFlag.addAll(args);
        final Child bare = new Child("\u0000", noFlag);
        try
        {
            final int code = bare.exit(40);
            assertTrue(code != 0 && bare.output.toString().contains("IllegalAccessError") &&
                bare.output.toString().contains("jdk.internal.misc"),
                "without --add-exports: exit " + code + "\n" + bare.output);
        }
        finally
        {
            bare.process.destroyForcibly();
        }
        final Child bad = new Child("\u0000", List.of(JAVA, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-cp", JAR.toString(), "io.regioncache.ratis.NodeMain", "--id", "n1", "--frobnicate", "x"));
        assertEquals(2, bad.exit(60), bad.output.toString());
        assertTrue(bad.output.toString().contains("usage: NodeMain"), bad.output.toString());
    }
}
