package io.regioncache.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.PackageMatchers;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import io.regioncache.architecture.fixtures.adapter.BringsTwoLibraries;
import io.regioncache.architecture.fixtures.hybrid.HybridUsesInternals;
import io.regioncache.architecture.fixtures.internal.CallsUpIntoTheFacade;
import org.junit.jupiter.api.Test;

/**
 * Rule 7: the rest of the documented structure that bytecode can show.
 * <ul>
 * <li>The internals call nothing above them: no class in {@code io.regioncache.internal..} depends on the facade
 * package (where the apply thread lives, package-private), {@code hybrid} or {@code store}. DESIGN §3.2: a table has
 * one writer, "the ApplyAgent, or a loader building a private table", so the table cannot know the apply thread;
 * the code inverts the one call it needs ({@code internal.table.EntryGate}, implemented in the facade package).</li>
 * <li>The hybrid engine needs "nothing but the SPI" (README "Embedding"): {@code io.regioncache.hybrid} depends only
 * on the JDK, Agrona, SLF4J, itself and public types of {@code io.regioncache} and {@code io.regioncache.store}; no
 * internals, no RocksDB or LMDB ("a host on LMDB should not pull a 60 MB RocksDB jar").</li>
 * <li>Each single-library adapter brings only its own library (README "Embedding", column "brings"): rocksdb only
 * {@code org.rocksdb}, lmdb only {@code org.lmdbjava}, chronicle only {@code net.openhft}, micrometer only
 * {@code io.micrometer}, beyond the JDK, Agrona, SLF4J and the core's public API. (The ratis module, which the README
 * documents as built on the RocksDB store and the Micrometer binder, is held to rule 2 only.)</li>
 * </ul>
 */
class DocumentedStructureTest
{
    /**
     * @param internalPackages the packages that must not call up.
     * @param above            the packages above them.
     * @return the rule that the first never depend on the second.
     */
    static ArchRule internalsCallNothingAbove(final String internalPackages, final String... above)
    {
        return noClasses()
            .that().resideInAPackage(internalPackages)
            .should().dependOnClassesThat().resideInAnyPackage(above)
            .because("a table has one writer, the ApplyAgent or a loader (DESIGN §3.2): the internals know neither");
    }

    @Test
    void theInternalsDependOnNothingAboveThem()
    {
        internalsCallNothingAbove(EngineClasses.INTERNAL, EngineClasses.CORE_ROOT, EngineClasses.HYBRID,
            EngineClasses.STORE).check(EngineClasses.core());
    }

    @Test
    void theInternalsRuleReportsACallUp()
    {
        final AssertionError error = assertThrows(AssertionError.class,
            () -> internalsCallNothingAbove("io.regioncache.architecture.fixtures.internal..", EngineClasses.CORE_ROOT)
                .check(new ClassFileImporter().importClasses(CallsUpIntoTheFacade.class)));
        assertTrue(error.getMessage().contains("io.regioncache.RegionCache"), error.getMessage());
    }

    /**
     * @param packages the packages that may use only the SPI.
     * @return the rule that they depend only on the JDK, Agrona, SLF4J, themselves and the public API.
     */
    static ArchRule usesOnlyTheSpi(final String packages)
    {
        return classes()
            .that().resideInAPackage(packages)
            .should().onlyDependOnClassesThat(DescribedPredicate.describe(
                "are in java.., org.agrona.., org.slf4j.., " + packages + " or public API types of the core",
                (JavaClass t) -> inAny(t, "java..", "org.agrona..", "org.slf4j..", packages)
                    || PublicApiOnlyTest.isCore(t) && PublicApiOnlyTest.isPublicApi(t)))
            .because("the hybrid engine needs nothing but the SPI (README \"Embedding\")");
    }

    @Test
    void theHybridEngineUsesOnlyTheSpiAndThePublicApi()
    {
        usesOnlyTheSpi(EngineClasses.HYBRID + "..").check(EngineClasses.core());
    }

    @Test
    void theSpiRuleReportsInternalsAndAStoreLibrary()
    {
        final AssertionError error = assertThrows(AssertionError.class,
            () -> usesOnlyTheSpi("io.regioncache.architecture.fixtures.hybrid..")
                .check(new ClassFileImporter().importClasses(HybridUsesInternals.class)));
        assertTrue(error.getMessage().contains("io.regioncache.internal.memory.SegmentPool"), error.getMessage());
        assertTrue(error.getMessage().contains("org.lmdbjava.Env"), error.getMessage());
    }

    /**
     * @param adapterPackage the adapter's package.
     * @param library        the one third-party library it brings.
     * @return the rule that it depends on nothing else beyond the JDK, Agrona, SLF4J and the core's public API.
     */
    static ArchRule adapterBringsOnlyItsLibrary(final String adapterPackage, final String library)
    {
        return classes()
            .that().resideInAPackage(adapterPackage)
            .should().onlyDependOnClassesThat(DescribedPredicate.describe(
                "are in java.., org.agrona.., org.slf4j.., " + adapterPackage + ", " + library
                    + " or public API types of the core",
                (JavaClass t) -> inAny(t, "java..", "org.agrona..", "org.slf4j..", adapterPackage, library)
                    || PublicApiOnlyTest.isCore(t) && PublicApiOnlyTest.isPublicApi(t)))
            .because("each adapter brings only its own library (README \"Embedding\")");
    }

    @Test
    void rocksdbBringsOnlyRocksDb()
    {
        adapterBringsOnlyItsLibrary(EngineClasses.ROCKSDB + "..", "org.rocksdb..").check(EngineClasses.all());
    }

    @Test
    void lmdbBringsOnlyLmdbjava()
    {
        adapterBringsOnlyItsLibrary(EngineClasses.LMDB + "..", "org.lmdbjava..").check(EngineClasses.all());
    }

    @Test
    void chronicleBringsOnlyChronicle()
    {
        adapterBringsOnlyItsLibrary(EngineClasses.CATALOG + "..", "net.openhft..").check(EngineClasses.all());
    }

    @Test
    void micrometerBringsOnlyMicrometer()
    {
        adapterBringsOnlyItsLibrary(EngineClasses.MICROMETER + "..", "io.micrometer..").check(EngineClasses.all());
    }

    @Test
    void theAdapterLibraryRuleReportsASecondLibrary()
    {
        final AssertionError error = assertThrows(AssertionError.class,
            () -> adapterBringsOnlyItsLibrary("io.regioncache.architecture.fixtures.adapter..", "org.lmdbjava..")
                .check(new ClassFileImporter().importClasses(BringsTwoLibraries.class)));
        assertTrue(error.getMessage().contains("org.rocksdb.RocksDB"), error.getMessage());
        assertTrue(!error.getMessage().contains("org.lmdbjava.Env>"), error.getMessage());
    }

    private static boolean inAny(final JavaClass type, final String... packageIdentifiers)
    {
        final String pkg = type.getBaseComponentType().getPackageName();
        if (pkg.isEmpty())
        {
            return true; // a primitive (or an array of them)
        }
        for (final String identifier : packageIdentifiers)
        {
            if (PackageMatchers.of(identifier).test(pkg))
            {
                return true;
            }
        }
        return false;
    }
}
