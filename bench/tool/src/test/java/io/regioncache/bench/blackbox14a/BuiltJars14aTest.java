package io.regioncache.bench.blackbox14a;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;

/**
 * The jars README.md runs, once a build made them (each test is skipped, by assumption, until its jar exists: on a
 * clean clone the tool's tests run before bench/ycsb is packaged). Reads the jars; runs nothing.
 */
class BuiltJars14aTest
{
    private static final Path ROOT = Readme14a.ROOT;

    private static JarFile open(final String path) throws IOException
    {
        final Path jar = ROOT.resolve(path);
        assumeTrue(Files.isRegularFile(jar), "no " + jar + " yet (mvn -B -q -DskipTests package)");
        return new JarFile(jar.toFile());
    }

    /**
     * {@code java -jar bench/target/regioncache.jar drive} with no JVM flags; and {@code java --add-exports ... -cp
     * bench/target/regioncache.jar io.regioncache.ratis.NodeMain ...}: the node's main class is in the tool's jar.
     */
    @Test
    void theToolJarRunsTheToolAndHoldsNodeMain() throws IOException
    {
        try (JarFile jar = open("bench/target/regioncache.jar"))
        {
            final Manifest m = jar.getManifest();
            assertEquals("io.regioncache.bench.drive.RegionCacheTool", m.getMainAttributes().getValue("Main-Class"));
            assertTrue(m.getMainAttributes().getValue("Add-Exports").contains("java.base/jdk.internal.misc"),
                "Agrona's export is in the manifest");
            assertNotNull(jar.getEntry("io/regioncache/ratis/NodeMain.class"), "NodeMain in regioncache.jar");
        }
    }

    /**
     * The README's {@code java -cp bench/target/benchmarks.jar CLASS} lines name classes in the jar, and the
     * benchmark list JMH generated into it is the one {@link JmhSources14a} reads from the sources (so the README's
     * JMH lines, checked against the sources, hold for the jar too).
     */
    @Test
    void theBenchmarksJarHoldsTheClassesAndTheBenchmarksTheReadmeNames() throws IOException
    {
        try (JarFile jar = open("bench/target/benchmarks.jar"))
        {
            assertEquals("org.openjdk.jmh.Main", jar.getManifest().getMainAttributes().getValue("Main-Class"));
            for (final String c : List.of("io.regioncache.bench.report.ResultsRenderer",
                "io.regioncache.bench.report.TargetRounds", "io.regioncache.bench.JvmFlags",
                "io.regioncache.internal.table.IndexFillProbe"))
            {
                assertNotNull(jar.getEntry(c.replace('.', '/') + ".class"), c + " in benchmarks.jar");
            }
            final ZipEntry list = jar.getEntry("META-INF/BenchmarkList");
            assertNotNull(list, "JMH's benchmark list");
            final String text;
            try (InputStream in = jar.getInputStream(list))
            {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            final Set<String> inJar = new TreeSet<>();
            text.lines().filter(l -> !l.isBlank()).forEach(l -> inJar.add(username(l)));
            final Set<String> fromSources = new TreeSet<>(JmhSources14a.load().benchmarks.keySet());
            final Set<String> missing = new TreeSet<>(fromSources);
            missing.removeAll(inJar);
            assertEquals(Set.of(), missing, "benchmarks read from the sources but not in the jar's list");
            final Set<String> extra = new TreeSet<>(inJar);
            extra.removeAll(fromSources);
            assertEquals(Set.of(), extra, "entries of the jar's list the sources were not seen to declare");
        }
    }

    /**
     * @param line a line of JMH's META-INF/BenchmarkList: strings are written as {@code S <length> <chars>}, the
     *             first the benchmark's class, the third its method.
     * @return the benchmark's name as JMH lists it.
     */
    private static String username(final String line)
    {
        final List<String> strings = new ArrayList<>();
        int i = 0;
        while (strings.size() < 3 && (i = line.indexOf("S ", i)) >= 0)
        {
            final int sp = line.indexOf(' ', i + 2);
            final int n = Integer.parseInt(line.substring(i + 2, sp));
            strings.add(line.substring(sp + 1, sp + 1 + n));
            i = sp + 1 + n;
        }
        assertEquals(3, strings.size(), line);
        return strings.get(0) + "." + strings.get(2);
    }

    /** {@code -jar bench/ycsb/target/regioncache-ycsb.jar ...}: the runner's jar, with YcsbRunner as its main. */
    @Test
    void theYcsbJarRunsTheRunner() throws IOException
    {
        try (JarFile jar = open("bench/ycsb/target/regioncache-ycsb.jar"))
        {
            assertEquals("io.regioncache.ycsb.YcsbRunner", jar.getManifest().getMainAttributes().getValue("Main-Class"));
        }
    }
}
