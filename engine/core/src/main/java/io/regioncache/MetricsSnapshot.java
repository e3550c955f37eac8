package io.regioncache;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A point-in-time copy of the engine's metrics as a flat, ordered map of names to numbers, for reports, JSON and
 * metrics registries. Names are stable and dotted, e.g. {@code regions.ACTIVE}, {@code transitions.made.LOADING->ACTIVE},
 * {@code snapshot.failures.TOO_OLD_READ}, {@code memory.used}, {@code load.duration.mean_ms}.
 */
public final class MetricsSnapshot
{
    private final Map<String, Number> values;

    /**
     * @param values the metrics, in display order (copied).
     */
    public MetricsSnapshot(final Map<String, Number> values)
    {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** @return every metric, in display order. */
    public Map<String, Number> values()
    {
        return values;
    }

    /**
     * @param name a metric name.
     * @return its value as a long, 0 if absent.
     */
    public long get(final String name)
    {
        final Number n = values.get(name);
        return n == null ? 0 : n.longValue();
    }

    /**
     * @return the metrics as one JSON object (RFC 8259): names escaped as JSON strings, a non-finite number (which
     * JSON cannot write) as {@code null}.
     */
    public String toJson()
    {
        final StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        for (final Map.Entry<String, Number> e : values.entrySet())
        {
            if (!first)
            {
                sb.append(',');
            }
            first = false;
            appendJsonString(sb, e.getKey());
            sb.append(':');
            final Number n = e.getValue();
            final boolean finite = !(n instanceof Double || n instanceof Float) || Double.isFinite(n.doubleValue());
            sb.append(n == null || !finite ? "null" : n.toString());
        }
        return sb.append('}').toString();
    }

    private static void appendJsonString(final StringBuilder sb, final String s)
    {
        sb.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (c == '"' || c == '\\')
            {
                sb.append('\\').append(c);
            }
            else if (c < 0x20)
            {
                sb.append(String.format("\\u%04x", (int)c));
            }
            else
            {
                sb.append(c);
            }
        }
        sb.append('"');
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Map.Entry<String, Number> e : values.entrySet())
        {
            sb.append(e.getKey()).append(" = ").append(e.getValue()).append('\n');
        }
        return sb.toString();
    }
}
