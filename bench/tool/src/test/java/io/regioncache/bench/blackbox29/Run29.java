package io.regioncache.bench.blackbox29;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import io.regioncache.bench.drive.RegionCacheTool;
import picocli.CommandLine;

/** The tool's public command line ({@code RegionCacheTool.commandLine()}, as {@code main} runs it), output captured. */
record Run29(int code, String out, String err)
{
    static Run29 run(final String... args)
    {
        final CommandLine cl = RegionCacheTool.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int code = cl.execute(args);
        return new Run29(code, out.toString(), err.toString());
    }

    static Run29 run(final List<String> args)
    {
        return run(args.toArray(new String[0]));
    }

    static List<String> args(final String... a)
    {
        return new ArrayList<>(List.of(a));
    }

    /** @return the first line of stderr (picocli's message; the usage text follows it). */
    String message()
    {
        final int nl = err.indexOf('\n');
        return nl < 0 ? err : err.substring(0, nl);
    }

    String all()
    {
        return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }

    /** @return a child JVM running the tool's main class on this test's class path, with the flags its jar carries. */
    static List<String> childCommand(final String... toolArgs)
    {
        final String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final List<String> cmd = new ArrayList<>(List.of(
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
            "-Dchronicle.analytics.disable=true", "-cp", cp, RegionCacheTool.class.getName()));
        cmd.addAll(List.of(toolArgs));
        return cmd;
    }
}
