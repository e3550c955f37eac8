package io.regioncache.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Base of every benchmark class: the fork's JVM flags (from {@link JvmFlags}) and default iteration settings,
 * inherited by JMH from this superclass. Command-line options ({@code -f -wi -i -w -r}) override them.
 */
@Fork(value = 1, jvmArgsAppend = {
    JvmFlags.XMS, JvmFlags.XMX, JvmFlags.PRE_TOUCH,
    JvmFlags.AGRONA_MISC,
    JvmFlags.CHRONICLE_REF, JvmFlags.CHRONICLE_NIO_CH, JvmFlags.CHRONICLE_MISC, JvmFlags.CHRONICLE_JAVAC_FILE,
    JvmFlags.CHRONICLE_JAVAC, JvmFlags.CHRONICLE_LANG, JvmFlags.CHRONICLE_REFLECT, JvmFlags.CHRONICLE_IO,
    JvmFlags.CHRONICLE_UTIL, JvmFlags.CHRONICLE_NO_ANALYTICS,
    JvmFlags.LMDB_NIO, JvmFlags.LMDB_NIO_CH})
@Warmup(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public abstract class ForkedBenchmark
{
}
