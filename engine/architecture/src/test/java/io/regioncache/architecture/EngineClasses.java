package io.regioncache.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;

/**
 * The main classes of every engine library module, imported once per test JVM and split into the core's and the
 * adapters' by the location each class was read from.
 * <p>
 * Each module is imported from the location its own marker class was loaded from: the installed jar in
 * {@code ~/.m2} when this module is built alone ({@code -pl engine/architecture}), the module's
 * {@code target/classes} in a reactor build. That is why {@link ImportOption.DoNotIncludeJars} is not used (it would
 * drop the modules under test) and why no classpath scan is made (it would mix in this module's own fixtures and the
 * core's test jar). {@link ImportOption.DoNotIncludeTests} stays on as a second guard. {@link #check} asserts a
 * minimum number of classes per package, so that an import that found nothing cannot pass a rule vacuously, and each
 * module's classes are asserted to lie in that module's own packages. Library classes outside the engine are not
 * imported ({@code archunit.properties}): the rules judge them by package name only.
 */
final class EngineClasses
{
    static final String CORE_ROOT = "io.regioncache";
    static final String HYBRID = "io.regioncache.hybrid";
    static final String STORE = "io.regioncache.store";
    static final String INTERNAL = "io.regioncache.internal..";
    static final String ROCKSDB = "io.regioncache.rocksdb";
    static final String LMDB = "io.regioncache.lmdb";
    static final String CATALOG = "io.regioncache.catalog";
    static final String MICROMETER = "io.regioncache.micrometer";
    static final String RATIS = "io.regioncache.ratis";

    /** The adapter modules' packages: each is its own artifact with its own heavy dependency. */
    static final String[] ADAPTER_PACKAGES = {ROCKSDB + "..", LMDB + "..", CATALOG + "..", MICROMETER + "..", RATIS + ".."};

    /** The adapters' third-party libraries, none of which the core may require. */
    static final String[] ADAPTER_LIBRARIES = {"org.rocksdb..", "org.lmdbjava..", "net.openhft..", "io.micrometer..",
        "org.apache.ratis.."};

    private static final List<Class<?>> ADAPTER_MARKERS = List.of(
        io.regioncache.rocksdb.RocksDbBackingStore.class,
        io.regioncache.lmdb.LmdbBackingStore.class,
        io.regioncache.catalog.ChronicleRegionCatalog.class,
        io.regioncache.micrometer.RegionCacheMeterBinder.class,
        io.regioncache.ratis.NodeMain.class);

    private static JavaClasses all;
    private static JavaClasses core;
    private static JavaClasses adapters;

    private EngineClasses()
    {
    }

    /** @return every engine library module's main classes together (core and the five adapters), imported once. */
    static synchronized JavaClasses all()
    {
        if (all == null)
        {
            final List<Class<?>> markers = new ArrayList<>();
            markers.add(io.regioncache.RegionCache.class);
            markers.addAll(ADAPTER_MARKERS);
            final JavaClasses imported = importModules(markers);
            final String coreLocation = locationOf(io.regioncache.RegionCache.class).toUri().getPath();
            final JavaClasses fromCore = imported.that(describe("come from regioncache-core",
                c -> c.getSource().map(src -> src.getUri().toString().contains(coreLocation)).orElse(false)));
            final JavaClasses fromAdapters = imported.that(describe("come from an adapter module",
                c -> c.getSource().map(src -> !src.getUri().toString().contains(coreLocation)).orElse(false)));
            check(fromCore, Map.of(
                CORE_ROOT, 60,
                HYBRID, 6,
                STORE, 6,
                "io.regioncache.internal.table", 12,
                "io.regioncache.internal.memory", 3));
            check(fromAdapters, Map.of(ROCKSDB, 8, LMDB, 5, CATALOG, 4, MICROMETER, 1, RATIS, 25));
            for (final JavaClass c : fromCore)
            {
                assertTrue(c.getPackageName().equals(CORE_ROOT) || c.getPackageName().startsWith(CORE_ROOT + ".internal")
                    || c.getPackageName().equals(HYBRID) || c.getPackageName().equals(STORE),
                    () -> "the core holds a class outside the core's packages: " + c.getName());
            }
            for (final JavaClass c : fromAdapters)
            {
                assertTrue(c.getPackageName().matches("io\\.regioncache\\.(rocksdb|lmdb|catalog|micrometer|ratis)"),
                    () -> "an adapter holds a class outside its own package: " + c.getName());
            }
            assertEquals(imported.size(), fromCore.size() + fromAdapters.size());
            core = fromCore;
            adapters = fromAdapters;
            all = imported;
        }
        return all;
    }

    /** @return regioncache-core's main classes. */
    static synchronized JavaClasses core()
    {
        all();
        return core;
    }

    /** @return the main classes of the five adapter modules (rocksdb, lmdb, chronicle, micrometer, ratis). */
    static synchronized JavaClasses adapters()
    {
        all();
        return adapters;
    }

    /** @return where a marker class's module was loaded from (a jar or a classes directory). */
    static Path locationOf(final Class<?> marker)
    {
        try
        {
            return Path.of(marker.getProtectionDomain().getCodeSource().getLocation().toURI());
        }
        catch (final URISyntaxException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static Location location(final Path path)
    {
        if (Files.isDirectory(path))
        {
            return Location.of(path);
        }
        try (JarFile jar = new JarFile(path.toFile()))
        {
            return Location.of(jar);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static JavaClasses importModules(final List<Class<?>> markers)
    {
        final Set<Location> locations = new LinkedHashSet<>();
        for (final Class<?> marker : markers)
        {
            final Path path = locationOf(marker);
            assertTrue(!path.toString().contains("test-classes") && !path.toString().endsWith("-tests.jar"),
                () -> marker.getName() + " was loaded from test classes: " + path);
            locations.add(location(path));
        }
        return new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importLocations(locations);
    }

    /**
     * Asserts that each named package (exactly that package, not its subpackages) holds at least so many classes.
     *
     * @param classes  what was imported.
     * @param minimums package name to the least number of classes (nested classes count) it must hold.
     */
    static void check(final JavaClasses classes, final Map<String, Integer> minimums)
    {
        final Map<String, Integer> counts = new LinkedHashMap<>();
        for (final JavaClass c : classes)
        {
            counts.merge(c.getPackageName(), 1, Integer::sum);
        }
        minimums.forEach((pkg, min) -> assertTrue(counts.getOrDefault(pkg, 0) >= min,
            () -> "the import holds " + counts.getOrDefault(pkg, 0) + " classes in " + pkg + ", expected at least " + min
                + " (imported: " + counts + ")"));
    }
}
