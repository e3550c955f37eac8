package io.regioncache.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import io.regioncache.RegionCache;
import io.regioncache.architecture.fixtures.core.ReadsRawMemory;
import io.regioncache.architecture.fixtures.core.UsesJdkInternals;
import org.junit.jupiter.api.Test;

/**
 * Rule 1: regioncache-core's main classes require nothing but the JDK, Agrona, JCTools and SLF4J (README "Embedding":
 * the core "brings Agrona, JCTools, SLF4J"; DESIGN §5 "Agrona, JCTools, SLF4J only").
 * <p>
 * The JDK part is {@code java..} only: the core uses no {@code javax..}, no {@code sun.misc} and no
 * {@code jdk.internal..} of its own. {@code jdk.internal.misc.Unsafe} is reached only inside Agrona (hence the
 * {@code --add-exports} flag) and {@code sun.misc.Unsafe} only inside JCTools (hence {@code requires jdk.unsupported}
 * in the descriptor); {@link #unsafeOnlyThroughAgronaAndJctools()} pins that, and {@link #rawUnsafeReadsStayInTheTables()}
 * keeps the core's direct use of Agrona's {@code UnsafeApi} in {@code internal.table}. The module descriptor is
 * checked too: it requires exactly those libraries and exports exactly the three API packages.
 */
class CoreDependenciesTest
{
    static final ArchRule CORE_DEPENDS_ONLY_ON_ITS_THREE_LIBRARIES = classes()
        .that().resideInAPackage("io.regioncache..")
        .should().onlyDependOnClassesThat().resideInAnyPackage(
            "java..", "org.agrona..", "org.jctools..", "org.slf4j..", "io.regioncache..")
        .because("the core engine's required dependencies are only Agrona, JCTools and SLF4J (README \"Embedding\")");

    @Test
    void coreDependsOnlyOnTheJdkAgronaJctoolsAndSlf4j()
    {
        CORE_DEPENDS_ONLY_ON_ITS_THREE_LIBRARIES.check(EngineClasses.core());
    }

    @Test
    void theRuleReportsAClassUsingJdkPackagesOutsideJava()
    {
        final AssertionError error = assertThrows(AssertionError.class,
            () -> CORE_DEPENDS_ONLY_ON_ITS_THREE_LIBRARIES.check(
                new ClassFileImporter().importClasses(UsesJdkInternals.class)));
        assertTrue(error.getMessage().contains("com.sun.management.OperatingSystemMXBean"), error.getMessage());
        assertTrue(error.getMessage().contains("javax.management.ObjectName"), error.getMessage());
    }

    /** What the core reaches outside {@code java..}, package by package: exactly its three libraries. */
    @Test
    void theCoresForeignPackagesAreExactlyItsLibraries()
    {
        final Set<String> roots = new TreeSet<>();
        for (final JavaClass c : EngineClasses.core())
        {
            for (final Dependency d : c.getDirectDependenciesFromSelf())
            {
                final String pkg = d.getTargetClass().getBaseComponentType().getPackageName();
                if (!pkg.isEmpty() && !pkg.startsWith("java.") && !pkg.startsWith("io.regioncache"))
                {
                    roots.add(pkg.split("\\.")[0] + "." + pkg.split("\\.")[1]);
                }
            }
        }
        assertEquals(Set.of("org.agrona", "org.jctools", "org.slf4j"), roots);
    }

