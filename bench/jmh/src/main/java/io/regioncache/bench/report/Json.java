package io.regioncache.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal JSON reader (objects become {@link LinkedHashMap}, arrays {@link ArrayList}, numbers {@link Double},
 * plus String, Boolean and null): enough for JMH's {@code -rf json} output, with no dependency.
 */
final class Json
{
    private final String s;
    private int at;

    private Json(final String s)
    {
        this.s = s;
    }

    static Object parse(final String text)
    {
        final Json j = new Json(text);
        j.ws();
        final Object v = j.value();
        j.ws();
        if (j.at != j.s.length())
        {
            throw j.error("trailing characters");
        }
        return v;
    }

    private IllegalArgumentException error(final String what)
    {
        return new IllegalArgumentException("JSON: " + what + " at offset " + at);
    }

    private void ws()
    {
        while (at < s.length() && Character.isWhitespace(s.charAt(at)))
        {
            at++;
        }
    }

    private Object value()
    {
        if (at >= s.length())
        {
            throw error("unexpected end");
        }
        final char c = s.charAt(at);
        switch (c)
        {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                return number();
        }
    }

    private Object literal(final String word, final Object v)
    {
        if (!s.startsWith(word, at))
        {
            throw error("bad literal");
        }
        at += word.length();
        return v;
    }

    private Map<String, Object> object()
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        at++;
        ws();
        if (s.charAt(at) == '}')
        {
            at++;
            return m;
        }
        while (true)
        {
            ws();
            final String k = string();
            ws();
            expect(':');
            ws();
            m.put(k, value());
            ws();
            if (s.charAt(at) == ',')
            {
                at++;
                continue;
            }
            expect('}');
            return m;
        }
    }

    private List<Object> array()
    {
        final List<Object> l = new ArrayList<>();
        at++;
        ws();
        if (s.charAt(at) == ']')
        {
            at++;
            return l;
        }
        while (true)
        {
            ws();
            l.add(value());
            ws();
            if (s.charAt(at) == ',')
            {
                at++;
                continue;
            }
            expect(']');
            return l;
        }
    }

    private void expect(final char c)
    {
        if (at >= s.length() || s.charAt(at) != c)
        {
            throw error("expected '" + c + "'");
        }
        at++;
    }

    private String string()
    {
        expect('"');
        final StringBuilder b = new StringBuilder();
        while (true)
        {
            if (at >= s.length())
            {
                throw error("unterminated string");
            }
            final char c = s.charAt(at++);
            if (c == '"')
            {
                return b.toString();
            }
            if (c != '\\')
            {
                b.append(c);
                continue;
            }
            final char e = s.charAt(at++);
            switch (e)
            {
                case 'n':
                    b.append('\n');
                    break;
                case 't':
                    b.append('\t');
                    break;
                case 'r':
                    b.append('\r');
                    break;
                case 'b':
                    b.append('\b');
                    break;
                case 'f':
                    b.append('\f');
                    break;
                case 'u':
                    b.append((char)Integer.parseInt(s.substring(at, at + 4), 16));
                    at += 4;
                    break;
                default:
                    b.append(e);
            }
        }
    }

    private Double number()
    {
        final int start = at;
        while (at < s.length() && "+-0123456789.eE".indexOf(s.charAt(at)) >= 0)
        {
            at++;
        }
        if (start == at)
        {
            throw error("unexpected character '" + s.charAt(at) + "'");
        }
        return Double.valueOf(s.substring(start, at));
    }

    /** @return the double value of a JSON number or a numeric string such as JMH's "NaN"; NaN otherwise. */
    static double num(final Object o)
    {
        if (o instanceof Double)
        {
            return (Double)o;
        }
        if (o instanceof String)
        {
            try
            {
                return Double.parseDouble((String)o);
            }
            catch (final NumberFormatException ex)
            {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }
}
