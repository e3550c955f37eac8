package io.regioncache.bench.drive;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.regioncache.catalog.CatalogEntry;
import io.regioncache.catalog.ChronicleRegionCatalog;
import io.regioncache.Region;

/**
 * {@code regioncache regions --catalog FILE}: print the region catalog a running engine publishes (for instance
 * {@code regioncache drive --catalog FILE} in another process).
 */
@Command(name = "regions", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Print the cached regions from a region catalog file published by a running engine " +
        "(e.g. 'regioncache drive --catalog FILE' in another process).")
public final class RegionsCommand implements Callable<Integer>
{
    /** Hex characters shown of each range bound. */
    private static final int HEX_SHOWN = 12;
    /** Smaller than any Chronicle Map file (its headers alone pass this), so a shorter file is not a catalog. */
    private static final long MIN_CATALOG_BYTES = 4096;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--catalog", required = true, paramLabel = "FILE", description = "The catalog file.")
    Path catalog;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call()
    {
        System.setProperty("chronicle.analytics.disable", "true");
        if (!Files.isRegularFile(catalog))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--catalog: no catalog file at " + catalog);
        }
        // Only read: a file too short to be a Chronicle Map (an empty one, say) is refused before it is opened, since
        // opening creates a map in an empty file and waits up to a minute on a truncated header.
        final long size;
        try
        {
            size = Files.size(catalog);
        }
        catch (final IOException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--catalog: cannot read " + catalog + ": " +
                ex.getMessage());
        }
        if (size < MIN_CATALOG_BYTES)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--catalog: " + catalog +
                " is not a region catalog (" + size + " bytes)");
        }
        if (!Files.isWritable(catalog))
        {
            // Chronicle Map has no read-only mode: it maps the file read-write (and changes nothing in it). Said
            // plainly here rather than as "not a region catalog", which is what its open failure would read as.
            throw new CommandLine.ParameterException(spec.commandLine(), "--catalog: " + catalog +
                " is not writable by this user: Chronicle Map maps a catalog read-write even to read it");
        }
        final List<CatalogEntry> entries;
        try (ChronicleRegionCatalog c = ChronicleRegionCatalog.open(catalog.toFile(), 1024))
        {
            entries = c.read();
        }
        catch (final RuntimeException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--catalog: " + catalog +
                " is not a region catalog: " + ex.getMessage());
        }
        final PrintWriter out = spec.commandLine().getOut();
        final long now = System.currentTimeMillis();
        out.print(json ? toJson(entries, now) : toTable(entries, now));
        out.flush();
        return 0;
    }

    static String abbreviate(final byte[] key, final boolean isEnd)
    {
        if (key.length == 0)
        {
            return isEnd ? "+inf" : "-inf";
        }
        final String h = Region.hex(key);
        return h.length() <= HEX_SHOWN ? h : h.substring(0, HEX_SHOWN) + "..";
    }

    private static String ago(final long now, final long then)
    {
        return String.format(Locale.ROOT, "%.1fs", Math.max(0, now - then) / 1000.0);
    }

    static String toTable(final List<CatalogEntry> entries, final long now)
    {
        final StringBuilder sb = new StringBuilder();
        final String fmt = "%6s  %-34s %6s  %-16s %5s %12s %12s %12s %8s%n";
        sb.append(String.format(Locale.ROOT, fmt, "id", "range", "epoch", "state", "pins", "applied", "gets",
            "scanned", "updated"));
        for (final CatalogEntry e : entries)
        {
            final Region r = e.region();
            sb.append(String.format(Locale.ROOT, fmt, r.id(),
                "[" + abbreviate(r.start(), false) + ", " + abbreviate(r.end(), true) + ")", r.epochVersion(),
                e.state(), e.pins(), Units.count(e.appliedVersion()), Units.count(e.gets()),
                Units.count(e.scanned()), ago(now, e.updatedAtMillis())));
        }
        sb.append(entries.size()).append(" region(s)\n");
        return sb.toString();
    }

    static String toJson(final List<CatalogEntry> entries, final long now)
    {
        final JsonOut j = new JsonOut().beginArray();
        for (final CatalogEntry e : entries)
        {
            final Region r = e.region();
            j.beginObject().field("id", r.id()).field("start", Region.hex(r.start())).field("end", Region.hex(r.end()))
                .field("epoch", r.epochVersion()).field("conf_version", r.confVersion())
                .field("state", e.state().name()).field("pins", e.pins()).field("safe_point", e.safePoint())
                .field("applied_version", e.appliedVersion()).field("gets", e.gets()).field("scanned", e.scanned())
                .field("updated_at_ms", e.updatedAtMillis()).field("updated_ago_ms", Math.max(0, now -
                    e.updatedAtMillis())).endObject();
        }
        return j.endArray().toString() + "\n";
    }
}
