package io.regioncache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Audit of README.md's "## Tests", "## Layout", "### jcstress: the memory-order claims" and "### YCSB: workloads A–F
 * against RocksDB and LMDB" against the source tree (no test is run from here: the files are read). It checks that
 * <ul>
 *   <li>every test class the "Tests" table names exists in the module the table gives it (or, without a module, in
 *   some module), and every class named in the section exists;</li>
 *   <li>every documented {@code -Dname} is read, under that exact name, by every test it is documented for, and that
 *   each seed property's test names the seed in a failure message;</li>
 *   <li>the jcstress table names the module's fourteen {@code @JCStressTest}s, each with a FORBIDDEN outcome, and the
 *   commands and gate it describes exist;</li>
 *   <li>the YCSB section's bindings, runner options, {@code -p} properties, output files and workload files exist;</li>
 *   <li>the Layout tree's modules are the reactor's modules, its packages and named classes exist, its jars are the
 *   ones the poms build, its scripts exist.</li>
 * </ul>
 * Fast and deterministic: string and file checks only.
 */
class ReadmeAuditTestsSectionTest
{
    private static Path root;
    private static String readme;

    /** README module name (as in "(core)") to its directory. */
    private static final Map<String, String> MODULES = new LinkedHashMap<>();

    static
    {
        for (final String m : List.of("core", "rocksdb", "chronicle", "micrometer", "lmdb", "hybrid-it", "jcstress",
            "ratis", "architecture", "fuzz"))
        {
            MODULES.put(m, "engine/" + m);
        }
        for (final String m : List.of("workload", "jmh", "tool", "ycsb"))
        {
            MODULES.put(m, "bench/" + m);
        }
    }

