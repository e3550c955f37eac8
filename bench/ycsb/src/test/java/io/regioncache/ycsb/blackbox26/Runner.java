package io.regioncache.ycsb.blackbox26;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.regioncache.ycsb.YcsbRunner;

/**
 * The runner's documented command line, called in-process through its non-exiting entry point (what {@code main}
 * passes to {@code System.exit}), plus a way to name a test binding as a system (the runner looks systems up by
 * name).
 */
final class Runner
{
    /** One run: exit status, stdout (progress and verdict), stderr (usage errors). */
    record Run(int exit, String out, String err)
    {
        /** @return the stderr lines. */
        List<String> errLines()
        {
            return err.isEmpty() ? List.of() : List.of(err.split("\\R"));
        }

        /** @return "ops" of a phase line ({@code SYSTEM PHASE N ops in ...}), or -1 if there is none. */
        long ops(final String system, final String phase)
        {
            final Matcher m = Pattern.compile("(?m)^" + system + "\\s+" + phase + "\\s+([0-9,]+) ops").matcher(out);
            return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1;
        }

        /** @return regions and GC safe point the hybrid logged after each phase, in order ([phase, regions, gc]). */
        List<String[]> layouts()
        {
            final List<String[]> l = new ArrayList<>();
            final Matcher m = Pattern.compile("(?m)^regioncache\\s+(\\S+)\\s+(-?\\d+) regions, GC safe point (-?\\d+)")
                .matcher(out);
            while (m.find())
            {
                l.add(new String[] {m.group(1), m.group(2), m.group(3)});
            }
            return l;
        }

        String all()
        {
            return "exit " + exit + "\n--- out:\n" + out + "\n--- err:\n" + err;
        }
    }

    private Runner()
    {
    }

    static Run run(final String... args) throws Exception
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final Method execute = YcsbRunner.class.getDeclaredMethod("execute", String[].class, PrintStream.class,
            PrintStream.class);
        execute.setAccessible(true);
        try
        {
            final int exit = (Integer)execute.invoke(null, args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
        catch (final InvocationTargetException ex)
        {
            if (ex.getCause() instanceof Exception e)
            {
                throw e;
            }
            throw ex;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> systems() throws ReflectiveOperationException
    {
        final Field f = YcsbRunner.class.getDeclaredField("SYSTEMS");
        f.setAccessible(true);
        return (Map<String, String>)f.get(null);
    }

    /** Name a binding class as a system for the duration of {@code body}. */
    static Run withSystem(final String name, final Class<?> binding, final String... args) throws Exception
    {
        final Map<String, String> systems = systems();
        synchronized (systems)
        {
            systems.put(name, binding.getName());
            try
            {
                return run(args);
            }
            finally
            {
                systems.remove(name);
            }
        }
    }
}
