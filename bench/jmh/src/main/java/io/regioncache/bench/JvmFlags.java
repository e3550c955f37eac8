package io.regioncache.bench;

import java.util.ArrayList;
import java.util.List;

import org.openjdk.jmh.annotations.Fork;

/**
 * Every JVM flag of the benchmark forks, in one place.
 * <p>
 * JMH annotations need compile-time constants, and each element of {@code @Fork(jvmArgsAppend)} is passed to the
 * forked JVM as one argument, so every flag is its own {@code String} constant. They are listed once, on
 * {@link ForkedBenchmark}, which every benchmark class extends (JMH resolves {@code @Fork}, {@code @Warmup} and
 * {@code @Measurement} through superclasses).
 */
public final class JvmFlags
{
    /** Fixed heap, pre-touched: no heap resizing and no first-touch page faults inside a measurement. */
    public static final String XMS = "-Xms4g";
    /** Fixed heap. */
    public static final String XMX = "-Xmx4g";
    /** Touch every heap page at start-up. */
    public static final String PRE_TOUCH = "-XX:+AlwaysPreTouch";

    /** Agrona 2.x (RegionCache) reaches jdk.internal.misc.Unsafe. */
    public static final String AGRONA_MISC = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

    /** Chronicle Map on JDK 17+ (Chronicle's documented list). */
    public static final String CHRONICLE_REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    /** Chronicle Map on JDK 17+. */
    public static final String CHRONICLE_NIO_CH = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    /** Chronicle Map on JDK 17+. */
    public static final String CHRONICLE_MISC = "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED";
    /** Chronicle Map on JDK 17+ (its runtime compiler). */
    public static final String CHRONICLE_JAVAC_FILE =
        "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED";
    /** Chronicle Map on JDK 17+ (its runtime compiler). */
    public static final String CHRONICLE_JAVAC = "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED";
    /** Chronicle Map on JDK 17+. */
    public static final String CHRONICLE_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    /** Chronicle Map on JDK 17+. */
    public static final String CHRONICLE_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    /** Chronicle Map on JDK 17+. */
    public static final String CHRONICLE_IO = "--add-opens=java.base/java.io=ALL-UNNAMED";
    /** Chronicle Map on JDK 17+. */
    public static final String CHRONICLE_UTIL = "--add-opens=java.base/java.util=ALL-UNNAMED";
    /** Never let Chronicle phone home from a benchmark. */
    public static final String CHRONICLE_NO_ANALYTICS = "-Dchronicle.analytics.disable=true";

    /** lmdbjava's ByteBuffer proxy reads java.nio.Buffer's address field. */
    public static final String LMDB_NIO = "--add-opens=java.base/java.nio=ALL-UNNAMED";
    /** lmdbjava (JDK 9+ instructions). */
    public static final String LMDB_NIO_CH = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";

    private JvmFlags()
    {
    }

    /**
     * The flags of {@link ForkedBenchmark}'s forks (read from its {@code @Fork} annotation, so they cannot drift from
     * it) without the fixed, pre-touched heap: for {@code bench/smoke.sh}, whose data is tiny. Pre-touching 4 GiB is
     * most of a smoke fork's time on 2 cores (about 10 s of a trivial fork, against about 1 s without it), and a smoke
     * measures nothing. {@link #XMX} stays, so a smoke fork may still grow to the heap a real fork has.
     *
     * @return the flags, in the annotation's order.
     */
    public static List<String> smokeFlags()
    {
        final List<String> flags = new ArrayList<>();
        for (final String flag : ForkedBenchmark.class.getAnnotation(Fork.class).jvmArgsAppend())
        {
            if (!XMS.equals(flag) && !PRE_TOUCH.equals(flag))
            {
                flags.add(flag);
            }
        }
        return flags;
    }

    /**
     * Prints {@link #smokeFlags()} on one line, separated by spaces, for JMH's {@code -jvmArgsAppend} (which replaces
     * the annotation's list for every benchmark of the run): {@code java -cp benchmarks.jar
     * io.regioncache.bench.JvmFlags}.
     *
     * @param args none.
     */
    public static void main(final String[] args)
    {
        System.out.println(String.join(" ", smokeFlags()));
    }
}