    @BeforeAll
    static void readReadme()
    {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("engine"))))
        {
            dir = dir.getParent();
        }
        assertNotNull(dir, "README.md above the module");
        root = dir;
        readme = read(root.resolve("README.md"));
    }

    // ============================================================================================== Tests

    @Test
    void everyTestClassOfTheTableIsInTheModuleItNames()
    {
        final List<String> problems = new ArrayList<>();
        int checked = 0;
        for (final String row : tableRows(section("## Tests")))
        {
            final String[] cells = row.split("\\|");
            if (cells.length < 3)
            {
                continue;
            }
            final String first = cells[1];
            // backticked names, each followed (possibly after others) by a "(module...)" group
            final Matcher m = Pattern.compile("`([A-Z][A-Za-z0-9]*)`|\\(([^)]*)\\)").matcher(first);
            final List<String> pending = new ArrayList<>();
            while (m.find())
            {
                if (m.group(1) != null)
                {
                    pending.add(m.group(1));
                    continue;
                }
                final String module = m.group(2).split(",")[0].trim();
                for (final String cls : pending)
                {
                    checked++;
                    if (MODULES.containsKey(module))
                    {
                        if (findClass(MODULES.get(module), cls).isEmpty())
                        {
                            problems.add(cls + " not in " + MODULES.get(module) + " (found in " + anywhere(cls) + ")");
                        }
                    }
                    else if (anywhere(cls).isEmpty())
                    {
                        problems.add(cls + " (" + module + ") in no module");
                    }
                }
                pending.clear();
            }
            for (final String cls : pending) // no module given
            {
                checked++;
                if (anywhere(cls).isEmpty())
                {
                    problems.add(cls + " in no module");
                }
            }
        }
        assertTrue(checked > 50, "test classes parsed from the table: " + checked);
        assertEquals(List.of(), problems);
        // the "one per adapter module" row: exactly one ApiMisuse test in each adapter module
        for (final String[] pair : new String[][] {{"RocksDbApiMisuseTest", "rocksdb"}, {"LmdbApiMisuseTest", "lmdb"},
            {"ChronicleApiMisuseTest", "chronicle"}, {"MicrometerApiMisuseTest", "micrometer"},
            {"RatisApiMisuseTest", "ratis"}})
        {
            assertFalse(findClass(MODULES.get(pair[1]), pair[0]).isEmpty(), pair[0]);
        }
        // the path rows
        assertTrue(Files.isDirectory(root.resolve("engine/core/src/test/java/io/regioncache/internal/table")));
        assertTrue(Files.isDirectory(root.resolve("engine/core/src/test/java/io/regioncache/internal/memory")));
        assertTrue(Files.isDirectory(root.resolve("bench/tool/src/test/java/io/regioncache/bench/drive")));
        // the shared fixtures
        assertFalse(findClass("engine/core", "FailingStore").isEmpty());
        assertFalse(findClass("engine/core", "WritableStoreContract").isEmpty());
        assertFalse(findClass("engine/hybrid-it", "HybridTestSupport").isEmpty());
    }

    @Test
    void everyClassNamedInTheTestsSectionExists()
    {
        final Set<String> missing = new TreeSet<>();
        final Matcher m = Pattern.compile("`([A-Z][A-Za-z0-9]*(?:Test|Contract))`").matcher(section("## Tests"));
        while (m.find())
        {
            if (anywhere(m.group(1)).isEmpty())
            {
                missing.add(m.group(1));
            }
        }
        assertEquals(Set.of(), missing);
    }

    @Test
    void everyDocumentedPropertyIsReadByItsTestsAndSeedsAreNamedOnFailure()
    {
        final String tests = section("## Tests");
        final String paragraph = tests.substring(0, tests.indexOf("| suite"));
        // "-Dname=N (`A`, `B` ...)" in the paragraph
        final Map<String, Set<String>> documented = new LinkedHashMap<>();
        final Matcher p = Pattern.compile("`-D([a-z][a-z.]*)=N`\\s*\\(([^()]*(?:\\([^()]*\\)[^()]*)*)\\)")
            .matcher(paragraph);
        while (p.find())
        {
            documented.computeIfAbsent(p.group(1), k -> new LinkedHashSet<>()).addAll(backticked(p.group(2)));
        }
        // "-Dname" in a table row: read by one of the row's classes
        for (final String row : tableRows(tests))
        {
            final Matcher d = Pattern.compile("`-D([a-z][a-z.]*)(?:=N)?`").matcher(row);
            while (d.find())
            {
                final String property = d.group(1);
                final Set<String> classes = backticked(row.split("\\|")[1]);
                assertTrue(classes.stream().anyMatch(c -> reads(c, property)),
                    "-D" + property + " is read by none of " + classes);
            }
        }
        assertEquals(Set.of("model.seed", "hostile.seed", "stress.seed", "multiget.seed", "batch.seed",
            "regioncache.seed", "gcrace.seed"), documented.keySet());
        final List<String> problems = new ArrayList<>();
        for (final Map.Entry<String, Set<String>> e : documented.entrySet())
        {
            assertFalse(e.getValue().isEmpty(), e.getKey());
            for (final String cls : e.getValue())
            {
                if (!reads(cls, e.getKey()))
                {
                    problems.add(cls + " does not read -D" + e.getKey());
                }
                // "Seeds are printed on failure": a message built from the seed
                if (!Pattern.compile("\"[^\"]*seed[ =]\"\\s*\\+\\s*seed\\b").matcher(source(cls)).find())
                {
                    problems.add(cls + " names no seed in a message");
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(reads("ConcurrentReadersStressTest", "stress.seconds"));
        assertTrue(reads("HostileInputTest", "hostile.calls"));
    }

    // ============================================================================================== jcstress

    @Test
    void theJcstressTableNamesTheModulesTestsEachWithAForbiddenOutcome() throws IOException
    {
        final String section = section("### jcstress: the memory-order claims");
        final Set<String> named = new LinkedHashSet<>();
        for (final String row : tableRows(section))
        {
            final Set<String> first = backticked(row.split("\\|")[1]);
            named.addAll(first);
        }
        final Path dir = root.resolve("engine/jcstress/src/main/java/io/regioncache");
        final Map<String, Path> actual = new TreeMap<>(); // in io.regioncache and its internal packages
        try (Stream<Path> files = Files.walk(dir))
        {
            files.filter(f -> f.toString().endsWith(".java") && read(f).contains("@JCStressTest"))
                .forEach(f -> actual.put(f.getFileName().toString().replace(".java", ""), f));
        }
        assertEquals(actual.keySet(), new TreeSet<>(named), "the table against the module's @JCStressTest classes");
        assertEquals(14, named.size(), "\"the fourteen\"");
        assertTrue(section.contains("the fourteen") && section.contains("all fourteen"));
        for (final String test : named)
        {
            final String src = read(actual.get(test));
            assertTrue(src.contains("expect = FORBIDDEN"), test + " forbids nothing");
        }
        final Path fullScript = root.resolve("engine/jcstress/run-full.sh");
        assertTrue(Files.isExecutable(fullScript), "run-full.sh");
        assertTrue(read(fullScript).contains("-Djcstress.args=\"-m default\" \"$@\""), "run-full.sh passes -m default, then the caller's");
        final String pom = read(root.resolve("engine/jcstress/pom.xml"));
        assertTrue(pom.contains("-m quick -sc false -jvmArgs"), "the quick mode's arguments");
        assertTrue(pom.contains("<skip>${jcstress.skip}</skip>"), "-Djcstress.skip=true");
        assertTrue(pom.contains("-r ${project.build.directory}/jcstress/results"), "the report directory");
        assertTrue(pom.contains("<phase>integration-test</phase>"), "part of mvn verify");
        final String gate = read(dir.resolve("JcstressGate.java"));
        assertTrue(gate.contains("\"JcstressGate: SKIPPED"), "the gate's skip line");
        assertTrue(gate.contains("\"no test ran\""), "the gate fails a run in which no test ran");
        assertTrue(readme.contains("`engine/jcstress`, jcstress 0.16"));
        assertTrue(read(root.resolve("pom.xml")).contains("<jcstress.version>0.16</jcstress.version>"));
    }

    // ============================================================================================== YCSB

    @Test
    void theYcsbSectionsBindingsOptionsPropertiesAndFilesExist()
    {
        final String section = section("### YCSB: workloads A–F against RocksDB and LMDB");
        final String main = "bench/ycsb/src/main/java/io/regioncache/ycsb/";
        for (final String binding : List.of("RegionCacheHybridDB", "RocksDbPlainDB", "LmdbDB", "RegionCacheClusterDB"))
        {
            assertTrue(section.contains("`" + binding + "`"), binding);
            final String src = read(root.resolve(main + binding + ".java"));
            // YCSB builds it by class name: public, with a public no-argument constructor (declared or implicit)
            assertTrue(src.contains("public final class " + binding) && (src.contains("public " + binding + "()") ||
                !Pattern.compile("[^.\\w]" + binding + "\\s*\\(").matcher(src).find()), binding + ": YCSB builds it by class name");
        }
        final String runner = read(root.resolve(main + "YcsbRunner.java"));
        for (final String system : List.of("regioncache", "rocksdb", "lmdb", "cluster"))
        {
            assertTrue(runner.contains("SYSTEMS.put(\"" + system + "\""), system);
        }
        final Matcher option = Pattern.compile("(?<![\\w-])(--[a-z][a-z-]*)").matcher(section);
        final Set<String> options = new TreeSet<>();
        while (option.find())
        {
            options.add(option.group(1));
        }
        options.removeIf(o -> o.startsWith("--add-")); // JVM flags of the java command line
        assertTrue(options.containsAll(List.of("--records", "--seconds", "--threads", "--data", "--out", "--systems",
            "--workloads", "--operations", "--start-cluster", "--name")), options.toString());
        for (final String o : options)
        {
            assertTrue(runner.contains("case \"" + o + "\""), "YcsbRunner parses " + o);
        }
        assertTrue(runner.contains("case \"-p\""));
        final String bindings = Stream.of("RegionCacheHybridDB", "RocksDbPlainDB", "LmdbDB", "RegionCacheClusterDB")
            .map(b -> read(root.resolve(main + b + ".java"))).collect(Collectors.joining("\n"));
        for (final String property : List.of("regioncache.cacheBytes", "regioncache.splitKeys",
            "regioncache.gcEveryWrites", "lmdb.mapSize", "regioncache.cluster", "regioncache.tls.cert",
            "regioncache.tls.key", "regioncache.tls.ca"))
        {
            assertTrue(section.contains(property), property);
            assertTrue(bindings.contains("\"" + property + "\""), "a binding reads " + property);
            assertTrue(runner.contains("\"" + property + "\""), "the runner checks " + property + " before running");
        }
        assertTrue(bindings.contains("\"regioncache.splitKeys\", \"65536\"") &&
            bindings.contains("\"regioncache.gcEveryWrites\", \"200000\""), "the documented defaults");
        assertTrue(read(root.resolve(main + "HybridStore.java")).contains("SAMPLE = 512"), "a sample of up to 512");
        final String report = read(root.resolve(main + "YcsbReport.java"));
        for (final String file : List.of("ycsb-results.json", "ycsb-summary.md", "ycsb-throughput.svg", "ycsb-p99.svg"))
        {
            assertTrue(section.contains(file), file);
            assertTrue(report.contains("\"" + file + "\""), "the report writes " + file);
        }
        for (final String w : List.of("a", "b", "c", "d", "e", "f"))
        {
            assertTrue(Files.isRegularFile(root.resolve("bench/ycsb/src/main/resources/workloads/workload" + w)), w);
        }
        final String pom = read(root.resolve("bench/ycsb/pom.xml"));
        assertTrue(pom.contains("<finalName>regioncache-ycsb</finalName>") &&
            pom.contains("<mainClass>io.regioncache.ycsb.YcsbRunner</mainClass>"), "java -jar bench/ycsb/target/regioncache-ycsb.jar");
        assertTrue(read(root.resolve("pom.xml")).contains("<ycsb.version>0.17.0</ycsb.version>"), "YCSB 0.17.0");
        assertFalse(findClass("bench/ycsb", "YcsbSmokeTest").isEmpty());
        assertFalse(findClass("bench/ycsb", "YcsbClusterSmokeTest").isEmpty());
        final String smoke = source("YcsbSmokeTest");
        assertTrue(smoke.contains("\"--records\", \"400\"") && smoke.contains("regioncache.splitKeys=64") &&
            smoke.contains("regioncache.gcEveryWrites=100"), "400 records, a split every 64 inserts, GC every 100");
        final String cluster = source("YcsbClusterSmokeTest");
        assertTrue(cluster.contains("\"--start-cluster\", \"3\"") && cluster.contains("\"--records\", \"200\"") &&
            cluster.contains("regioncache.splitKeys=64"), "--start-cluster 3, 200 records, a split every 64 inserts");
        for (final String f : List.of("ycsb-summary.md", "ycsb-results.json", "ycsb-throughput.svg",
            "ycsb-cluster-results.json", "ycsb-cluster-summary.md", "ycsb-cluster-run.log.txt"))
        {
            assertTrue(Files.isRegularFile(root.resolve("jmh-results/ycsb/" + f)), "jmh-results/ycsb/" + f);
        }
    }

    // ============================================================================================== Layout

    @Test
    void theLayoutTreeIsTheReactorsModulesPackagesAndJars()
    {
        final String section = section("## Layout");
        final String tree = section.substring(section.indexOf("```") + 3, section.lastIndexOf("```"));
        // modules: "  name/" under engine/ and bench/
        final Map<String, Set<String>> listed = new LinkedHashMap<>();
        String parent = null;
        String module = null;
        final Map<String, Set<String>> packages = new LinkedHashMap<>();
        final Map<String, String> jars = new LinkedHashMap<>();
        for (final String line : tree.split("\n"))
        {
            final Matcher top = Pattern.compile("^([a-z-]+)/(\\s|$)").matcher(line);
            final Matcher sub = Pattern.compile("^  ([a-z-]+)/(\\s|$)").matcher(line);
            if (top.find())
            {
                parent = top.group(1);
                module = null;
            }
            else if (sub.find() && parent != null)
            {
                module = parent + "/" + sub.group(1);
                listed.computeIfAbsent(parent, k -> new TreeSet<>()).add(sub.group(1));
            }
            if (module == null)
            {
                continue;
            }
            final Matcher pkg = Pattern.compile("\\bio\\.regioncache(?:\\.[a-z]+)*").matcher(line);
            while (pkg.find())
            {
                packages.computeIfAbsent(module, k -> new LinkedHashSet<>()).add(pkg.group());
            }
            final Matcher jar = Pattern.compile("-> (\\S+\\.jar)").matcher(line);
            if (jar.find())
            {
                jars.put(module, jar.group(1));
            }
        }
        for (final String p : List.of("engine", "bench"))
        {
            final String pom = read(root.resolve(p + "/pom.xml"));
            final Set<String> reactor = new TreeSet<>();
            final Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
            while (m.find())
            {
                reactor.add(m.group(1));
            }
            assertEquals(reactor, listed.get(p), p + "/ modules: the reactor against the Layout tree");
        }
        final List<String> problems = new ArrayList<>();
        for (final Map.Entry<String, Set<String>> e : packages.entrySet())
        {
            for (final String pkg : e.getValue())
            {
                if (!Files.isDirectory(root.resolve(e.getKey() + "/src/main/java/" + pkg.replace('.', '/'))))
                {
                    problems.add(e.getKey() + ": no package " + pkg);
                }
            }
        }
        assertEquals(List.of(), problems);
        assertEquals(Set.of("io.regioncache", "io.regioncache.hybrid", "io.regioncache.store",
            "io.regioncache.internal"), packages.get("engine/core"));
        final String core = "engine/core/src/main/java/io/regioncache/";
        for (final String cls : List.of("ApplyAgent", "Command", "RegionRecord", "StateWord", "Transitions",
            "RegionDirectory", "RegionIndex", "hybrid/HybridEngine", "hybrid/HybridReader", "hybrid/HybridScan",
            "hybrid/CrossCheck", "store/InMemoryBackingStore", "store/MvccKeyCodec", "WritableStore"))
        {
            assertTrue(Files.isRegularFile(root.resolve(core + cls + ".java")), cls);
        }
        assertTrue(Files.isDirectory(root.resolve(core + "internal/table")));
        assertTrue(Files.isDirectory(root.resolve(core + "internal/memory")));
        // tests-only modules have no main code
        assertFalse(Files.exists(root.resolve("engine/hybrid-it/src/main")), "hybrid-it: tests only");
        // the jars
        assertEquals(Map.of("bench/jmh", "bench/target/benchmarks.jar", "bench/tool", "bench/target/regioncache.jar",
            "bench/ycsb", "bench/ycsb/target/regioncache-ycsb.jar"), jars);
        assertTrue(read(root.resolve("bench/jmh/pom.xml")).contains("<outputFile>${project.basedir}/../target/benchmarks.jar</outputFile>"));
        assertTrue(read(root.resolve("bench/tool/pom.xml")).contains("<outputFile>${project.basedir}/../target/regioncache.jar</outputFile>"));
        assertTrue(read(root.resolve("bench/ycsb/pom.xml")).contains("<finalName>regioncache-ycsb</finalName>"));
        // the core's dependencies: Agrona, JCTools, SLF4J only
        final String corePom = read(root.resolve("engine/core/pom.xml"));
        final Matcher dep = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL).matcher(corePom);
        final Set<String> compile = new TreeSet<>();
        while (dep.find())
        {
            if (!dep.group(1).contains("<scope>test</scope>"))
            {
                final Matcher a = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(dep.group(1));
                assertTrue(a.find());
                compile.add(a.group(1));
            }
        }
        assertEquals(Set.of("agrona", "jctools-core", "slf4j-api"), compile);
        for (final String script : List.of("smoke.sh", "run-full.sh", "run-memlimit.sh", "soak.sh"))
        {
            assertTrue(Files.isRegularFile(root.resolve("bench/" + script)), script);
        }
        for (final String f : List.of("summary.md", "ycsb", "ratis-replicated.json", "memlimit", "HISTORY.md"))
        {
            assertTrue(Files.exists(root.resolve("jmh-results/" + f)), "jmh-results/" + f);
        }
    }

    // ============================================================================================== helpers

    /** @return the README from {@code heading} to the next heading of the same or a higher level. */
    private static String section(final String heading)
    {
        final int start = readme.indexOf("\n" + heading + "\n");
        assertTrue(start >= 0, "no section " + heading);
        final int level = heading.indexOf(' ');
        final Matcher next = Pattern.compile("\n#{1," + level + "} ").matcher(readme);
        final int end = next.find(start + heading.length() + 1) ? next.start() : readme.length();
        return readme.substring(start + 1, end);
    }

    private static List<String> tableRows(final String section)
    {
        return section.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| suite") && !l.startsWith("| test") &&
            !l.startsWith("|---")).collect(Collectors.toList());
    }

    private static Set<String> backticked(final String text)
    {
        final Set<String> out = new LinkedHashSet<>();
        final Matcher m = Pattern.compile("`([A-Z][A-Za-z0-9]*)`").matcher(text);
        while (m.find())
        {
            out.add(m.group(1));
        }
        return out;
    }

    /** @return true if the class's source reads system property {@code name} under that exact name. */
    private static boolean reads(final String cls, final String name)
    {
        return Pattern.compile("(getProperty|getLong|getInteger|getBoolean)\\(\\s*\"" + Pattern.quote(name) + "\"")
            .matcher(source(cls)).find();
    }

    private static String source(final String cls)
    {
        final List<Path> found = anywhere(cls);
        assertEquals(1, found.size(), cls + ": " + found);
        return read(found.get(0));
    }

    private static List<Path> anywhere(final String cls)
    {
        final List<Path> out = new ArrayList<>();
        for (final String dir : MODULES.values())
        {
            out.addAll(findClass(dir, cls));
        }
        return out;
    }

    /** @return the module's test (and, for jcstress, main) source files named {@code cls}.java. */
    private static List<Path> findClass(final String module, final String cls)
    {
        final List<Path> out = new ArrayList<>();
        for (final String tree : List.of("src/test/java", "src/main/java"))
        {
            if (tree.equals("src/main/java") && !module.equals("engine/jcstress"))
            {
                continue;
            }
            final Path base = root.resolve(module).resolve(tree);
            if (!Files.isDirectory(base))
            {
                continue;
            }
            try (Stream<Path> files = Files.walk(base))
            {
                files.filter(f -> f.getFileName().toString().equals(cls + ".java")).forEach(out::add);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        return out;
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
