package io.regioncache.blackbox9;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * What a process holds, read from outside the library: live Java threads (by name), native threads
 * ({@code /proc/self/task}), open file descriptors ({@code /proc/self/fd}) and the JDK's direct and mapped buffer
 * pools. Threads the JVM starts and stops on its own (the common fork-join pool's workers, the JIT's compiler
 * threads) are left out, so two readings taken around a library's open/close cycles compare what the library left.
 * <p>
 * Public in the core's test jar, so that the audit's tests of every module (hybrid-it, chronicle, ratis) share it.
 */
public final class Leaks9
{
    private Leaks9()
    {
    }

    /** One reading. */
    public record Reading(List<String> threads, int tasks, int fds, long directCount, long directBytes,
        long mappedCount, long mappedBytes)
    {
        @Override
        public String toString()
        {
            return "threads " + threads.size() + ", native tasks " + tasks + ", fds " + fds + ", direct " +
                directCount + " buffers / " + directBytes + " B, mapped " + mappedCount + " / " + mappedBytes + " B";
        }
    }

    public static boolean jvmOwn(final String name)
    {
        return name.startsWith("ForkJoinPool.commonPool-worker") || name.startsWith("C1 CompilerThread") ||
            name.startsWith("C2 CompilerThread") || name.equals("Attach Listener") ||
            name.startsWith("surefire-forkedjvm");
    }

    public static Reading read()
    {
        final List<String> threads = new ArrayList<>();
        for (final Thread t : Thread.getAllStackTraces().keySet())
        {
            if (t.isAlive() && !jvmOwn(t.getName()))
            {
                threads.add(t.getName());
            }
        }
        threads.sort(null);
        final long[] direct = pool("direct");
        final long[] mapped = pool("mapped");
        final long dc = direct[0];
        final long db = direct[1];
        final long mc = mapped[0];
        final long mb = mapped[1];
        return new Reading(threads, count(Paths.get("/proc/self/task")) - jvmOwnCount(),
            count(Paths.get("/proc/self/fd")),
            dc, db, mc, mb);
    }

    /**
     * The JDK's buffer pool of that name (count, bytes used), through reflection: the core's tests compile as a patch
     * of its module, which does not read {@code java.management}; they run on the class path, which does.
     */
    private static long[] pool(final String name)
    {
        try
        {
            final Class<?> type = Class.forName("java.lang.management.BufferPoolMXBean");
            final Object beans = Class.forName("java.lang.management.ManagementFactory")
                .getMethod("getPlatformMXBeans", Class.class).invoke(null, type);
            for (final Object bean : (List<?>)beans)
            {
                if (name.equals(type.getMethod("getName").invoke(bean)))
                {
                    return new long[] {(Long)type.getMethod("getCount").invoke(bean),
                        (Long)type.getMethod("getMemoryUsed").invoke(bean)};
                }
            }
            return new long[2];
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** @return the names of the platform MBean server's beans (through reflection, as {@link #pool}). */
    public static java.util.Set<String> mbeans()
    {
        try
        {
            final Object server = Class.forName("java.lang.management.ManagementFactory")
                .getMethod("getPlatformMBeanServer").invoke(null);
            final java.util.Set<?> names = (java.util.Set<?>)Class.forName("javax.management.MBeanServer")
                .getMethod("queryNames",
                Class.forName("javax.management.ObjectName"), Class.forName("javax.management.QueryExp"))
                .invoke(server, null, null);
            final java.util.Set<String> out = new java.util.TreeSet<>();
            for (final Object n : names)
            {
                out.add(n.toString());
            }
            return out;
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static int jvmOwnCount()
    {
        int n = 0;
        for (final Thread t : Thread.getAllStackTraces().keySet())
        {
            if (t.isAlive() && jvmOwn(t.getName()))
            {
                n++;
            }
        }
        return n;
    }

    public static int count(final Path dir)
    {
        try (Stream<Path> s = Files.list(dir))
        {
            return (int)s.count();
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    /** @return the live threads whose name starts with {@code prefix}. */
    public static List<String> threadsNamed(final String prefix)
    {
        final List<String> out = new ArrayList<>();
        for (final Thread t : Thread.getAllStackTraces().keySet())
        {
            if (t.isAlive() && t.getName().startsWith(prefix))
            {
                out.add(t.getName());
            }
        }
        return out;
    }

    /** Names present now and not in {@code before}, with how many more of each. */
    public static TreeMap<String, Integer> grown(final Reading before, final Reading now)
    {
        final TreeMap<String, Integer> diff = new TreeMap<>();
        for (final String n : now.threads())
        {
            diff.merge(stem(n), 1, Integer::sum);
        }
        for (final String n : before.threads())
        {
            diff.merge(stem(n), -1, Integer::sum);
        }
        diff.values().removeIf(v -> v <= 0);
        return diff;
    }

    /** A thread name without its trailing counter, so "pool-3-thread-1" and "pool-9-thread-1" count alike. */
    public static String stem(final String name)
    {
        return name.replaceAll("[0-9]+", "#");
    }

    /**
     * Poll (collecting garbage each round, so buffers freed by their cleaners are counted free) until {@code done}
     * holds or {@code millis} pass.
     *
     * @return whether it held.
     */
    public static boolean await(final long millis, final BooleanSupplier done)
    {
        final long end = System.nanoTime() + millis * 1_000_000L;
        while (true)
        {
            if (done.getAsBoolean())
            {
                return true;
            }
            if (System.nanoTime() - end > 0)
            {
                return false;
            }
            System.gc();
            try
            {
                Thread.sleep(20);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * Wait until nothing grew beyond {@code slack} threads, native tasks and fds and the buffer pools are back at the
     * baseline within {@code slackBuffers} buffers and {@code slackBytes} bytes.
     *
     * @return the last reading.
     */
    public static Reading settle(final Reading base, final long millis, final int slack, final long slackBuffers,
        final long slackBytes)
    {
        final Reading[] last = {read()};
        await(millis, () ->
        {
            last[0] = read();
            return withinOf(base, last[0], slack, slackBuffers, slackBytes);
        });
        return last[0];
    }

    public static boolean withinOf(final Reading base, final Reading r, final int slack, final long slackBuffers,
        final long slackBytes)
    {
        return r.threads().size() <= base.threads().size() + slack && r.tasks() <= base.tasks() + slack &&
            r.fds() <= base.fds() + slack && r.directCount() <= base.directCount() + slackBuffers &&
            r.directBytes() <= base.directBytes() + slackBytes &&
            r.mappedCount() <= base.mappedCount() + slackBuffers &&
            r.mappedBytes() <= base.mappedBytes() + slackBytes;
    }

    public static String explain(final Reading base, final Reading now, final int cycles)
    {
        return "after " + cycles + " cycles: " + now + "; baseline " + base + "; thread names grown " +
            grown(base, now);
    }
}
