package io.regioncache.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.regioncache.architecture.fixtures.adapter.ReachesIntoInternals;
import io.regioncache.architecture.fixtures.core.ExposesInternalType;
import org.junit.jupiter.api.Test;

/**
 * Rule 2: the adapters use only the engine's public API, and that API never hands out an internal type.
 * <p>
 * README "Replication": "the module uses only the engine's public API"; "Embedding": the off-heap tables and memory
 * pool "live in {@code io.regioncache.internal.*}, which {@code module-info.java} does not export", and everything in
 * {@code io.regioncache} besides the listed facade is package-private. So (a) no adapter class depends on
 * {@code io.regioncache.internal..}, (b) every core class an adapter depends on is public (on the classpath nothing
 * else enforces it: a class in an adapter could otherwise declare itself in a core package), and (c) no public or
 * protected member of a public type in the exported packages names an internal or non-public core type in its
 * signature (field type, parameters, return type, declared exceptions, generic arguments), nor does such a type
 * extend or implement one.
 */
class PublicApiOnlyTest
{
    static final String[] EXPORTED = {EngineClasses.CORE_ROOT, EngineClasses.HYBRID, EngineClasses.STORE};

    static final String FIXTURES = "io.regioncache.architecture.fixtures.adapter..";

    /**
     * @param adapterPackages the packages held to the rule: the five adapters', or a fixture's.
     * @return the rule that those classes do not depend on {@code io.regioncache.internal..}.
     */
    static ArchRule adaptersDoNotUseInternals(final String... adapterPackages)
    {
        return noClasses()
            .that().resideInAnyPackage(adapterPackages)
            .should().dependOnClassesThat().resideInAPackage(EngineClasses.INTERNAL)
            .because("the adapters use only the engine's public API (README \"Replication\", \"Embedding\")");
    }

    /**
     * @param adapterPackages the packages held to the rule: the five adapters', or a fixture's.
     * @return the rule that every core type those classes depend on is a public type of an exported package.
     */
    static ArchRule adaptersUseOnlyPublicCoreTypes(final String... adapterPackages)
    {
        return noClasses()
            .that().resideInAnyPackage(adapterPackages)
            .should().dependOnClassesThat(coreTypeThatIsNotPublicApi())
            .because("the adapters use only the engine's public API (README \"Replication\", \"Embedding\")");
    }

    /**
     * @param packages the packages held to the rule: the three exported ones, or a fixture's.
     * @return the rule that their public types' host-visible signatures name only public API types.
     */
    static ArchRule apiExposesNoInternalType(final String... packages)
    {
        return classes()
            .that().resideInAnyPackage(packages).and().arePublic()
            .should(exposeOnlyPublicApiTypes())
            .because("a host sees only the exported packages' public types (README \"Embedding\")");
    }

    @Test
    void noAdapterDependsOnTheInternals()
    {
        adaptersDoNotUseInternals(EngineClasses.ADAPTER_PACKAGES).check(EngineClasses.adapters());
    }

    @Test
    void everyCoreTypeAnAdapterUsesIsPublicApi()
    {
        adaptersUseOnlyPublicCoreTypes(EngineClasses.ADAPTER_PACKAGES).check(EngineClasses.all());
    }

    @Test
    void thePublicApiExposesNoInternalOrPackagePrivateType()
    {
        apiExposesNoInternalType(EXPORTED).check(EngineClasses.core());
    }

    @Test
    void theAdapterRulesReportAClassUsingTheInternals()
    {
        final var fixture = new ClassFileImporter().importClasses(ReachesIntoInternals.class,
            io.regioncache.internal.memory.SegmentPool.class);
        final AssertionError internal = assertThrows(AssertionError.class,
            () -> adaptersDoNotUseInternals(FIXTURES).check(fixture));
        assertTrue(internal.getMessage().contains("SegmentPool"), internal.getMessage());
        final AssertionError notPublic = assertThrows(AssertionError.class,
            () -> adaptersUseOnlyPublicCoreTypes(FIXTURES).check(fixture));
        assertTrue(notPublic.getMessage().contains("SegmentPool"), notPublic.getMessage());
    }

