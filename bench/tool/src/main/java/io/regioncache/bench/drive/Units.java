package io.regioncache.bench.drive;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine;

/**
 * Parsing and printing of sizes ({@code 64MB}, {@code 1GB}, {@code 512KiB}, plain bytes) and durations
 * ({@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, a plain number is seconds), and the plain numbers of the
 * other options. Sizes are binary: 1 KB = 1024 B.
 * <p>
 * Every number the tool reads is spelled in ASCII: an integer is ASCII digits with an optional leading {@code -};
 * a decimal is ASCII digits with an optional fraction and exponent ({@code 0.99}, {@code .5}, {@code 1e3}). Java's
 * own parsers are more lenient ({@code Integer.valueOf} takes {@code +300} and every Unicode script's digits,
 * {@code Double.valueOf} takes {@code 0x1p-1}, {@code 0.5f}, {@code Infinity} and surrounding blanks), which a
 * command line should not silently accept as a number; the port rule of the Ratis module
 * ({@code ReplicaNode.portNumber}) is the same ASCII rule.
 */
public final class Units
{
    private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([KMGT]?I?B?)");
    private static final Pattern DURATION = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(MS|S|M|H)?");
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");
    private static final Pattern DECIMAL = Pattern.compile("-?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?");

    private Units()
    {
    }

    /**
     * @param text a size such as {@code 256MB}.
     * @return bytes, &gt; 0.
     * @throws IllegalArgumentException with a message naming the accepted forms.
     */
    public static long parseSize(final String text)
    {
        final String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
        final Matcher m = SIZE.matcher(t);
        if (!m.matches())
        {
            throw new IllegalArgumentException("'" + text + "' is not a positive size (examples: 64MB, 1GB, 512KB, " +
                "1048576)");
        }
        final String unit = m.group(2).replace("I", "").replace("B", "");
        final long mult;
        switch (unit)
        {
            case "":
                mult = 1;
                break;
            case "K":
                mult = 1L << 10;
                break;
            case "M":
                mult = 1L << 20;
                break;
            case "G":
                mult = 1L << 30;
                break;
            default:
                mult = 1L << 40;
                break;
        }
        final double v = Double.parseDouble(m.group(1)) * mult;
        if (!(v >= 1) || v > Long.MAX_VALUE / 2)
        {
            throw new IllegalArgumentException("'" + text + "' is not a positive size (examples: 64MB, 1GB)");
        }
        return (long)v;
    }

    /**
     * @param text a duration such as {@code 30s}.
     * @return the duration, &gt; 0.
     * @throws IllegalArgumentException with a message naming the accepted forms.
     */
    public static Duration parseDuration(final String text)
    {
        final String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
        final Matcher m = DURATION.matcher(t);
        if (!m.matches())
        {
            throw new IllegalArgumentException("'" + text + "' is not a positive duration (examples: 500ms, 30s, " +
                "2m, 1h; a plain number is seconds)");
        }
        final double v = Double.parseDouble(m.group(1));
        final String unit = m.group(2) == null ? "S" : m.group(2);
        final double millis;
        switch (unit)
        {
            case "MS":
                millis = v;
                break;
            case "S":
                millis = v * 1_000;
                break;
            case "M":
                millis = v * 60_000;
                break;
            default:
                millis = v * 3_600_000;
                break;
        }
        if (!(millis >= 1) || millis > 365.0 * 86_400_000)
        {
            throw new IllegalArgumentException("'" + text + "' is not a positive duration of at least 1ms and at "
                + "most 365 days (examples: 500ms, 30s, 2m)");
        }
        return Duration.ofMillis((long)millis);
    }

