package io.regioncache.bench.drive;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine;

/**
 * Parsing and printing of sizes ({@code 64MB}, {@code 1GB}, {@code 512KiB}, plain bytes) and durations
 * ({@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, a plain number is seconds). Sizes are binary: 1 KB = 1024 B.
 */
public final class Units
{
    private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([KMGT]?I?B?)");
    private static final Pattern DURATION = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(MS|S|M|H)?");

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

    /** picocli converter for sizes. */
    public static final class SizeConverter implements CommandLine.ITypeConverter<Long>
    {
        @Override
        public Long convert(final String value)
        {
            try
            {
                return parseSize(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.TypeConversionException(ex.getMessage());
            }
        }
    }

    /** picocli converter for durations. */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration>
    {
        @Override
        public Duration convert(final String value)
        {
            try
            {
                return parseDuration(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.TypeConversionException(ex.getMessage());
            }
        }
    }
}
