package io.regioncache.bench.drive;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

import com.google.gson.stream.JsonWriter;

/**
 * The report's JSON, written by Gson's streaming {@link JsonWriter} (pretty-printed, two-space indentation). This
 * class only adds the report's conventions: chained calls, {@code field(name, value)} shorthands, and non-finite
 * doubles written as {@code null} (a percentile of an empty histogram) instead of failing the report.
 */
final class JsonOut
{
    private final StringWriter out = new StringWriter();
    private final JsonWriter w = new JsonWriter(out);

    JsonOut()
    {
        w.setIndent("  ");
        w.setHtmlSafe(false);
    }

    JsonOut beginObject()
    {
        return io(() -> w.beginObject());
    }

    JsonOut endObject()
    {
        return io(() -> w.endObject());
    }

    JsonOut beginArray()
    {
        return io(() -> w.beginArray());
    }

    JsonOut endArray()
    {
        return io(() -> w.endArray());
    }

    JsonOut name(final String name)
    {
        return io(() -> w.name(name));
    }

    JsonOut value(final String s)
    {
        return io(() -> w.value(s));
    }

    JsonOut value(final long n)
    {
        return io(() -> w.value(n));
    }

    JsonOut value(final double d)
    {
        return io(() ->
        {
            if (Double.isFinite(d))
            {
                w.value(d);
            }
            else
            {
                w.nullValue();
            }
        });
    }

    JsonOut value(final boolean b)
    {
        return io(() -> w.value(b));
    }

    JsonOut value(final Number n)
    {
        if (n instanceof Double || n instanceof Float)
        {
            return value(n.doubleValue());
        }
        return value(n.longValue());
    }

    JsonOut field(final String name, final String v)
    {
        return name(name).value(v);
    }

    JsonOut field(final String name, final long v)
    {
        return name(name).value(v);
    }

    JsonOut field(final String name, final double v)
    {
        return name(name).value(v);
    }

    JsonOut field(final String name, final boolean v)
    {
        return name(name).value(v);
    }

    JsonOut object(final String name, final Map<String, ? extends Number> values)
    {
        name(name).beginObject();
        for (final Map.Entry<String, ? extends Number> e : values.entrySet())
        {
            name(e.getKey()).value(e.getValue());
        }
        return endObject();
    }

    private JsonOut io(final Write write)
    {
        try
        {
            write.run();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex); // a StringWriter never fails; kept for the signature
        }
        return this;
    }

    @Override
    public String toString()
    {
        try
        {
            w.flush();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return out.toString();
    }

    @FunctionalInterface
    private interface Write
    {
        void run() throws IOException;
    }
}