    /**
     * @param text an integer in ASCII digits, optionally with a leading {@code -}.
     * @return its value.
     * @throws NumberFormatException naming the accepted form, also when it does not fit a {@code long}.
     */
    public static long parseLong(final String text)
    {
        return parseInteger(text, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /**
     * @param text an integer in ASCII digits, optionally with a leading {@code -}.
     * @return its value.
     * @throws NumberFormatException naming the accepted form, also when it does not fit an {@code int}.
     */
    public static int parseInt(final String text)
    {
        return (int)parseInteger(text, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    private static long parseInteger(final String text, final long min, final long max)
    {
        if (text == null || !INTEGER.matcher(text).matches())
        {
            throw new NumberFormatException("'" + text + "' is not an integer (ASCII digits, optionally a leading " +
                "'-')");
        }
        final long v;
        try
        {
            v = Long.parseLong(text);
        }
        catch (final NumberFormatException ex)
        {
            throw outOfRange(text, min, max); // the pattern matched, so only a value past a long is left
        }
        if (v < min || v > max)
        {
            throw outOfRange(text, min, max);
        }
        return v;
    }

    private static NumberFormatException outOfRange(final String text, final long min, final long max)
    {
        return new NumberFormatException("'" + text + "' is out of range (" + min + " to " + max + ")");
    }

    /**
     * @param text a decimal number in ASCII: digits, an optional fraction and an optional exponent.
     * @return its value, finite.
     * @throws NumberFormatException naming the accepted form.
     */
    public static double parseDecimal(final String text)
    {
        final double v = text != null && DECIMAL.matcher(text).matches() ? Double.parseDouble(text) : Double.NaN;
        if (!Double.isFinite(v))
        {
            throw new NumberFormatException("'" + text + "' is not a decimal number (ASCII digits with an optional " +
                "fraction, e.g. 0.99)");
        }
        return v;
    }

    /**
     * @param bytes a byte count.
     * @return e.g. {@code 12.3 MB}.
     */
    public static String bytes(final long bytes)
    {
        final long a = Math.abs(bytes);
        if (a < 1024)
        {
            return bytes + " B";
        }
        if (a < 1L << 20)
        {
            return String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
        }
        if (a < 1L << 30)
        {
            return String.format(Locale.ROOT, "%.1f MB", bytes / (double)(1L << 20));
        }
        return String.format(Locale.ROOT, "%.2f GB", bytes / (double)(1L << 30));
    }

    /**
     * @param n a count.
     * @return it with thousands separators.
     */
    public static String count(final long n)
    {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /**
     * @param perSecond a rate.
     * @return e.g. {@code 312k} or {@code 1.2M}.
     */
    public static String rate(final double perSecond)
    {
        if (perSecond >= 1e6)
        {
            return String.format(Locale.ROOT, "%.2fM", perSecond / 1e6);
        }
        if (perSecond >= 1e4)
        {
            return String.format(Locale.ROOT, "%.0fk", perSecond / 1e3);
        }
        if (perSecond >= 1e3)
        {
            return String.format(Locale.ROOT, "%.1fk", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", perSecond);
    }

    /**
     * @param <T>    what the parser returns.
     * @param value  an option's text.
     * @param parser one of this class's parsers.
     * @return what it parsed.
     * @throws CommandLine.TypeConversionException with the parser's message, which picocli prefixes with the option.
     */
    private static <T> T converted(final String value, final Function<String, T> parser)
    {
        try
        {
            return parser.apply(value);
        }
        catch (final IllegalArgumentException ex) // NumberFormatException included
        {
            throw new CommandLine.TypeConversionException(ex.getMessage());
        }
    }

    /** picocli converter for sizes. */
    public static final class SizeConverter implements CommandLine.ITypeConverter<Long>
    {
        @Override
        public Long convert(final String value)
        {
            return converted(value, Units::parseSize);
        }
    }

    /** picocli converter for durations. */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration>
    {
        @Override
        public Duration convert(final String value)
        {
            return converted(value, Units::parseDuration);
        }
    }

    /** picocli converter for {@code int} options: {@link #parseInt(String)}. */
    public static final class IntConverter implements CommandLine.ITypeConverter<Integer>
    {
        @Override
        public Integer convert(final String value)
        {
            return converted(value, Units::parseInt);
        }
    }

    /** picocli converter for {@code long} options: {@link #parseLong(String)}. */
    public static final class LongConverter implements CommandLine.ITypeConverter<Long>
    {
        @Override
        public Long convert(final String value)
        {
            return converted(value, Units::parseLong);
        }
    }

    /** picocli converter for decimal options: {@link #parseDecimal(String)}. */
    public static final class DecimalConverter implements CommandLine.ITypeConverter<Double>
    {
        @Override
        public Double convert(final String value)
        {
            return converted(value, Units::parseDecimal);
        }
    }
}
