package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import picocli.CommandLine;

import io.regioncache.ratis.LocalNodes;

/**
 * One {@code regioncache serve} command run through the tool's command line in this JVM, on its own thread as
 * {@code main} would run it; {@link #stop} ends it as SIGTERM would.
 */
final class RunningServe
{
    final ServeCommand command;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final AtomicInteger exit = new AtomicInteger(-1);
    final Thread thread;

    RunningServe(final String... args)
    {
        final CommandLine cl = RegionCacheTool.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        command = cl.getSubcommands().get("serve").getCommand();
        thread = new Thread(() -> exit.set(cl.execute(args)), "serve-" + args[2]);
        thread.start();
    }

    /** Wait (60 s at most) until the node serves ({@link ServeCommand#started}), or fail with what it printed. */
    void awaitStarted() throws InterruptedException
    {
        try
        {
            assertNotNull(command.started.get(60, TimeUnit.SECONDS));
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            fail("node did not start: " + ex + "\n" + err, ex);
        }
        assertTrue(out.toString().contains("/metrics and /regions"), out.toString());
    }

    void stop()
    {
        command.stop.countDown();
    }

    /** Stop every node, then wait for each to exit. */
    static void stopAll(final List<RunningServe> nodes) throws InterruptedException
    {
        for (final RunningServe r : nodes)
        {
            r.stop();
        }
        for (final RunningServe r : nodes)
        {
            r.thread.join(60_000);
        }
    }

    /** @return n1..nN on free 127.0.0.1 ports. */
    static Map<String, String> freePeers(final int n) throws IOException
    {
        final Map<String, String> peers = new LinkedHashMap<>();
        final int[] ports = LocalNodes.freePorts(n); // distinct, and outside the ephemeral range
        for (int i = 1; i <= n; i++)
        {
            peers.put("n" + i, "127.0.0.1:" + ports[i - 1]);
        }
        return peers;
    }

    /** @return {@code ID=HOST:PORT,...}. */
    static String list(final Map<String, String> peers)
    {
        final StringBuilder b = new StringBuilder();
        peers.forEach((id, a) -> b.append(b.length() == 0 ? "" : ",").append(id).append('=').append(a));
        return b.toString();
    }
}
