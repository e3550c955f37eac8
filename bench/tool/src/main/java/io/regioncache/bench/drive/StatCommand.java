package io.regioncache.bench.drive;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import io.regioncache.CountersFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code regioncache stat --file F}: print the counters a running engine publishes to a memory-mapped file
 * ({@code RegionCacheConfig.Builder.countersFile}, or {@code drive --counters F}) without stopping it, as Aeron's
 * {@code AeronStat} reads a driver. {@code --watch} repeats every second.
 */
@Command(name = "stat", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Print an engine's counters from its memory-mapped counters file, from another process.")
public final class StatCommand implements Callable<Integer>
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--file", required = true, paramLabel = "FILE", description = "The counters file.")
    Path file;

    @Option(names = "--filter", paramLabel = "PREFIX", description = "Only counters whose name starts with this.")
    String filter = "";

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Option(names = "--watch", description = "Print again every second until interrupted.")
    boolean watch;

    @Override
    public Integer call() throws InterruptedException
    {
        final PrintWriter out = spec.commandLine().getOut();
        do
        {
            final Map<String, Long> counters;
            try
            {
                counters = CountersFile.read(file);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--file: " + ex.getMessage());
            }
            out.print(json ? toJson(counters) : toTable(counters, System.currentTimeMillis()));
            out.flush();
            if (watch)
            {
                Thread.sleep(1000);
            }
        }
        while (watch);
        return 0;
    }

    private String toJson(final Map<String, Long> counters)
    {
        final JsonOut j = new JsonOut().beginObject();
        counters.forEach((k, v) ->
        {
            if (k.startsWith(filter))
            {
                j.field(k, v);
            }
        });
        return j.endObject() + System.lineSeparator();
    }

    private String toTable(final Map<String, Long> counters, final long now)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "pid %d, updated %.1fs ago%n", counters.get("file.pid"),
            Math.max(0, now - counters.get("file.updated_ms")) / 1000.0));
        for (final Map.Entry<String, Long> e : counters.entrySet())
        {
            if (!e.getKey().startsWith("file.") && e.getKey().startsWith(filter))
            {
                sb.append(String.format(Locale.ROOT, "%-48s %,20d%n", e.getKey(), e.getValue()));
            }
        }
        return sb.toString();
    }
}
