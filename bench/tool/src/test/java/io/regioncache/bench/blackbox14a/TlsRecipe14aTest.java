package io.regioncache.bench.blackbox14a;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.bench.drive.RegionCacheTool;
import io.regioncache.bench.drive.ServeCommand;
import io.regioncache.ratis.LocalNodes;
import picocli.CommandLine;

/**
 * README.md "Mutual TLS": the {@code openssl} recipe, run exactly as the README prints it, makes files that
 * {@code serve --tls-cert --tls-key --tls-ca} and {@code drive --cluster ... --tls-cert client.pem ...} accept, and
 * the nodes then form a TLS cluster the drive passes against; the HTTP endpoint answers the README's {@code curl}
 * lines ({@code /metrics} with {@code regioncache_raft_} series, {@code /regions} as
 * {@code {"node":..., "cached_regions":[...], "replicas":[...]}}). The project's own TLS tests make their
 * certificates with BouncyCastle, so nothing else checks the recipe. Skipped where bash or openssl is missing.
 */
class TlsRecipe14aTest
{
    private static boolean onPath(final String tool)
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        {
            if (Files.isExecutable(Path.of(dir, tool)))
            {
                return true;
            }
        }
        return false;
    }

    /** @return the README's openssl block, up to the serve line that follows it. */
    private static String recipe()
    {
        final String readme = Readme14a.text();
        final int at = readme.indexOf("openssl req -x509");
        assertTrue(at > 0, "the README's openssl recipe");
        final int end = readme.indexOf("java -jar bench/target/regioncache.jar serve", at);
        assertTrue(end > at, "the serve line after the recipe");
        return readme.substring(at, end);
    }

    /** One serve command of the tool, on a thread of its own, as main runs it. */
    private static final class Serve
    {
        final ServeCommand command;
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final AtomicInteger exit = new AtomicInteger(-1);
        final Thread thread;

        Serve(final String... args)
        {
            final CommandLine cl = RegionCacheTool.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            command = cl.getSubcommands().get("serve").getCommand();
            thread = new Thread(() -> exit.set(cl.execute(args)), "serve14a-" + args[2]);
            thread.start();
        }

        Object field(final String name) throws ReflectiveOperationException
        {
            final Field f = ServeCommand.class.getDeclaredField(name);
            f.setAccessible(true);
            return f.get(command);
        }

        void awaitStarted() throws Exception
        {
            final CompletableFuture<?> started = (CompletableFuture<?>)field("started");
            try
            {
                started.get(60, TimeUnit.SECONDS);
            }
            catch (final Exception ex)
            {
                throw new AssertionError("serve did not start: " + ex + "\n" + out + err, ex);
            }
        }

        void stop() throws Exception
        {
            ((CountDownLatch)field("stop")).countDown();
        }
    }

    @Test
    @Timeout(180)
    void theOpensslRecipeMakesFilesServeAndDriveAccept(@TempDir final Path dir) throws Exception
    {
        assumeTrue(onPath("bash") && onPath("openssl"), "bash and openssl");
        final Path script = Files.writeString(dir.resolve("recipe.sh"), "set -e\n" + recipe());
        final Process p = new ProcessBuilder("bash", script.toString()).directory(dir.toFile())
            .redirectErrorStream(true).redirectOutput(dir.resolve("recipe.log").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the recipe ran in time");
        assertEquals(0, p.exitValue(), () -> "the README's openssl recipe: " + read(dir.resolve("recipe.log")));
        for (final String n : List.of("n1", "n2", "n3", "client"))
        {
            assertTrue(Files.readString(dir.resolve(n + ".pem")).startsWith("-----BEGIN CERTIFICATE-----"), n);
            assertTrue(Files.readString(dir.resolve(n + ".key")).startsWith("-----BEGIN PRIVATE KEY-----"),
                n + ".key is PKCS#8, as the README says the nodes need");
        }

        final int[] ports = LocalNodes.freePorts(6);
        final StringBuilder peers = new StringBuilder();
        final StringBuilder http = new StringBuilder();
        for (int i = 0; i < 3; i++)
        {
            peers.append(i == 0 ? "" : ",").append("n").append(i + 1).append("=127.0.0.1:").append(ports[i]);
            http.append(i == 0 ? "" : ",").append("n").append(i + 1).append("=127.0.0.1:").append(ports[3 + i]);
        }
        final List<Serve> nodes = new ArrayList<>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                final String n = "n" + (i + 1);
                nodes.add(new Serve("serve", "--id", n, "--peers", peers.toString(), "--data-dir",
                    dir.resolve("rc").resolve(n).toString(), "--http-port", Integer.toString(ports[3 + i]),
                    "--tls-cert", dir.resolve(n + ".pem").toString(), "--tls-key", dir.resolve(n + ".key").toString(),
                    "--tls-ca", dir.resolve("ca.pem").toString()));
            }
            for (final Serve s : nodes)
            {
                s.awaitStarted();
                assertTrue(s.out.toString().contains("mutual TLS"), s.out.toString());
            }

            final StringWriter out = new StringWriter();
            final StringWriter err = new StringWriter();
            final CommandLine cl = RegionCacheTool.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            final int code = cl.execute("drive", "--cluster", peers.toString(), "--http", http.toString(), "--ops",
                "100", "--keys", "400", "--regions", "2", "--tls-cert", dir.resolve("client.pem").toString(),
                "--tls-key", dir.resolve("client.key").toString(), "--tls-ca", dir.resolve("ca.pem").toString());
            assertEquals(0, code, () -> "drive --cluster over TLS with the recipe's client certificate:\n" + out + err);

            // curl -s 127.0.0.1:9201/metrics | grep regioncache_raft_ ; curl -s 127.0.0.1:9201/regions
            final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            final String metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[3] +
                "/metrics")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("regioncache_raft_role{")), metrics);
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("regioncache_raft_applied_index{")), metrics);
            final String regions = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[3] +
                "/regions")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(regions.startsWith("{\"node\":") && regions.contains("\"cached_regions\":[") &&
                regions.contains("\"replicas\":["), regions);
        }
        finally
        {
            for (final Serve s : nodes)
            {
                s.stop();
            }
            for (final Serve s : nodes)
            {
                s.thread.join(60_000);
            }
        }
        for (final Serve s : nodes)
        {
            assertEquals(0, s.exit.get(), s.err.toString());
        }
    }

    private static String read(final Path p)
    {
        try
        {
            return Files.readString(p);
        }
        catch (final java.io.IOException ex)
        {
            return ex.toString();
        }
    }
}
