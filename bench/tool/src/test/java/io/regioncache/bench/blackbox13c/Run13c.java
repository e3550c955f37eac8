package io.regioncache.bench.blackbox13c;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.regioncache.bench.drive.RegionCacheTool;
import picocli.CommandLine;

/** The tool's public command line, run in this JVM with its output captured (as the blackbox7 tests run it). */
record Run13c(int code, String out, String err)
{
    static Run13c run(final String... args)
    {
        final CommandLine cl = RegionCacheTool.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int code = cl.execute(args);
        return new Run13c(code, out.toString(), err.toString());
    }

    String all()
    {
        return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }

    static long number(final String text, final String regex)
    {
        final Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find())
        {
            throw new AssertionError("no match for " + regex + " in\n" + text);
        }
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    static double decimal(final String text, final String regex)
    {
        final Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find())
        {
            throw new AssertionError("no match for " + regex + " in\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

    static java.util.List<String> childCommand(final String... toolArgs)
    {
        final String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
            java.nio.file.Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
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
            "-Dchronicle.analytics.disable=true",
            "-cp", cp, RegionCacheTool.class.getName()));
        cmd.addAll(java.util.List.of(toolArgs));
        return cmd;
    }
}
