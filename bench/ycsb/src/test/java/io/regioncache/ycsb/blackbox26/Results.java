package io.regioncache.ycsb.blackbox26;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.codehaus.jackson.JsonNode;
import org.codehaus.jackson.map.ObjectMapper;

/** The documented {@code ycsb-results.json} of an {@code --out} directory, read as plain JSON. */
final class Results
{
    final JsonNode doc;

    Results(final Path file) throws IOException
    {
        doc = new ObjectMapper().readTree(file.toFile());
    }

    /** @return the result rows of a system, in run order. */
    List<JsonNode> rows(final String system)
    {
        final List<JsonNode> l = new ArrayList<>();
        for (final JsonNode r : doc.get("results"))
        {
            if (system.equals(r.get("system").getTextValue()))
            {
                l.add(r);
            }
        }
        return l;
    }

    JsonNode row(final String system, final String workload)
    {
        for (final JsonNode r : rows(system))
        {
            if (workload.equals(r.get("workload").getTextValue()))
            {
                return r;
            }
        }
        throw new AssertionError("no row " + system + " " + workload + " in " + doc);
    }

    /** @return how many operations of {@code op} (INSERT, UPDATE, ...) the row counted, 0 if none. */
    static long count(final JsonNode row, final String op)
    {
        final JsonNode o = row.get("ops").get(op);
        return o == null ? 0 : o.get("count").getLongValue();
    }

    /** @return the Return=OK count of {@code op}, 0 if none. */
    static long ok(final JsonNode row, final String op)
    {
        final JsonNode o = row.get("ops").get(op);
        return o == null || o.get("returns").get("OK") == null ? 0 : o.get("returns").get("OK").getLongValue();
    }
}
