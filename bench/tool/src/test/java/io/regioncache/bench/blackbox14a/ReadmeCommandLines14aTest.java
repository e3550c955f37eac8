package io.regioncache.bench.blackbox14a;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.regioncache.bench.drive.DriveCommand;
import io.regioncache.bench.drive.RegionCacheTool;
import picocli.CommandLine;

/**
 * README.md's promise that its commands work as written on a fresh clone, checked against the code without running
 * a build, a benchmark or a workload: every fenced shell command and every inline command is found by parsing the
 * README itself (so a command added later is checked too), then
 * <ul>
 * <li>every jar it runs is one a POM builds, at that path, and every class it names with {@code -cp} is in that
 * jar's module or one it depends on, with a {@code main};</li>
 * <li>every {@code -pl} module is a module of the reactor; every script exists, is executable and reads the
 * environment variables the README sets for it; every {@code ONLY=} set is one {@code run-full.sh} knows;</li>
 * <li>every {@code regioncache} tool command line parses with the tool's own picocli model (unknown option, missing
 * value, bad unit: a failure), and a local {@code drive} line also passes the drive's validation;</li>
 * <li>every JMH command line's regex selects at least one benchmark, every {@code -p NAME} is a {@code @Param} of a
 * selected benchmark (or of its states) and every value is declared or one the code compares with, and every other
 * option is a JMH option.</li>
 * </ul>
 */
class ReadmeCommandLines14aTest
{
    private static final Path ROOT = Readme14a.ROOT;

    private static List<Readme14a.Cmd> commands()
    {
        final List<Readme14a.Cmd> all = Readme14a.commands();
        assertTrue(all.size() > 40, "the README's commands were found: " + all.size());
        return all;
    }

    // ------------------------------------------------------------------------------------------ jars and classes

    /** @return each jar path (relative to the root) a POM's shade plugin writes, and the module that writes it. */
    private static Map<String, Path> builtJars() throws IOException
    {
        final Map<String, Path> jars = new LinkedHashMap<>();
        for (final Path pom : modulePoms())
        {
            final Path module = pom.getParent();
            final String xml = Files.readString(pom);
            final Matcher out = Pattern.compile("<outputFile>\\$\\{project\\.basedir\\}/([^<]+)</outputFile>")
                .matcher(xml);
            while (out.find())
            {
                jars.put(ROOT.relativize(module.resolve(out.group(1)).normalize()).toString(), module);
            }
            final Matcher fin = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(xml);
            while (fin.find())
            {
                jars.put(ROOT.relativize(module.resolve("target/" + fin.group(1) + ".jar")).toString(), module);
            }
        }
        return jars;
    }

