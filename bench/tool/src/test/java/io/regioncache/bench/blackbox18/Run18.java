package io.regioncache.bench.blackbox18;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.regioncache.bench.drive.RegionCacheTool;
import picocli.CommandLine;

/** The tool's public command line, run in this JVM with its output captured, or as a child JVM. */
record Run18(int code, String out, String err)
{
    static Run18 run(final String... args)
    {
        final CommandLine cl = RegionCacheTool.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int code = cl.execute(args);
        return new Run18(code, out.toString(), err.toString());
    }

    String all()
    {
        return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }

    /** @return the first group of {@code regex} in {@code text}, as a number (thousands separators dropped). */
    static long number(final String text, final String regex)
    {
        final Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find())
        {
            throw new AssertionError("no match for " + regex + " in\n" + text);
        }
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    /**
     * @param jvmProperties {@code -D...} options of the child JVM.
     * @param toolArgs      the command and its options.
     * @return a child JVM running the tool on this test's class path, with the flags the tool's jar carries.
     */
    static List<String> childCommand(final List<String> jvmProperties, final String... toolArgs)
    {
        final String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final List<String> cmd = new ArrayList<>(List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "-Dchronicle.analytics.disable=true"));
        cmd.addAll(jvmProperties);
        cmd.addAll(List.of("-cp", cp, RegionCacheTool.class.getName()));
        cmd.addAll(List.of(toolArgs));
        return cmd;
    }
}
