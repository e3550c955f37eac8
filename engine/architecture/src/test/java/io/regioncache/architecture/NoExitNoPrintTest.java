package io.regioncache.architecture;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.core.domain.properties.HasParameterTypes.Predicates.rawParameterTypes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import io.regioncache.architecture.fixtures.exit.ExitsAndPrints;
import org.junit.jupiter.api.Test;

/**
 * Rule 6: library code never ends the host's JVM and never writes to the console: no {@code System.exit},
 * {@code Runtime.exit}, {@code Runtime.halt}, no {@code System.out} or {@code System.err}, no
 * {@code printStackTrace()} (which prints to {@code System.err}), and no {@code java.util.logging} (logging goes
 * through SLF4J: DESIGN §3.7 "SLF4J logs every transition"; STYLE.md "every error is a value or a counted event, never
 * a swallowed exception and never a crash"). Checked over the main classes of all six engine library modules.
 * <p>
 * One exemption, by name: {@code io.regioncache.ratis.NodeMain} is a command-line entry point (README "Running a
 * cluster": it prints the usage and exits with code 2 on a bad option, and prints the node it serves), not library
 * code a host calls. {@link #withoutTheExemptionOnlyNodeMainIsReported()} keeps the exemption honest: it must name
 * exactly the classes that need it.
 */
class NoExitNoPrintTest
{
    static final String NODE_MAIN = "io.regioncache.ratis.NodeMain";

    /**
     * @param exempt the classes (with their nested and anonymous classes) allowed to exit and print.
     * @return the rule over every other class under {@code io.regioncache}.
     */
    static ArchRule noExitNoConsoleNoJul(final Set<String> exempt)
    {
        final DescribedPredicate<JavaClass> notExempt = DescribedPredicate.describe("are not one of " + exempt,
            c -> exempt.stream().noneMatch(e -> c.getName().equals(e) || c.getName().startsWith(e + "$")));
        return noClasses()
            .that().resideInAPackage("io.regioncache..").and(notExempt)
            .should().callMethod(System.class, "exit", int.class)
            .orShould().callMethod(Runtime.class, "exit", int.class)
            .orShould().callMethod(Runtime.class, "halt", int.class)
            .orShould().accessField(System.class, "out")
            .orShould().accessField(System.class, "err")
            .orShould().callMethodWhere(target(name("printStackTrace")).and(target(rawParameterTypes(new Class<?>[0]))))
            .orShould().dependOnClassesThat().resideInAPackage("java.util.logging..")
            .because("library code never ends the host's JVM nor writes to its console; logs go through SLF4J");
    }

    @Test
    void noLibraryClassExitsPrintsOrUsesJavaUtilLogging()
    {
        noExitNoConsoleNoJul(Set.of(NODE_MAIN)).check(EngineClasses.all());
    }

    @Test
    void withoutTheExemptionOnlyNodeMainIsReported()
    {
        final JavaClasses all = EngineClasses.all();
        final List<String> details = noExitNoConsoleNoJul(Set.of()).evaluate(all).getFailureReport().getDetails();
        final Set<String> reported = new TreeSet<>();
        for (final String detail : details)
        {
            final Matcher m = Pattern.compile("<([^>]+)>").matcher(detail);
            assertTrue(m.find(), detail);
            final String origin = m.group(1);
            final String owner = all.stream().map(JavaClass::getName)
                .filter(n -> origin.equals(n) || origin.startsWith(n + ".") || origin.startsWith(n + "("))
                .max(Comparator.comparingInt(String::length)).orElse(origin);
            reported.add(owner.replaceAll("\\$.*", ""));
        }
        assertEquals(Set.of(NODE_MAIN), reported, String.join("\n", details));
        assertTrue(details.stream().anyMatch(d -> d.contains("System.exit(int)")), String.join("\n", details));
    }

    @Test
    void theRuleReportsExitPrintAndJulInAFixture()
    {
        final AssertionError error = assertThrows(AssertionError.class, () -> noExitNoConsoleNoJul(Set.of(NODE_MAIN))
            .check(new ClassFileImporter().importClasses(ExitsAndPrints.class)));
        final String message = error.getMessage();
        assertTrue(message.contains("System.exit(int)"), message);
        assertTrue(message.contains("Runtime.halt(int)"), message);
        assertTrue(message.contains("System.out"), message);
        assertTrue(message.contains("System.err"), message);
        assertTrue(message.contains("printStackTrace()"), message);
        assertTrue(message.contains("java.util.logging.Logger"), message);
    }
}