    /** @return the POM of every module of the reactor, from the root's {@code <modules>} down. */
    private static List<Path> modulePoms() throws IOException
    {
        final List<Path> out = new ArrayList<>();
        final ArrayList<Path> todo = new ArrayList<>(List.of(ROOT));
        while (!todo.isEmpty())
        {
            final Path dir = todo.remove(0);
            final Path pom = dir.resolve("pom.xml");
            out.add(pom);
            final Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(pom));
            while (m.find())
            {
                todo.add(dir.resolve(m.group(1)).normalize());
            }
        }
        return out;
    }

    /** @return the module directories a module depends on (io.regioncache artifacts), itself included, transitively. */
    private static Set<Path> withDependencies(final Path module) throws IOException
    {
        final Map<String, Path> byArtifact = new LinkedHashMap<>();
        for (final Path pom : modulePoms())
        {
            final String xml = Files.readString(pom).replaceAll("(?s)<parent>.*?</parent>", "");
            final Matcher a = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(xml);
            if (a.find())
            {
                byArtifact.put(a.group(1), pom.getParent());
            }
        }
        final Set<Path> out = new LinkedHashSet<>();
        final ArrayList<Path> todo = new ArrayList<>(List.of(module));
        while (!todo.isEmpty())
        {
            final Path m = todo.remove(0);
            if (!out.add(m))
            {
                continue;
            }
            final String xml = Files.readString(m.resolve("pom.xml"));
            final Matcher d = Pattern.compile(
                "<dependency>\\s*<groupId>io\\.regioncache</groupId>\\s*<artifactId>([^<]+)</artifactId>(.*?)</dependency>",
                Pattern.DOTALL).matcher(xml);
            while (d.find())
            {
                if (!d.group(2).contains("<scope>test</scope>") && byArtifact.containsKey(d.group(1)))
                {
                    todo.add(byArtifact.get(d.group(1)));
                }
            }
        }
        return out;
    }

    /**
     * Every {@code java -jar X} / {@code -cp X} of the README names a jar a POM builds at that path; every class run
     * from a jar is compiled into it (its module or a dependency) and has a {@code main}.
     */
    @Test
    void everyJarAndMainClassTheReadmeRunsIsBuilt() throws IOException
    {
        final Map<String, Path> jars = builtJars();
        final List<String> problems = new ArrayList<>();
        int checked = 0;
        for (final Readme14a.Cmd c : commands())
        {
            final List<String> w = c.words();
            for (int i = 0; i + 1 < w.size(); i++)
            {
                if (!w.get(i).equals("-jar") && !w.get(i).equals("-cp"))
                {
                    continue;
                }
                final String jar = w.get(i + 1);
                checked++;
                if (!jars.containsKey(jar))
                {
                    problems.add(c.where() + "\n    no POM builds " + jar + " (built: " + jars.keySet() + ")");
                    continue;
                }
                if (w.get(i).equals("-cp") && i + 2 < w.size())
                {
                    final String cls = w.get(i + 2);
                    final String rel = "src/main/java/" + cls.replace('.', '/') + ".java";
                    final List<Path> in = withDependencies(jars.get(jar)).stream()
                        .filter(m -> Files.isRegularFile(m.resolve(rel))).toList();
                    if (in.isEmpty())
                    {
                        problems.add(c.where() + "\n    " + cls + " is not in " + jar);
                    }
                    else if (!Pattern.compile("public\\s+static\\s+void\\s+main\\s*\\(")
                        .matcher(Files.readString(in.get(0).resolve(rel))).find())
                    {
                        problems.add(c.where() + "\n    " + cls + " has no main(String[])");
                    }
                }
            }
        }
        assertTrue(checked >= 20, "jar commands found: " + checked);
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    // ------------------------------------------------------------------------------------------ mvn and scripts

    /** Every {@code mvn} command: each {@code -pl} module is a reactor module, and each option is one Maven has. */
    @Test
    void everyMavenCommandNamesReactorModulesAndRealOptions() throws IOException
    {
        final Set<String> modules = new LinkedHashSet<>();
        for (final Path pom : modulePoms())
        {
            modules.add(ROOT.relativize(pom.getParent()).toString());
        }
        final Set<String> flags = Set.of("-B", "-q", "-o", "-am", "-U", "-e", "-X", "-N");
        final Set<String> goals = Set.of("package", "verify", "clean", "test", "install", "compile");
        final List<String> problems = new ArrayList<>();
        int mvn = 0;
        for (final Readme14a.Cmd c : commands())
        {
            final List<String> w = c.words();
            final int at = w.indexOf("mvn");
            if (at < 0)
            {
                continue;
            }
            mvn++;
            for (int i = at + 1; i < w.size(); i++)
            {
                final String a = w.get(i);
                if (a.equals("-pl"))
                {
                    for (final String m : w.get(++i).split(","))
                    {
                        if (!modules.contains(m))
                        {
                            problems.add(c.where() + "\n    -pl " + m + " is not a module of the reactor " + modules);
                        }
                    }
                }
                else if (!(flags.contains(a) || goals.contains(a) || a.startsWith("-D")))
                {
                    problems.add(c.where() + "\n    unexpected mvn argument " + a);
                }
            }
        }
        assertTrue(mvn >= 8, "mvn commands found: " + mvn);
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    /**
     * "The product promise is that the README's commands work exactly as written on a fresh clone": a build command
     * with {@code -o} (offline) fails on a machine whose local repository lacks the plugins and dependencies
     * ("Cannot access central ... in offline mode"), which is every fresh machine. The README's first build command
     * has no {@code -o}; none of them should.
     */
    @Test
    void noMavenCommandIsOfflineOnly()
    {
        final List<String> offline = new ArrayList<>();
        for (final Readme14a.Cmd c : commands())
        {
            final List<String> w = c.words();
            final int at = w.indexOf("mvn");
            if (at >= 0 && (w.subList(at, w.size()).contains("-o") || w.subList(at, w.size()).contains("--offline")))
            {
                offline.add(c.where());
            }
        }
        assertEquals(List.of(), offline, "offline-only build commands:\n" + String.join("\n", offline));
    }

    /**
     * Every script the README runs ({@code bench/*.sh}, {@code engine/jcstress/run-full.sh}, {@code .ci/run}) exists
     * and is executable, reads every environment variable the README sets on its command line, and every set an
     * {@code ONLY=} names is a case of {@code run-full.sh}.
     */
    @Test
    void everyScriptExistsIsExecutableAndReadsItsVariables() throws IOException
    {
        final String runFull = Files.readString(ROOT.resolve("bench/run-full.sh"));
        final List<String> problems = new ArrayList<>();
        final Set<String> scripts = new LinkedHashSet<>();
        for (final Readme14a.Cmd c : commands())
        {
            final List<String> w = c.words();
            final Map<String, String> env = new LinkedHashMap<>();
            int i = w.get(0).equals("time") ? 1 : 0;
            while (i < w.size() && w.get(i).matches("[A-Z][A-Z0-9_]*=.*"))
            {
                final String[] kv = w.get(i).split("=", 2);
                env.put(kv[0], kv[1]);
                i++;
            }
            if (i >= w.size() || !w.get(i).matches("bench/[\\w.-]+\\.sh|engine/\\w+/[\\w.-]+\\.sh|\\.ci/run"))
            {
                continue;
            }
            final String script = w.get(i);
            scripts.add(script);
            final Path p = ROOT.resolve(script);
            if (!Files.isRegularFile(p))
            {
                problems.add(c.where() + "\n    no such script " + script);
                continue;
            }
            if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_EXECUTE))
            {
                problems.add(c.where() + "\n    " + script + " is not executable");
            }
            final String body = Files.readString(p);
            for (final Map.Entry<String, String> e : env.entrySet())
            {
                if (!body.contains("$" + e.getKey()) && !body.contains("${" + e.getKey()))
                {
                    problems.add(c.where() + "\n    " + script + " does not read " + e.getKey());
                }
            }
            if (env.containsKey("ONLY"))
            {
                for (final String set : env.get("ONLY").split("\\s+"))
                {
                    if (!Pattern.compile("(?m)^\\s+" + Pattern.quote(set) + "\\)").matcher(runFull).find())
                    {
                        problems.add(c.where() + "\n    run-full.sh has no set '" + set + "'");
                    }
                }
            }
        }
        assertTrue(scripts.containsAll(List.of("bench/run-full.sh", "bench/smoke.sh", "bench/run-memlimit.sh",
            "bench/run-targets.sh", "bench/soak.sh", "engine/jcstress/run-full.sh")), "scripts found: " + scripts);
        // the CI script the README describes, and the subset list in the Reproduce comment
        assertTrue(Files.isRegularFile(ROOT.resolve(".ci/run")), ".ci/run");
        final Matcher subset = Pattern.compile("# a subset: ([a-z ]+)\\n").matcher(Readme14a.text());
        assertTrue(subset.find(), "the Reproduce block's subset comment");
        for (final String set : subset.group(1).strip().split("\\s+"))
        {
            if (!Pattern.compile("(?m)^\\s+" + Pattern.quote(set) + "\\)").matcher(runFull).find())
            {
                problems.add("Reproduce: run-full.sh has no set '" + set + "'");
            }
        }
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    // ------------------------------------------------------------------------------------------ the tool

    /** The words of a README command after {@code regioncache.jar}, or of an inline {@code drive ...} span. */
    private static List<String> toolArgs(final Readme14a.Cmd c)
    {
        final List<String> w = c.words();
        final int jar = w.indexOf("bench/target/regioncache.jar");
        if (jar >= 0 && w.indexOf("-jar") == jar - 1)
        {
            return w.subList(jar + 1, w.size());
        }
        // an inline span of two words ("drive --replicas") names an option, it is not a command line
        if (c.inline() && w.size() > 2 && w.get(0).matches("drive|regions|stat|serve"))
        {
            return w;
        }
        return null;
    }

    /**
     * Every {@code java -jar bench/target/regioncache.jar ...} line and every inline {@code drive ...} span parses
     * with the tool's own command line (options, values, units), and a local {@code drive} (no {@code --replicas},
     * {@code --cluster} or {@code --data-dir}, whose validation makes directories) passes the drive's checks.
     * Placeholders ({@code FILE}, {@code ...}) are skipped. Nothing runs.
     */
    @Test
    void everyToolCommandLineParses()
    {
        final List<String> problems = new ArrayList<>();
        final Set<String> subcommands = new LinkedHashSet<>();
        int parsed = 0;
        for (final Readme14a.Cmd c : commands())
        {
            final List<String> args = toolArgs(c);
            if (args == null || args.isEmpty() || args.contains("...") || args.stream().anyMatch(a -> a.contains("...")))
            {
                continue;
            }
            subcommands.add(args.get(0));
            parsed++;
            try
            {
                final CommandLine cl = RegionCacheTool.commandLine();
                final CommandLine.ParseResult r = cl.parseArgs(args.toArray(new String[0]));
                if (!r.hasSubcommand())
                {
                    problems.add(c.where() + "\n    no subcommand");
                    continue;
                }
                if (args.get(0).equals("drive") && !args.contains("--replicas") && !args.contains("--cluster") &&
                    !args.contains("--data-dir"))
                {
                    final DriveCommand d = new DriveCommand();
                    new CommandLine(d).parseArgs(args.subList(1, args.size()).toArray(new String[0]));
                    d.settings();
                }
            }
            catch (final CommandLine.ParameterException | IllegalArgumentException ex)
            {
                problems.add(c.where() + "\n    " + ex.getMessage());
            }
        }
        assertTrue(subcommands.containsAll(List.of("drive", "regions", "stat", "serve")), "found: " + subcommands);
        assertTrue(parsed >= 15, "tool command lines found: " + parsed);
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    // ------------------------------------------------------------------------------------------ JMH

    private static final Set<String> JMH_OPTIONS_WITH_VALUE = Set.of("-p", "-prof", "-f", "-wi", "-i", "-w", "-r",
        "-foe", "-rf", "-rff", "-bm", "-tu", "-t", "-e", "-o", "-jvmArgs", "-jvmArgsAppend", "-jvmArgsPrepend", "-to",
        "-bs", "-wbs", "-gc", "-si", "-v", "-wm", "-wmb", "-opi", "-tg", "-jvm", "-synciter");
    private static final Set<String> JMH_FLAGS = Set.of("-l", "-lp", "-lprof", "-lrf", "-h");

    /**
     * Every {@code java -jar bench/target/benchmarks.jar ...} line and every inline {@code XBenchmark -p ...} span:
     * the regex selects benchmarks, each {@code -p} names a parameter some selected benchmark has, each value is
     * declared or compared with in the benchmark code (JMH takes any string), and the other options are JMH's.
     */
    @Test
    void everyJmhCommandSelectsBenchmarksAndNamesRealParameters()
    {
        final JmhSources14a jmh = JmhSources14a.load();
        assertTrue(jmh.benchmarks.size() > 25, "benchmarks found in bench/jmh: " + jmh.benchmarks.keySet());
        final List<String> problems = new ArrayList<>();
        int lines = 0;
        for (final Readme14a.Cmd c : commands())
        {
            final List<String> w = c.words();
            final int jar = w.indexOf("bench/target/benchmarks.jar");
            final List<String> args;
            if (jar > 0 && w.get(jar - 1).equals("-jar"))
            {
                args = w.subList(jar + 1, w.size());
            }
            else if (c.inline() && (w.get(0).matches("\\w*Benchmark") ||
                w.get(0).equals("-p") && !c.text().equals("-p key=value"))) // YCSB's -p placeholder is not JMH's
            {
                args = w;
            }
            else
            {
                continue;
            }
            lines++;
            final List<String> includes = new ArrayList<>();
            final Map<String, List<String>> params = new LinkedHashMap<>();
            for (int i = 0; i < args.size(); i++)
            {
                final String a = args.get(i);
                if (a.equals("-p"))
                {
                    final String[] kv = args.get(++i).split("=", 2);
                    params.computeIfAbsent(kv[0], k -> new ArrayList<>()).addAll(List.of(kv[1].split(",")));
                }
                else if (JMH_OPTIONS_WITH_VALUE.contains(a))
                {
                    i++;
                }
                else if (a.startsWith("-") && !JMH_FLAGS.contains(a))
                {
                    problems.add(c.where() + "\n    not a JMH option: " + a);
                }
                else if (!a.startsWith("-"))
                {
                    includes.add(a);
                }
            }
            final Set<String> selected = new LinkedHashSet<>();
            for (final String regex : includes.isEmpty() ? List.of(".*") : includes)
            {
                final List<String> hit = jmh.find(regex);
                if (hit.isEmpty())
                {
                    problems.add(c.where() + "\n    '" + regex + "' selects no benchmark");
                }
                selected.addAll(hit);
            }
            for (final Map.Entry<String, List<String>> p : params.entrySet())
            {
                final List<JmhSources14a.Param> decl = selected.stream()
                    .map(b -> jmh.benchmarks.get(b).get(p.getKey())).filter(x -> x != null).toList();
                if (decl.isEmpty())
                {
                    problems.add(c.where() + "\n    -p " + p.getKey() + ": no @Param of that name in " + selected);
                    continue;
                }
                for (final String v : p.getValue())
                {
                    for (final JmhSources14a.Param d : decl)
                    {
                        if (!valueAccepted(jmh, d, v))
                        {
                            problems.add(c.where() + "\n    -p " + p.getKey() + "=" + v + ": @Param " + d.type() + " " +
                                d.name() + " declares " + d.values() + " and the code never names '" + v + "'");
                        }
                    }
                }
            }
        }
        assertTrue(lines >= 12, "JMH command lines found: " + lines);
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    private static boolean valueAccepted(final JmhSources14a jmh, final JmhSources14a.Param d, final String v)
    {
        if (d.values().contains(v))
        {
            return true;
        }
        switch (d.type())
        {
            case "int":
            case "long":
                try
                {
                    Long.parseLong(v);
                    return true;
                }
                catch (final NumberFormatException ex)
                {
                    return false;
                }
            case "boolean":
                return v.equals("true") || v.equals("false");
            default:
                return jmh.literals.contains(v) || d.doc().contains("{@code " + v + "}");
        }
    }

    /**
     * A README regex that names a benchmark class selects that class only: JMH matches with {@code find()} on
     * {@code package.Class.method}, so {@code 'ScanBenchmark\\.scan100$'} also runs {@code MvccScanBenchmark.scan100}
     * (with the line's {@code -p keys=1000000} replacing its own 10,000 keys), which the line's comment does not
     * mean. Checked by requiring each selected benchmark to match the regex at a name boundary too (after a dot or at
     * the start), as {@code bench/run-targets.sh} anchors its regexes with {@code io\\.regioncache\\.bench\\.}.
     */
    @Test
    void everyJmhRegexSelectsOnlyTheClassesItNames()
    {
        final JmhSources14a jmh = JmhSources14a.load();
        final List<String> problems = new ArrayList<>();
        for (final Readme14a.Cmd c : commands())
        {
            final List<String> w = c.words();
            final int jar = w.indexOf("bench/target/benchmarks.jar");
            final List<String> args;
            if (jar > 0 && w.get(jar - 1).equals("-jar"))
            {
                args = w.subList(jar + 1, w.size());
            }
            else if (c.inline() && w.get(0).matches("\\w*Benchmark"))
            {
                args = w;
            }
            else
            {
                continue;
            }
            for (int i = 0; i < args.size(); i++)
            {
                final String a = args.get(i);
                if (JMH_OPTIONS_WITH_VALUE.contains(a))
                {
                    i++;
                }
                else if (!a.startsWith("-"))
                {
                    final Pattern bounded = Pattern.compile("(?:^|\\.)(?:" + a + ")");
                    for (final String b : jmh.find(a))
                    {
                        if (!bounded.matcher(b).find())
                        {
                            problems.add(c.where() + "\n    '" + a + "' also selects " + b);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    /** The source model agrees with what the README says about the benchmark list (a sanity check of the parser). */
    @Test
    void theSourceModelSeesTheBenchmarksTheReadmeNames()
    {
        final JmhSources14a jmh = JmhSources14a.load();
        assertEquals(List.of("io.regioncache.bench.ReadBenchmark.get"), jmh.find("ReadBenchmark"));
        // JMH's find(): an unanchored class name also selects the classes whose names end with it
        assertEquals(List.of("io.regioncache.bench.MvccScanBenchmark.scan100", "io.regioncache.bench.ScanBenchmark.scan100"),
            jmh.find("ScanBenchmark\\.scan100$"));
        assertEquals(List.of("io.regioncache.bench.ScanBenchmark.scan100"), jmh.find("bench\\.ScanBenchmark\\.scan100$"));
        assertTrue(jmh.benchmarks.get("io.regioncache.bench.ScanBenchmark.scan100").containsKey("seek"));
        assertFalse(jmh.benchmarks.get("io.regioncache.bench.ReadBenchmark.get").containsKey("seek"),
            "a get sees the get state's parameters, not the scan's");
        assertTrue(jmh.benchmarks.get("io.regioncache.bench.LoadBenchmark.load").containsKey("scanThreads"));
        assertTrue(jmh.benchmarks.containsKey("io.regioncache.bench.MixedBenchmark.rw"), "a @Group is one benchmark");
    }
}
