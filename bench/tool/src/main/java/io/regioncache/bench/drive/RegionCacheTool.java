package io.regioncache.bench.drive;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code regioncache}: the command-line tool of RegionCache ({@code drive}, {@code regions}). Packaged as
 * {@code bench/target/regioncache.jar}, whose manifest carries the JVM flags Agrona and Chronicle Map need, so
 * {@code java -jar bench/target/regioncache.jar drive} works with no flags.
 */
@Command(name = "regioncache", mixinStandardHelpOptions = true, version = "regioncache 0.1.0-SNAPSHOT",
    description = "RegionCache command-line tool.",
    subcommands = {DriveCommand.class, RegionsCommand.class, StatCommand.class, ServeCommand.class, CommandLine.HelpCommand.class})
public final class RegionCacheTool implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.setProperty("chronicle.analytics.disable", "true");
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null)
        {
            // The engine logs every policy load at INFO; keep the progress line and the report readable.
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        System.exit(commandLine().execute(args));
    }

    /** @return the tool's command line (tests call {@code execute} on it). */
    public static CommandLine commandLine()
    {
        return new CommandLine(new RegionCacheTool());
    }

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: drive, regions, stat or serve");
    }
}