    @Test
    void theApiRuleReportsAPublicMethodReturningAnInternalType()
    {
        final AssertionError error = assertThrows(AssertionError.class, () -> apiExposesNoInternalType(
            "io.regioncache.architecture.fixtures.core").check(new ClassFileImporter().importClasses(ExposesInternalType.class)));
        assertTrue(error.getMessage().contains("pool()") && error.getMessage().contains("SegmentPool"), error.getMessage());
    }

    /** @return a core type (any core package) that is not a public type of an exported package. */
    static DescribedPredicate<JavaClass> coreTypeThatIsNotPublicApi()
    {
        return DescribedPredicate.describe("are core types outside the public API", t -> !isPublicApi(t) && isCore(t));
    }

    static boolean isCore(final JavaClass type)
    {
        final String pkg = type.getBaseComponentType().getPackageName();
        return pkg.equals(EngineClasses.CORE_ROOT) || pkg.equals(EngineClasses.HYBRID) || pkg.equals(EngineClasses.STORE)
            || pkg.startsWith(EngineClasses.CORE_ROOT + ".internal");
    }

    static boolean isPublicApi(final JavaClass type)
    {
        final JavaClass base = type.getBaseComponentType();
        if (!isCore(base))
        {
            return true;
        }
        if (base.getPackageName().startsWith(EngineClasses.CORE_ROOT + ".internal"))
        {
            return false;
        }
        for (JavaClass c = base; c != null; c = c.getEnclosingClass().orElse(null))
        {
            if (!c.getModifiers().contains(JavaModifier.PUBLIC))
            {
                return false;
            }
        }
        return true;
    }

    private static boolean visibleToHosts(final JavaMember member)
    {
        final Set<JavaModifier> modifiers = member.getModifiers();
        if (modifiers.contains(JavaModifier.SYNTHETIC) || modifiers.contains(JavaModifier.BRIDGE))
        {
            return false;
        }
        return modifiers.contains(JavaModifier.PUBLIC)
            || modifiers.contains(JavaModifier.PROTECTED) && !member.getOwner().getModifiers().contains(JavaModifier.FINAL);
    }

    private static boolean publicAllTheWayOut(final JavaClass type)
    {
        for (JavaClass c = type; c != null; c = c.getEnclosingClass().orElse(null))
        {
            if (!c.getModifiers().contains(JavaModifier.PUBLIC))
            {
                return false;
            }
        }
        return true;
    }

    static ArchCondition<JavaClass> exposeOnlyPublicApiTypes()
    {
        return new ArchCondition<>("expose only public API types in public or protected signatures")
        {
            @Override
            public void check(final JavaClass type, final ConditionEvents events)
            {
                if (!publicAllTheWayOut(type))
                {
                    return;
                }
                final List<String> leaks = new ArrayList<>();
                type.getRawSuperclass().ifPresent(s -> leak(leaks, "extends", s));
                type.getRawInterfaces().forEach(i -> leak(leaks, "implements", i));
                for (final JavaField field : type.getFields())
                {
                    if (visibleToHosts(field))
                    {
                        field.getType().getAllInvolvedRawTypes().forEach(t -> leak(leaks, "field " + field.getName(), t));
                    }
                }
                for (final JavaCodeUnit unit : type.getCodeUnits())
                {
                    if (!visibleToHosts(unit))
                    {
                        continue;
                    }
                    final String where = unit.getName() + "()";
                    unit.getReturnType().getAllInvolvedRawTypes().forEach(t -> leak(leaks, where + " returns", t));
                    for (final JavaType p : unit.getParameterTypes())
                    {
                        p.getAllInvolvedRawTypes().forEach(t -> leak(leaks, where + " takes", t));
                    }
                    unit.getExceptionTypes().forEach(t -> leak(leaks, where + " throws", t));
                }
                for (final String leak : leaks)
                {
                    events.add(SimpleConditionEvent.violated(type, type.getName() + " " + leak));
                }
            }
        };
    }

    private static void leak(final List<String> leaks, final String where, final JavaClass type)
    {
        if (!isPublicApi(type))
        {
            leaks.add(where + " " + type.getName());
        }
    }
}
