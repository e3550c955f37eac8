package io.regioncache.hybrid.blackbox24;

import static io.regioncache.hybrid.blackbox24.Bb24.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionInfo;
import io.regioncache.Snapshot;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.store.InMemoryBackingStore;

/**
 * README, Embedding: the module-path note (Agrona an automatic module {@code org.agrona}; the core's descriptor
 * requires {@code jdk.unsupported}, JCTools' only {@code static}; a module-path host with
 * {@code --add-exports java.base/jdk.internal.misc=org.agrona} runs {@code RegionCache.create}), and "The public API is
 * one package listing" (the listed public types and nothing else public in {@code io.regioncache}; internals not
 * exported; no public seam into the single writer; Region immutable, its copies, its allocation-free queries).
 */
class PublicApiAndModuleTest
{
    private static final Set<String> LISTED = Set.of(
        "RegionCache", "RegionCacheConfig", "ApplyStream", "Region", "RegionInfo", "RegionState", "EvictReason",
        "WriteBatch", "CommandResult", "ResultCode", "Snapshot", "SnapshotIterator", "SnapshotStatus",
        "SnapshotUnavailableException", "MetricsSnapshot", "CountersFile", "Bytes", "ReadArguments", "StoreView",
        "BackingStore", "BackingSnapshot", "StoreCursor", "ViewStoreCursor", "WritableStore", "StoreException");

    @TempDir
    Path dir;

