package io.regioncache.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.constructors;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.regioncache.architecture.fixtures.facade.MutableValue;
import io.regioncache.architecture.fixtures.facade.OpenFacadeClass;
import io.regioncache.architecture.fixtures.facade.PubliclyConstructed;
import org.junit.jupiter.api.Test;

/**
 * Rule 4: the public facade is small and closed (STYLE.md: "A small public facade over package-private machinery; the
 * builder is the only way in"; README "Embedding": "The public API is one package listing", "no public seam into the
 * single writer: no {@code submit(Command)}, no pool, no counters with mutators, no public {@code Snapshot}
 * constructor"; "{@code Region} is immutable").
 * <p>
 * Proves: (a) the public top-level types of {@code io.regioncache} are exactly the README's listing; (b) every public
 * class of the three exported packages is closed to host subclasses (final, sealed, an interface, an enum or a
 * record) except the two cursor base classes the README documents as made to be extended ({@code ViewStoreCursor},
 * {@code MvccStoreCursor}) (written, it found {@code StoreException} public and open to subclassing, a type the README
 * never offers for extension and no engine class extends: it is final since 2026-12-08); (c) {@code RegionCache}, {@code RegionCacheConfig} and {@code Snapshot} have no public
 * or protected constructor; (d) every field of {@code Region} is final.
 */
class FacadeTest
{
    /** README "Embedding", "The public API is one package listing", in its order. */
    static final Set<String> DOCUMENTED_FACADE = Set.of(
        "RegionCache", "RegionCacheConfig", "ApplyStream", "Region", "RegionInfo", "RegionState", "EvictReason",
        "WriteBatch", "CommandResult", "ResultCode", "Snapshot", "SnapshotIterator", "SnapshotStatus",
        "SnapshotUnavailableException", "MetricsSnapshot", "CountersFile", "Bytes", "ReadArguments", "StoreView",
        "BackingStore", "BackingSnapshot", "StoreCursor", "ViewStoreCursor", "WritableStore", "StoreException");

    /** Base classes the README names as made for extension: "a cursor base class", "which the cursors of all three stores extend". */
    static final Set<String> DOCUMENTED_BASE_CLASSES = Set.of(
        "io.regioncache.ViewStoreCursor", "io.regioncache.store.MvccStoreCursor");

    static final String[] EXPORTED = {EngineClasses.CORE_ROOT, EngineClasses.HYBRID, EngineClasses.STORE};

    /**
     * @param allowedOpen public classes allowed to stay open to subclassing.
     * @param packages    the packages held to the rule.
     * @return the rule that every public class there is closed to a host's subclass.
     */
    static ArchRule facadeIsClosed(final Set<String> allowedOpen, final String... packages)
    {
        return classes()
            .that().resideInAnyPackage(packages).and().arePublic()
            .should(beClosedUnlessAllowed(allowedOpen))
            .because("a host cannot subclass engine types to break their invariants (STYLE.md, README \"Embedding\")");
    }

    @Test
    void thePublicTopLevelTypesAreExactlyTheDocumentedListing()
    {
        final Set<String> actual = EngineClasses.core().stream()
            .filter(c -> c.getPackageName().equals(EngineClasses.CORE_ROOT) && c.isTopLevelClass()
                && c.getModifiers().contains(JavaModifier.PUBLIC))
            .map(JavaClass::getSimpleName).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(DOCUMENTED_FACADE), actual);
    }

    @Test
    void theFacadeIsClosedExceptTheDocumentedBaseClasses()
    {
        facadeIsClosed(DOCUMENTED_BASE_CLASSES, EXPORTED).check(EngineClasses.core());
    }

    @Test
    void theClosureRuleReportsAnOpenPublicClass()
    {
        final AssertionError error = assertThrows(AssertionError.class,
            () -> facadeIsClosed(DOCUMENTED_BASE_CLASSES, "io.regioncache.architecture.fixtures.facade")
                .check(new ClassFileImporter().importClasses(OpenFacadeClass.class)));
        assertTrue(error.getMessage().contains(OpenFacadeClass.class.getName()), error.getMessage());
    }

    /**
     * @param classNames the classes that a host must obtain from the engine, never construct.
     * @return the rule that those classes have no public or protected constructor.
     */
    static ArchRule noPublicConstructor(final Set<String> classNames)
    {
        return constructors()
            .that().areDeclaredInClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe(
                "are one of " + classNames, (JavaClass c) -> classNames.contains(c.getName())))
            .should().notBePublic().andShould().notBeProtected()
            .because("the builder is the only way in; no public Snapshot constructor (README \"Embedding\")");
    }

    @Test
    void theEngineSnapshotAndConfigAreNotConstructibleByHosts()
    {
        noPublicConstructor(Set.of("io.regioncache.RegionCache", "io.regioncache.RegionCacheConfig",
            "io.regioncache.Snapshot")).check(EngineClasses.core());
    }

    @Test
    void theConstructorRuleReportsAPublicConstructor()
    {
        final AssertionError error = assertThrows(AssertionError.class,
            () -> noPublicConstructor(Set.of(PubliclyConstructed.class.getName()))
                .check(new ClassFileImporter().importClasses(PubliclyConstructed.class)));
        assertTrue(error.getMessage().contains("PubliclyConstructed.<init>()"), error.getMessage());
    }

    /**
     * @param className a value class documented as immutable.
     * @return the rule that all its fields are final.
     */
    static ArchRule allFieldsFinal(final String className)
    {
        return fields().that().areDeclaredInClassesThat().haveFullyQualifiedName(className)
            .should().beFinal()
            .because("Region is immutable (README \"Embedding\")");
    }

    @Test
    void regionHasOnlyFinalFields()
    {
        allFieldsFinal("io.regioncache.Region").check(EngineClasses.core());
    }

    @Test
    void theFieldRuleReportsAMutableField()
    {
        final AssertionError error = assertThrows(AssertionError.class,
            () -> allFieldsFinal(MutableValue.class.getName())
                .check(new ClassFileImporter().importClasses(MutableValue.class)));
        assertTrue(error.getMessage().contains("MutableValue.value"), error.getMessage());
    }

    static ArchCondition<JavaClass> beClosedUnlessAllowed(final Set<String> allowedOpen)
    {
        return new ArchCondition<>("be final, sealed, an interface, an enum or a record")
        {
            @Override
            public void check(final JavaClass type, final ConditionEvents events)
            {
                final boolean closed = type.isInterface() || type.isEnum() || type.isRecord()
                    || type.getModifiers().contains(JavaModifier.FINAL) || type.reflect().isSealed();
                if (!closed && !allowedOpen.contains(type.getName()))
                {
                    events.add(SimpleConditionEvent.violated(type, type.getName() + " is public and open to subclassing"
                        + (type.getModifiers().contains(JavaModifier.ABSTRACT) ? " (abstract)" : "")));
                }
            }
        };
    }
}
