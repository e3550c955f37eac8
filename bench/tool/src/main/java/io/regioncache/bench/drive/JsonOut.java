package io.regioncache.bench.drive;

import java.util.Locale;
import java.util.Map;

/**
 * A minimal streaming JSON writer (objects, arrays, strings, numbers, booleans), pretty-printed with two-space
 * indentation. Non-finite doubles are written as {@code null}.
 */
final class JsonOut
{
    private final StringBuilder sb = new StringBuilder();
    private int depth;
    private boolean first = true;

    JsonOut beginObject()
    {
        value();
        sb.append('{');
        depth++;
        first = true;
        return this;
    }

    JsonOut endObject()
    {
        return end('}');
    }

    JsonOut beginArray()
    {
        value();
        sb.append('[');
        depth++;
        first = true;
        return this;
    }

    JsonOut endArray()
    {
        return end(']');
    }

    private JsonOut end(final char c)
    {
        depth--;
        if (!first)
        {
            newline();
        }
        sb.append(c);
        first = false;
        return this;
    }

    JsonOut name(final String name)
    {
        separator();
        string(name);
        sb.append(": ");
        pendingName = true;
        return this;
    }

    private boolean pendingName;

    private void separator()
    {
        if (!first)
        {
            sb.append(',');
        }
        if (depth > 0)
        {
            newline();
        }
        first = false;
    }

    private void value()
    {
        if (pendingName)
        {
            pendingName = false;
            return;
        }
        separator();
    }

    private void newline()
    {
        sb.append('\n');
        for (int i = 0; i < depth; i++)
        {
            sb.append("  ");
        }
    }

    JsonOut value(final String s)
    {
        value();
        if (s == null)
        {
            sb.append("null");
        }
        else
        {
            string(s);
        }
        first = false;
        return this;
    }

    JsonOut value(final long n)
    {
        value();
        sb.append(n);
        first = false;
        return this;
    }

    JsonOut value(final double d)
    {
        value();
        if (Double.isFinite(d))
        {
            sb.append(java.math.BigDecimal.valueOf(d).setScale(4, java.math.RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString());
        }
        else
        {
            sb.append("null");
        }
        first = false;
        return this;
    }

    JsonOut value(final boolean b)
    {
        value();
        sb.append(b);
        first = false;
        return this;
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

    private void string(final String s)
    {
        sb.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                default:
                    if (c < 0x20)
                    {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString()
    {
        return sb.toString();
    }
}
