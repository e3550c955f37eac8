package io.regioncache.bench.blackbox14a;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The JMH benchmarks of bench/jmh read from their sources (this module does not depend on JMH): every
 * {@code @Benchmark} method by the name JMH lists it under, and the {@code @Param} fields a benchmark sees, those of
 * its own class and superclasses and of every {@code @State} class it takes (through its parameters and their
 * {@code @Setup} methods' parameters, transitively). Comments and literals are blanked before classes are delimited.
 */
final class JmhSources14a
{
    /** A {@code @Param} field: its type, its declared values, and the javadoc just before it. */
    record Param(String name, String type, List<String> values, String doc)
    {
    }

    /** A class of the sources. */
    static final class Clazz
    {
        final String pkg;
        final String path; // Outer.Inner
        final int bodyStart;
        final int bodyEnd;
        final Path file;
        String superName;
        boolean isAbstract;
        final List<String> benchmarks = new ArrayList<>();
        final Map<String, List<String>> benchmarkParamTypes = new LinkedHashMap<>();
        final List<String> setupParamTypes = new ArrayList<>();
        final List<Param> params = new ArrayList<>();

        Clazz(final String pkg, final String path, final int bodyStart, final int bodyEnd, final Path file)
        {
            this.pkg = pkg;
            this.path = path;
            this.bodyStart = bodyStart;
            this.bodyEnd = bodyEnd;
            this.file = file;
        }

        String simple()
        {
            return path.substring(path.lastIndexOf('.') + 1);
        }

        String outer()
        {
            return path.contains(".") ? path.substring(0, path.indexOf('.')) : path;
        }
    }

    final List<Clazz> classes = new ArrayList<>();
    /** JMH's name of each benchmark (package.Class.method) and the params it sees. */
    final Map<String, Map<String, Param>> benchmarks = new TreeMap<>();
    /** Every string literal of the sources but those inside {@code @Param(...)}, and every {@code {@code x}}. */
    final Set<String> literals = new LinkedHashSet<>();

    static JmhSources14a load()
    {
        final JmhSources14a s = new JmhSources14a();
        final Path src = Readme14a.ROOT.resolve("bench/jmh/src/main/java");
        try (Stream<Path> files = Files.walk(src))
        {
            for (final Path f : files.filter(p -> p.toString().endsWith(".java")).toList())
            {
                s.parse(f, Files.readString(f));
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        s.link();
        return s;
    }

    /** @return the source with comments, string and char literals replaced by blanks (same offsets). */
    static String blank(final String src)
    {
        final char[] c = src.toCharArray();
        int i = 0;
        while (i < c.length)
        {
            if (c[i] == '/' && i + 1 < c.length && c[i + 1] == '/')
            {
                while (i < c.length && c[i] != '\n')
                {
                    c[i++] = ' ';
                }
            }
            else if (c[i] == '/' && i + 1 < c.length && c[i + 1] == '*')
            {
                c[i++] = ' ';
                c[i++] = ' ';
                while (i < c.length && !(c[i] == '*' && i + 1 < c.length && c[i + 1] == '/'))
                {
                    if (c[i] != '\n')
                    {
                        c[i] = ' ';
                    }
                    i++;
                }
                if (i < c.length)
                {
                    c[i++] = ' ';
                    c[i++] = ' ';
                }
            }
            else if (c[i] == '"' || c[i] == '\'')
            {
                final char q = c[i];
                i++;
                while (i < c.length && c[i] != q)
                {
                    if (c[i] == '\\')
                    {
                        c[i++] = ' ';
                    }
                    if (i < c.length && c[i] != '\n')
                    {
                        c[i] = ' ';
                    }
                    i++;
                }
                i++;
            }
            else
            {
                i++;
            }
        }
        return new String(c);
    }

    private static final Pattern CLASS = Pattern.compile(
        "((?:\\b(?:public|protected|private|static|final|abstract)\\s+)*)\\b(?:class|interface|enum|record)\\s+(\\w+)([^{;]*)\\{");
    private static final Pattern BENCHMARK = Pattern.compile(
        "@Benchmark\\b(?:\\s*@\\w+(?:\\([^)]*\\))?)*\\s*public\\s+[\\w.<>\\[\\]]+\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern SETUP = Pattern.compile(
        "@Setup\\b(?:\\([^)]*\\))?\\s*public\\s+void\\s+\\w+\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile(
        "@Param\\s*\\(\\s*\\{?([^)]*?)\\}?\\s*\\)\\s*(?:public\\s+)?([\\w.]+)\\s+(\\w+)\\s*;", Pattern.DOTALL);

    private void parse(final Path file, final String raw)
    {
        final String b = blank(raw);
        final Matcher pm = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE).matcher(b);
        final String pkg = pm.find() ? pm.group(1) : "";
        final List<Clazz> mine = new ArrayList<>();
        final Matcher cm = CLASS.matcher(b);
        while (cm.find())
        {
            final int open = cm.end() - 1;
            int depth = 0;
            int end = open;
            for (int i = open; i < b.length(); i++)
            {
                if (b.charAt(i) == '{')
                {
                    depth++;
                }
                else if (b.charAt(i) == '}' && --depth == 0)
                {
                    end = i;
                    break;
                }
            }
            String path = cm.group(2);
            for (int k = mine.size() - 1; k >= 0; k--)
            {
                final Clazz o = mine.get(k);
                if (o.bodyStart < open && end <= o.bodyEnd)
                {
                    path = o.path + "." + cm.group(2);
                    break;
                }
            }
            final Clazz c = new Clazz(pkg, path, open, end, file);
            c.isAbstract = cm.group(1).contains("abstract");
            final Matcher ext = Pattern.compile("\\bextends\\s+([\\w.]+)").matcher(cm.group(3));
            c.superName = ext.find() ? ext.group(1) : null;
            mine.add(c);
        }
        final Matcher bm = BENCHMARK.matcher(b);
        while (bm.find())
        {
            final Clazz c = innermost(mine, bm.start());
            // a @Group's methods are one benchmark, listed under the group's name
            final Matcher g = Pattern.compile("@Group\\(\"(\\w+)\"\\)").matcher(raw.substring(bm.start(), bm.end()));
            final String name = g.find() ? g.group(1) : bm.group(1);
            c.benchmarks.add(name);
            c.benchmarkParamTypes.computeIfAbsent(name, k -> new ArrayList<>()).addAll(types(bm.group(2)));
        }
        final Matcher sm = SETUP.matcher(b);
        while (sm.find())
        {
            innermost(mine, sm.start()).setupParamTypes.addAll(types(sm.group(1)));
        }
        final Matcher fm = PARAM.matcher(raw);
        while (fm.find())
        {
            final List<String> values = new ArrayList<>();
            final Matcher v = Pattern.compile("\"([^\"]*)\"").matcher(fm.group(1));
            while (v.find())
            {
                values.add(v.group(1));
            }
            final int docEnd = fm.start();
            final int docStart = raw.lastIndexOf("/**", docEnd);
            final String doc = docStart >= 0 && raw.substring(docStart, docEnd).contains("*/") &&
                raw.substring(raw.indexOf("*/", docStart) + 2, docEnd).isBlank() ? raw.substring(docStart, docEnd) : "";
            innermost(mine, fm.start()).params.add(new Param(fm.group(3), fm.group(2), values, doc));
        }
        // literals the code compares with, outside @Param annotations
        final String noParams = PARAM.matcher(raw).replaceAll("");
        final Matcher lit = Pattern.compile("\"([^\"\\\\\\n]*)\"").matcher(noParams);
        while (lit.find())
        {
            literals.add(lit.group(1));
        }
        final Matcher code = Pattern.compile("\\{@code ([^}]*)\\}").matcher(raw);
        while (code.find())
        {
            literals.add(code.group(1).strip());
        }
        classes.addAll(mine);
    }

    private static Clazz innermost(final List<Clazz> cs, final int at)
    {
        Clazz best = null;
        for (final Clazz c : cs)
        {
            if (c.bodyStart < at && at < c.bodyEnd && (best == null || c.bodyStart > best.bodyStart))
            {
                best = c;
            }
        }
        if (best == null)
        {
            throw new IllegalStateException("no class around offset " + at);
        }
        return best;
    }

    private static List<String> types(final String params)
    {
        final List<String> out = new ArrayList<>();
        for (final String p : params.split(","))
        {
            final String[] w = p.replaceAll("@\\w+(\\([^)]*\\))?", " ").replace("final ", " ").strip().split("\\s+");
            if (w.length >= 2)
            {
                out.add(w[0]);
            }
        }
        return out;
    }

    /** @return the class a simple or qualified name means, seen from {@code from}; null for one outside the sources. */
    Clazz resolve(final String name, final Clazz from)
    {
        final String n = name.replaceAll("<.*", "");
        final List<Clazz> hits = new ArrayList<>();
        for (final Clazz c : classes)
        {
            if (c.path.equals(n) || c.path.endsWith("." + n) || (c.pkg + "." + c.path).equals(n))
            {
                hits.add(c);
            }
        }
        if (hits.size() > 1 && from != null)
        {
            final List<Clazz> near = hits.stream().filter(c -> c.outer().equals(from.outer())).toList();
            if (!near.isEmpty())
            {
                return near.get(0);
            }
            final List<Clazz> samePkg = hits.stream().filter(c -> c.pkg.equals(from.pkg)).toList();
            if (!samePkg.isEmpty())
            {
                return samePkg.get(0);
            }
        }
        return hits.isEmpty() ? null : hits.get(0);
    }

    private void link()
    {
        for (final Clazz c : classes)
        {
            if (c.isAbstract)
            {
                continue;
            }
            // benchmarks of the class itself and those it inherits
            final Map<String, List<String>> methods = new LinkedHashMap<>();
            for (Clazz k = c; k != null; k = k.superName == null ? null : resolve(k.superName, k))
            {
                k.benchmarkParamTypes.forEach(methods::putIfAbsent);
            }
            for (final Map.Entry<String, List<String>> m : methods.entrySet())
            {
                final Map<String, Param> seen = new LinkedHashMap<>();
                final Deque<Clazz> todo = new ArrayDeque<>();
                final Set<Clazz> done = new LinkedHashSet<>();
                todo.add(c);
                for (final String t : m.getValue())
                {
                    final Clazz r = resolve(t, c);
                    if (r != null)
                    {
                        todo.add(r);
                    }
                }
                while (!todo.isEmpty())
                {
                    final Clazz k = todo.poll();
                    if (!done.add(k))
                    {
                        continue;
                    }
                    k.params.forEach(p -> seen.putIfAbsent(p.name(), p));
                    if (k.superName != null && resolve(k.superName, k) != null)
                    {
                        todo.add(resolve(k.superName, k));
                    }
                    for (final String t : k.setupParamTypes)
                    {
                        final Clazz r = resolve(t, k);
                        if (r != null)
                        {
                            todo.add(r);
                        }
                    }
                }
                benchmarks.put(c.pkg + "." + c.path + "." + m.getKey(), seen);
            }
        }
    }

    /** @return the benchmarks JMH runs for an include regex (JMH: {@code find()} on the benchmark's name). */
    List<String> find(final String regex)
    {
        final Pattern p = Pattern.compile(regex);
        return benchmarks.keySet().stream().filter(n -> p.matcher(n).find()).toList();
    }
}
