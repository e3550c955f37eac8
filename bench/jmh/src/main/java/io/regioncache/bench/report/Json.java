package io.regioncache.bench.report;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.ToNumberPolicy;

/**
 * Reads JMH's JSON result files with Gson into plain {@code Map<String, Object>} / {@code List<Object>} /
 * {@code Double} / {@code String} trees, which the renderer walks.
 */
final class Json
{
    /** Numbers as doubles (JMH scores), objects as insertion-ordered maps. */
    private static final Gson GSON = new Gson().newBuilder().setObjectToNumberStrategy(ToNumberPolicy.DOUBLE).create();

    private Json()
    {
    }

    /**
     * @param text a JSON document.
     * @return its tree.
     * @throws IllegalArgumentException if it is not JSON.
     */
    static Object parse(final String text)
    {
        try
        {
            return GSON.fromJson(text, Object.class);
        }
        catch (final JsonParseException ex)
        {
            throw new IllegalArgumentException("not a JMH JSON file: " + ex.getMessage(), ex);
        }
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