    /**
     * No core class names {@code sun.misc}, {@code jdk.internal}, {@code com.sun} or {@code javax}: the unsafe memory
     * access the engine relies on is Agrona's. In Agrona 2.6.0 only {@code org.agrona.UnsafeApi} names
     * {@code jdk.internal.misc.Unsafe} (hence the {@code --add-exports} flag), and the core reaches it two ways:
     * through {@code UnsafeBuffer} and, for raw reads of the off-heap tables, through {@code UnsafeApi} itself.
     * ({@code sun.misc.Unsafe} is JCTools' own, inside its queues, hence {@code requires jdk.unsupported}.)
     */
    @Test
    void unsafeOnlyThroughAgronaAndJctools()
    {
        final Set<String> direct = EngineClasses.core().stream()
            .flatMap(c -> c.getDirectDependenciesFromSelf().stream())
            .map(d -> d.getTargetClass().getBaseComponentType().getName())
            .filter(n -> n.startsWith("sun.") || n.startsWith("jdk.") || n.startsWith("javax.") || n.startsWith("com.sun."))
            .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of(), direct);
        final Set<String> agronaUnsafe = EngineClasses.core().stream()
            .flatMap(c -> c.getDirectDependenciesFromSelf().stream())
            .map(d -> d.getTargetClass().getBaseComponentType().getName())
            .filter(n -> n.startsWith("org.agrona.") && n.contains("Unsafe"))
            .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("org.agrona.UnsafeApi", "org.agrona.concurrent.UnsafeBuffer"), agronaUnsafe);
    }

    /**
     * Raw unsafe reads ({@code org.agrona.UnsafeApi}: addresses computed by the engine, no bounds check at all) stay
     * in {@code io.regioncache.internal.table}, beside the layouts whose offsets they use; the rest of the core goes
     * through {@code UnsafeBuffer}, which Agrona bounds-checks unless the host turns the checks off.
     */
    static final ArchRule RAW_UNSAFE_ONLY_IN_THE_TABLES = noClasses()
        .that().resideInAPackage("io.regioncache..").and().resideOutsideOfPackage("io.regioncache.internal.table..")
        .should().dependOnClassesThat().haveFullyQualifiedName("org.agrona.UnsafeApi")
        .because("raw off-heap reads belong beside the table layouts (internal.table)");

    @Test
    void rawUnsafeReadsStayInTheTables()
    {
        RAW_UNSAFE_ONLY_IN_THE_TABLES.check(EngineClasses.core());
    }

    @Test
    void theRawUnsafeRuleReportsAUseOutsideTheTables()
    {
        final AssertionError error = assertThrows(AssertionError.class,
            () -> RAW_UNSAFE_ONLY_IN_THE_TABLES.check(new ClassFileImporter().importClasses(ReadsRawMemory.class)));
        assertTrue(error.getMessage().contains("org.agrona.UnsafeApi"), error.getMessage());
    }

    /**
     * The module descriptor (README: "module-info.java does not export" {@code io.regioncache.internal.*}; the core
     * "requires jdk.unsupported itself, for JCTools").
     */
    @Test
    void theModuleDescriptorRequiresTheThreeLibrariesAndExportsTheThreeApiPackages() throws IOException
    {
        final ModuleDescriptor descriptor = coreDescriptor();
        assertEquals("io.regioncache.core", descriptor.name());
        assertDescriptorKeepsTheRule(descriptor);
    }

    @Test
    void theDescriptorCheckReportsAnExportedInternalPackage()
    {
        final ModuleDescriptor leaky = ModuleDescriptor.newModule("io.regioncache.core")
            .requires(Set.of(ModuleDescriptor.Requires.Modifier.TRANSITIVE), "org.agrona")
            .requires("org.jctools.core").requires("org.slf4j").requires("jdk.unsupported")
            .exports("io.regioncache").exports("io.regioncache.hybrid").exports("io.regioncache.store")
            .exports("io.regioncache.internal.table")
            .build();
        final AssertionError error = assertThrows(AssertionError.class, () -> assertDescriptorKeepsTheRule(leaky));
        assertTrue(error.getMessage().contains("io.regioncache.internal.table"), error.getMessage());
    }

    static void assertDescriptorKeepsTheRule(final ModuleDescriptor descriptor)
    {
        final Set<String> requires = descriptor.requires().stream().map(ModuleDescriptor.Requires::name)
            .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Set.of("java.base", "org.agrona", "org.jctools.core", "org.slf4j", "jdk.unsupported")),
            requires, "requires");
        final Set<String> exports = descriptor.exports().stream()
            .peek(e -> assertFalse(e.isQualified(), () -> "qualified export " + e))
            .map(ModuleDescriptor.Exports::source).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Set.of("io.regioncache", "io.regioncache.hybrid", "io.regioncache.store")), exports,
            "exports");
        assertTrue(descriptor.opens().isEmpty(), () -> "opens " + descriptor.opens());
    }

    private static ModuleDescriptor coreDescriptor() throws IOException
    {
        final Path location = EngineClasses.locationOf(RegionCache.class);
        if (Files.isDirectory(location))
        {
            try (InputStream in = Files.newInputStream(location.resolve("module-info.class")))
            {
                return ModuleDescriptor.read(in);
            }
        }
        try (JarFile jar = new JarFile(location.toFile()); InputStream in = jar.getInputStream(jar.getEntry("module-info.class")))
        {
            return ModuleDescriptor.read(in);
        }
    }
}
