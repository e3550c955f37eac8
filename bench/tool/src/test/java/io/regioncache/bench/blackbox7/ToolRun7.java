package io.regioncache.bench.blackbox7;

import java.io.PrintWriter;
import java.io.StringWriter;

import io.regioncache.bench.drive.RegionCacheTool;
import picocli.CommandLine;

/** The tool's public command line, run in this JVM with its output captured (the blackbox7 tests' one entry). */
record ToolRun7(int code, String out, String err)
{
    static ToolRun7 run(final String... args)
    {
        final CommandLine cl = RegionCacheTool.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int code = cl.execute(args);
        return new ToolRun7(code, out.toString(), err.toString());
    }
}
