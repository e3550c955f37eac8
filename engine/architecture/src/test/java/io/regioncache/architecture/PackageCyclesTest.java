package io.regioncache.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import io.regioncache.architecture.fixtures.cycle.a.CycleA;
import io.regioncache.architecture.fixtures.cycle.b.CycleB;
import org.junit.jupiter.api.Test;

/**
 * Rule 5: the core's packages form no cycle. The layering the README's "Layout" describes is one-way: the facade
 * package {@code io.regioncache} uses {@code internal.table} and {@code internal.memory}; {@code hybrid} and
 * {@code store} use the facade's SPI (and {@code store} the table's key hash, for {@code KeyedHash}); the internals
 * use nothing above them ({@code internal.table} declares {@code EntryGate}, which the facade package implements,
 * instead of calling up). Checked twice: with ArchUnit's {@code slices().matching("io.regioncache.(*)..")} (first
 * subpackage: {@code hybrid}, {@code store}, {@code internal}; classes directly in {@code io.regioncache} belong to no
 * slice there) and with every package its own slice, the root package included, so a cycle through the facade package
 * or between {@code internal.table} and {@code internal.memory} is caught too.
 */
class PackageCyclesTest
{
    /**
     * @param root the root package: {@code io.regioncache}, or a fixture's.
     * @return the rule that the first-level subpackages of {@code root} form no cycle.
     */
    static ArchRule firstLevelSlicesAcyclic(final String root)
    {
        return slices().matching(root + ".(*)..").should().beFreeOfCycles();
    }

    static final ArchRule EVERY_PACKAGE_ACYCLIC = slices().assignedFrom(new SliceAssignment()
        {
            @Override
            public SliceIdentifier getIdentifierOf(final JavaClass javaClass)
            {
                return javaClass.getPackageName().startsWith("io.regioncache")
                    ? SliceIdentifier.of(javaClass.getPackageName())
                    : SliceIdentifier.ignore();
            }

            @Override
            public String getDescription()
            {
                return "every io.regioncache package its own slice";
            }
        })
        .should().beFreeOfCycles();

    @Test
    void theCoresFirstLevelSlicesHaveNoCycle()
    {
        firstLevelSlicesAcyclic("io.regioncache").check(EngineClasses.core());
    }

    @Test
    void noCoreClassPackageIsInACycle()
    {
        EVERY_PACKAGE_ACYCLIC.check(EngineClasses.core());
    }

    @Test
    void theRulesReportACycleBetweenTwoPackages()
    {
        final var fixture = new ClassFileImporter().importClasses(CycleA.class, CycleB.class);
        final AssertionError first = assertThrows(AssertionError.class, 
            () -> firstLevelSlicesAcyclic("io.regioncache.architecture.fixtures.cycle").check(fixture));
        assertTrue(first.getMessage().contains("Cycle detected"), first.getMessage());
        final AssertionError every = assertThrows(AssertionError.class, () -> EVERY_PACKAGE_ACYCLIC.check(fixture));
        assertTrue(every.getMessage().contains("fixtures.cycle.a") && every.getMessage().contains("fixtures.cycle.b"),
            every.getMessage());
    }
}