    private static Path locationOf(final Class<?> c) throws Exception
    {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static ModuleDescriptor descriptorOf(final Class<?> c) throws Exception
    {
        final Set<ModuleReference> refs = ModuleFinder.of(locationOf(c)).findAll();
        assertEquals(1, refs.size(), "one module at " + locationOf(c));
        return refs.iterator().next().descriptor();
    }

    @Test
    void coreDescriptorExportsThreePackagesAndRequiresJdkUnsupported() throws Exception
    {
        final ModuleDescriptor core = descriptorOf(RegionCache.class);
        assertEquals("io.regioncache.core", core.name());
        assertFalse(core.isAutomatic(), "the core has a descriptor of its own");
        final Set<String> exported = new TreeSet<>();
        for (final ModuleDescriptor.Exports e : core.exports())
        {
            assertFalse(e.isQualified(), "qualified export " + e);
            exported.add(e.source());
        }
        assertEquals(new TreeSet<>(Set.of("io.regioncache", "io.regioncache.hybrid", "io.regioncache.store")), exported);
        assertTrue(core.packages().stream().anyMatch(p -> p.startsWith("io.regioncache.internal")),
            "internal packages exist, unexported: " + core.packages());
        final ModuleDescriptor.Requires unsupported = core.requires().stream()
            .filter(r -> r.name().equals("jdk.unsupported")).findFirst().orElse(null);
        assertNotNull(unsupported, "the core requires jdk.unsupported: " + core.requires());
        assertFalse(unsupported.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC),
            "requires jdk.unsupported, not static");
        // "the cache alone ... brings Agrona, JCTools, SLF4J"
        assertEquals(new TreeSet<>(Set.of("java.base", "jdk.unsupported", "org.agrona", "org.jctools.core", "org.slf4j")),
            core.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toCollection(TreeSet::new)));
        // io.regioncache.hybrid is in the core, beside nothing RocksDB
        assertEquals(locationOf(RegionCache.class), locationOf(HybridEngine.class));
        assertEquals(locationOf(RegionCache.class), locationOf(InMemoryBackingStore.class));
    }

    @Test
    void theStoresBringTheVersionsTheTableNames() throws Exception
    {
        assertTrue(locationOf(org.rocksdb.RocksDB.class).toString().contains("rocksdbjni-11.8.1"),
            locationOf(org.rocksdb.RocksDB.class).toString());
        assertTrue(locationOf(org.lmdbjava.Env.class).toString().contains("lmdbjava-0.9.3"),
            locationOf(org.lmdbjava.Env.class).toString());
    }

    @Test
    void agronaIsTheAutomaticModuleOrgAgronaAndJctoolsRequiresJdkUnsupportedOnlyStatic() throws Exception
    {
        final ModuleDescriptor agrona = descriptorOf(org.agrona.DirectBuffer.class);
        assertEquals("org.agrona", agrona.name());
        assertTrue(agrona.isAutomatic(), "Agrona is an automatic module");
        final ModuleDescriptor jctools = descriptorOf(org.jctools.queues.MpscArrayQueue.class);
        final ModuleDescriptor.Requires unsupported = jctools.requires().stream()
            .filter(r -> r.name().equals("jdk.unsupported")).findFirst().orElse(null);
        assertNotNull(unsupported, jctools.requires().toString());
        assertTrue(unsupported.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC));
    }

    /** A named host module on the module path, with the README's flag, creates, writes, reads and closes a cache. */
    @Test
    void aModulePathHostRunsWithTheReadmesFlag() throws Exception
    {
        final Path src = dir.resolve("src/bb24host");
        Files.createDirectories(src.resolve("bb24host"));
        Files.writeString(src.resolve("module-info.java"), "module bb24host { requires io.regioncache.core; }\n");
        Files.writeString(src.resolve("bb24host/Main.java"), String.join("\n",
            "package bb24host;",
            "import io.regioncache.*;",
            "import java.util.concurrent.TimeUnit;",
            "public final class Main {",
            "  public static void main(String[] args) throws Exception {",
            "    try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder().segmentSize(65536)",
            "        .capacityBytes(16L << 20).build())) {",
            "      Region r = new Region(7, new byte[0], new byte[0], 1);",
            "      System.out.println(\"create \" + cache.createRegion(r).get(30, TimeUnit.SECONDS).code());",
            "      WriteBatch w = new WriteBatch(7, 1, 5).put(\"key\".getBytes(), \"value\".getBytes());",
            "      System.out.println(\"write \" + cache.write(w).get(30, TimeUnit.SECONDS).code());",
            "      try (Snapshot s = cache.snapshot(7, 1, 5)) {",
            "        System.out.println(\"read \" + new String(s.get(\"key\".getBytes())));",
            "      }",
            "      System.out.println(\"module \" + RegionCache.class.getModule().getName());",
            "    }",
            "  }",
            "}",
            ""));
        final String modulePath = Stream.of(RegionCache.class, org.agrona.DirectBuffer.class,
                org.jctools.queues.MpscArrayQueue.class, org.slf4j.Logger.class)
            .map(c ->
            {
                try
                {
                    return locationOf(c).toString();
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            })
            .collect(Collectors.joining(File.pathSeparator));
        final Path out = dir.resolve("out");
        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK");
        final java.io.ByteArrayOutputStream diag = new java.io.ByteArrayOutputStream();
        final int rc = javac.run(null, diag, diag, "--module-path", modulePath, "-d", out.toString(),
            src.resolve("module-info.java").toString(), src.resolve("bb24host/Main.java").toString());
        assertEquals(0, rc, diag.toString(StandardCharsets.UTF_8));
        final Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        final Process p = new ProcessBuilder(javaBin.toString(),
            "--module-path", modulePath + File.pathSeparator + out,
            "--add-exports", "java.base/jdk.internal.misc=org.agrona",
            "-m", "bb24host/bb24host.Main")
            .redirectErrorStream(true).redirectOutput(dir.resolve("host.log").toFile()).start();
        try
        {
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the host process finished");
        }
        finally
        {
            p.destroyForcibly();
        }
        final String text = Files.readString(dir.resolve("host.log"), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("create OK"), text);
        assertTrue(text.contains("write OK"), text);
        assertTrue(text.contains("read value"), text);
        assertTrue(text.contains("module io.regioncache.core"), text);
    }

    private static List<String> topLevelClassesOf(final Path location, final String pkg) throws Exception
    {
        final String prefix = pkg.replace('.', '/') + "/";
        final List<String> names = new ArrayList<>();
        if (Files.isDirectory(location))
        {
            try (Stream<Path> files = Files.list(location.resolve(prefix)))
            {
                files.map(f -> f.getFileName().toString()).forEach(names::add);
            }
        }
        else
        {
            try (JarFile jar = new JarFile(location.toFile()))
            {
                for (final Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements();)
                {
                    final String n = e.nextElement().getName();
                    if (n.startsWith(prefix) && n.indexOf('/', prefix.length()) < 0)
                    {
                        names.add(n.substring(prefix.length()));
                    }
                }
            }
        }
        return names.stream().filter(n -> n.endsWith(".class") && !n.contains("$") && !n.startsWith("package-info"))
            .map(n -> pkg + "." + n.substring(0, n.length() - ".class".length())).sorted().collect(Collectors.toList());
    }

    @Test
    void theFacadePackagePublishesExactlyTheListedTypes() throws Exception
    {
        final Set<String> published = new TreeSet<>();
        final List<String> all = topLevelClassesOf(locationOf(RegionCache.class), "io.regioncache");
        for (final String name : all)
        {
            final Class<?> c = Class.forName(name, false, getClass().getClassLoader());
            if (Modifier.isPublic(c.getModifiers()))
            {
                published.add(c.getSimpleName());
            }
        }
        assertEquals(new TreeSet<>(LISTED), published, "public types of io.regioncache (of " + all.size() + ")");
        assertTrue(io.regioncache.ApplyStream.class.isAssignableFrom(RegionCache.class));
        assertTrue(io.regioncache.ApplyStream.class.isAssignableFrom(HybridEngine.class));
        // no public seam into the single writer
        assertEquals(0, Snapshot.class.getConstructors().length, "no public Snapshot constructor");
        for (final Method m : RegionCache.class.getMethods())
        {
            assertFalse(m.getName().equals("submit"), "RegionCache." + m);
            for (final Class<?> t : m.getParameterTypes())
            {
                assertTrue(Modifier.isPublic(t.getModifiers()), "public method " + m + " takes a non-public type");
            }
        }
    }

    // ------------------------------------------------------------------ Region

    @Test
    void regionCopiesItsBoundsAndAnswersWithoutAllocating()
    {
        final byte[] start = b("b");
        final byte[] end = b("m");
        final Region r = new Region(3, start, end, 1);
        start[0] = 'x';
        end[0] = 'y';
        assertArrayEquals(b("b"), r.start(), "the constructor copies");
        assertArrayEquals(b("m"), r.end(), "the constructor copies");
        r.start()[0] = 'q';
        r.end()[0] = 'q';
        assertArrayEquals(b("b"), r.start(), "start() returns a copy");
        assertArrayEquals(b("m"), r.end(), "end() returns a copy");
        assertTrue(r.start() != r.start());
        assertFalse(r.isStartUnbounded());
        assertFalse(r.isEndUnbounded());
        final Region open = new Region(4, new byte[0], new byte[0], 9);
        assertTrue(open.isStartUnbounded());
        assertTrue(open.isEndUnbounded());
        assertTrue(new Region(5, new byte[0], b("c"), 1).isStartUnbounded());
        assertFalse(new Region(5, new byte[0], b("c"), 1).isEndUnbounded());
        assertTrue(r.sameRange(new Region(99, b("b"), b("m"), 7, 3)), "whatever the ids and epochs");
        assertFalse(r.sameRange(new Region(3, b("b"), b("n"), 1)));
        assertFalse(r.sameRange(open));
        assertTrue(open.sameRange(new Region(1, new byte[0], new byte[0], 1)));

        final java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        if (!(mx instanceof com.sun.management.ThreadMXBean))
        {
            return;
        }
        final com.sun.management.ThreadMXBean sun = (com.sun.management.ThreadMXBean)mx;
        final Region other = new Region(8, b("b"), b("m"), 2);
        long sink = 0;
        for (int i = 0; i < 20_000; i++) // warm up
        {
            sink += (r.isStartUnbounded() ? 1 : 0) + (r.isEndUnbounded() ? 1 : 0) + (r.sameRange(other) ? 1 : 0);
        }
        final long before = sun.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 200_000; i++)
        {
            sink += (r.isStartUnbounded() ? 1 : 0) + (r.isEndUnbounded() ? 1 : 0) + (r.sameRange(other) ? 1 : 0);
        }
        final long allocated = sun.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 64 * 1024, "200,000 rounds of the three queries allocated " + allocated + " bytes");
        assertEquals(200_000 + 20_000, sink);
        final long before2 = sun.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 200_000; i++)
        {
            sink += r.start().length;
        }
        final long copies = sun.getCurrentThreadAllocatedBytes() - before2;
        assertTrue(copies > allocated, "the measure sees start()'s copies (" + copies + " bytes)");
    }

    @Test
    void theEnginesRegionDescriptionsCannotMoveTheCachedRange()
    {
        try (HybridEngine engine = HybridEngine.owning(new InMemoryBackingStore(), Bb24.config()))
        {
            final Region r = new Region(1, b("c"), b("k"), 1);
            Bb24.ok(engine, engine.createRegion(r));
            Bb24.ok(engine, engine.write(new WriteBatch(1, 1, 3).put(b("d"), b("dv")).put(b("j"), b("jv"))));
            final List<Region> handed = new ArrayList<>();
            handed.add(engine.cache().region(1));
            handed.add(engine.cache().regionFor(b("d")));
            for (final RegionInfo info : engine.cache().regions())
            {
                handed.add(info.region());
            }
            try (Snapshot s = engine.cache().snapshot(1, 1, 3))
            {
                handed.add(s.region());
            }
            for (final Region h : handed)
            {
                assertNotNull(h);
                final byte[] start = h.start();
                final byte[] end = h.end();
                start[0] = 'a';
                end[0] = 'z';
            }
            assertArrayEquals(b("c"), engine.cache().region(1).start());
            assertArrayEquals(b("k"), engine.cache().region(1).end());
            assertEquals(null, engine.cache().regionFor(b("a")), "the cached range did not grow");
            assertEquals(null, engine.cache().regionFor(b("x")), "the cached range did not grow");
            assertEquals(1, engine.cache().regionFor(b("j")).id());
            try (Snapshot s = engine.cache().snapshot(1, 1, 3))
            {
                assertArrayEquals(b("jv"), s.get(b("j")));
                assertArrayEquals(b("c"), s.region().start());
                assertTrue(engine.cache().region(1).sameRange(r));
            }
        }
    }

    @Test
    void theConvenienceSnapshotThrowsSnapshotUnavailableException()
    {
        try (HybridEngine engine = HybridEngine.owning(new InMemoryBackingStore(), Bb24.config()))
        {
            final io.regioncache.SnapshotUnavailableException ex = org.junit.jupiter.api.Assertions.assertThrows(
                io.regioncache.SnapshotUnavailableException.class, () -> engine.cache().snapshot(5, 1, 3));
            assertEquals(io.regioncache.SnapshotStatus.NOT_CACHED, ex.status());
            Bb24.ok(engine, engine.createRegion(new Region(5, b("a"), b("b"), 2)));
            final io.regioncache.SnapshotUnavailableException epoch = org.junit.jupiter.api.Assertions.assertThrows(
                io.regioncache.SnapshotUnavailableException.class, () -> engine.cache().snapshot(5, 1, 3));
            assertEquals(io.regioncache.SnapshotStatus.EPOCH_MISMATCH, epoch.status());
        }
    }

    /** "the module descriptor documents the rule and enforces it on the module path": internals do not compile there. */
    @Test
    void aModulePathHostCannotReachTheInternals() throws Exception
    {
        final Path src = dir.resolve("src/bb24bad");
        Files.createDirectories(src.resolve("bb24bad"));
        Files.writeString(src.resolve("module-info.java"), "module bb24bad { requires io.regioncache.core; }\n");
        Files.writeString(src.resolve("bb24bad/Main.java"), String.join("\n",
            "package bb24bad;",
            "public final class Main {",
            "  public static void main(String[] args) {",
            "    System.out.println(io.regioncache.internal.table.MvccTable.class);",
            "  }",
            "}",
            ""));
        final String modulePath = locationOf(RegionCache.class) + File.pathSeparator +
            locationOf(org.agrona.DirectBuffer.class) + File.pathSeparator +
            locationOf(org.jctools.queues.MpscArrayQueue.class) + File.pathSeparator + locationOf(org.slf4j.Logger.class);
        final java.io.ByteArrayOutputStream diag = new java.io.ByteArrayOutputStream();
        final int rc = ToolProvider.getSystemJavaCompiler().run(null, diag, diag, "--module-path", modulePath,
            "-d", dir.resolve("bad-out").toString(), src.resolve("module-info.java").toString(),
            src.resolve("bb24bad/Main.java").toString());
        final String text = diag.toString(StandardCharsets.UTF_8);
        assertTrue(rc != 0, "compiled against an unexported package: " + text);
        assertTrue(text.contains("io.regioncache.internal.table") && text.contains("not visible"), text);
        // on the classpath the same class loads: the descriptor only documents the rule there
        assertNotNull(Class.forName("io.regioncache.internal.table.MvccTable", false, getClass().getClassLoader()));
    }
}
