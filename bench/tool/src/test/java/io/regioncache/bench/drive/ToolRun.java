package io.regioncache.bench.drive;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine;

/**
 * The tool run two ways by the tests: in this JVM through its picocli command line, with the output captured, and
 * as a child JVM on the test class path with the JVM flags the tool's jar is documented to need.
 */
final class ToolRun
{
    private ToolRun()
    {
    }

    /**
     * Run the tool in this JVM.
     *
     * @param args the command and its options.
     * @return {exit code, stdout, stderr}.
     */
    static String[] run(final String... args)
    {
        final CommandLine cl = RegionCacheTool.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int code = cl.execute(args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    /** Exit code and captured output of one in-process run. */
    record Result(int code, String out, String err)
    {
    }

    /**
     * @param args the command and its options.
     * @return {@link #run}'s exit code, stdout and stderr as a record.
     */
    static Result result(final String... args)
    {
        final String[] r = run(args);
        return new Result(Integer.parseInt(r[0]), r[1], r[2]);
    }

    /**
     * @param args {@code drive}'s options.
     * @return the settings they give, validated as the command validates them (throws as it would).
     */
    static DriveSettings parseDrive(final String... args)
    {
        final DriveCommand drive = new DriveCommand();
        new CommandLine(drive).parseArgs(args);
        return drive.settings();
    }

    /**
     * @param first the command.
     * @param rest  its options.
     * @return {exit code, stdout, stderr} of {@link #run} on {@code first} followed by {@code rest}.
     */
    static String[] run(final String first, final String... rest)
    {
        final List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(rest));
        return run(all.toArray(new String[0]));
    }

    /**
     * @param toolArgs the command and its options.
     * @return the command line of a child JVM (512 MB heap) running the tool on this test's class path.
     */
    static List<String> childCommand(final String... toolArgs)
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
            "-Dchronicle.analytics.disable=true",
            "-cp", cp, RegionCacheTool.class.getName()));
        cmd.addAll(List.of(toolArgs));
        return cmd;
    }
}
