package io.regioncache.bench.drive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.regioncache.ratis.ServedNode;
import io.regioncache.ratis.TlsFiles;

/**
 * {@code regioncache drive}: run a workload against an embedded hybrid engine and report (see {@link Driver}).
 * Exit code 0 if the cross-check found no divergence and nothing failed, 1 otherwise, 2 for bad options.
 */
@Command(name = "drive", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Embed a HybridEngine (RocksDB + RegionCache) in a fresh data directory, simulate a replicated store " +
            "(regions, splits, MVCC versions, GC, the hot-region policy) with a writer and reader threads, and " +
            "report read latency by source, hit ratio, region life cycle, GC, memory and a cross-check of every " +
            "cached region against RocksDB.",
        "Exit code: 0 = no divergence, no apply error, no wrong value; 1 = otherwise; 2 = bad options."})
public final class DriveCommand implements Callable<Integer>
{
    private static final DriveSettings D = DriveSettings.defaults();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--duration", converter = Units.DurationConverter.class, paramLabel = "TIME",
        description = "How long the workload runs, e.g. 30s, 2m (default: 45s). Excludes --ops.")
    Duration duration;

    @Option(names = "--ops", converter = Units.LongConverter.class, paramLabel = "N",
        description = "Stop after N operations (reads + write batches) instead of after a duration.")
    Long ops;

    @Option(names = "--keys", converter = Units.IntConverter.class, paramLabel = "N",
        description = "Keys in the key space, 16 bytes each " +
            "(default: ${DEFAULT-VALUE}).")
    int keys = D.keys();

    @Option(names = "--regions", converter = Units.IntConverter.class, paramLabel = "N",
        description = "Regions at start (default: ${DEFAULT-VALUE}).")
    int regions = D.regions();

    @Option(names = "--threads", converter = Units.IntConverter.class, paramLabel = "N",
        description = "Reader threads (default: ${DEFAULT-VALUE}).")
    int threads = D.threads();

    @Option(names = "--skew", converter = Units.DecimalConverter.class, paramLabel = "THETA",
        description = "Zipfian skew of reads and writes in [0, 1), 0 = uniform (default: ${DEFAULT-VALUE}).")
    double skew = D.skew();

    @Option(names = "--scan-ratio", converter = Units.DecimalConverter.class, paramLabel = "R",
        description = "Fraction of reads that are short scans (default: ${DEFAULT-VALUE}).")
    double scanRatio = D.scanRatio();

    @Option(names = "--read-ratio", converter = Units.DecimalConverter.class, paramLabel = "R",
        description = "Fraction of operations that are reads: the " +
            "writer paces itself to (1-R)/R write batches per read issued; 1 = no writes, 0 = writes only " +
            "(default: ${DEFAULT-VALUE}).")
    double readRatio = D.readRatio();

    @Option(names = "--scan-length", converter = Units.IntConverter.class, paramLabel = "N",
        description = "Keys per scan (default: ${DEFAULT-VALUE}).")
    int scanLength = D.scanLength();

    @Option(names = "--value-size", converter = Units.IntConverter.class, paramLabel = "BYTES",
        description = "Value size, >= 16 " +
            "(default: ${DEFAULT-VALUE}).")
    int valueSize = D.valueSize();

    @Option(names = "--batch-size", converter = Units.IntConverter.class, paramLabel = "N",
        description = "Keys per write batch (default: " +
            "${DEFAULT-VALUE}).")
    int batchSize = D.batchSize();

    @Option(names = "--split-keys", converter = Units.LongConverter.class, paramLabel = "N",
        description = "A region splits in two once N keys were " +
            "written to it (default: ${DEFAULT-VALUE}).")
    long splitKeys = D.splitKeys();

    @Option(names = "--budget", converter = Units.SizeConverter.class, paramLabel = "SIZE",
        description = "Cache capacity, e.g. 64MB, 1GB; eviction and stop-load thresholds derived " +
            "(default: 256MB).")
    Long budget;

    @Option(names = "--auto-load", converter = Units.IntConverter.class, paramLabel = "N",
        description = "Hot-region policy: regions loaded per round, " +
            "0 = off (default: ${DEFAULT-VALUE}).")
    int autoLoad = D.autoLoadTopN();

    @Option(names = "--min-amplification", converter = Units.DecimalConverter.class, paramLabel = "X",
        description = "Hot-region policy: minimum MVCC " +
            "amplification (entries stepped per key returned) to load a region (default: ${DEFAULT-VALUE}).")
    double minAmplification = D.minAmplification();

    @Option(names = "--policy-interval", converter = Units.DurationConverter.class, paramLabel = "TIME",
        description = "Policy round interval (default: 500ms).")
    Duration policyInterval;

    @Option(names = "--min-residency", converter = Units.DurationConverter.class, paramLabel = "TIME",
        description = "A region stays cached at least this long before the eviction policy may choose it " +
            "(default: 3s).")
    Duration minResidency;

    @Option(names = "--gc-interval", converter = Units.DurationConverter.class, paramLabel = "TIME",
        description = "Safe point advance interval; the safe point trails the newest version by one interval " +
            "(default: 2s).")
    Duration gcInterval;

    @Option(names = "--seed", converter = Units.LongConverter.class, paramLabel = "N",
        description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = D.seed();

    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "RocksDB directory, kept at the end: new, empty, or one an earlier drive run wrote (even one " +
            "killed mid-run): then the run resumes on it, with its --keys and --value-size, after checking that " +
            "every write the earlier run acknowledged (its log drive-acks.log) is in RocksDB (exit 1 if one is " +
            "missing). Default: a temporary directory deleted at the end.")
    Path dataDir;

    @Option(names = "--catalog", paramLabel = "FILE",
        description = "Publish the region catalog (Chronicle Map) to FILE while running; read it with " +
            "'regioncache regions --catalog FILE'. An existing file is replaced.")
    Path catalog;

    @Option(names = "--counters", paramLabel = "FILE",
        description = "Publish the engine's counters to a memory-mapped FILE while running; read them from another " +
            "process with 'regioncache stat --file FILE'. An existing file is replaced.")
    Path counters;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the report as JSON to FILE.")
    Path json;

    @Option(names = "--replicas", converter = Units.IntConverter.class, paramLabel = "N",
        description = "Instead: start an N-node replicated cluster " +
            "(Apache Ratis over gRPC on 127.0.0.1, one data directory per node under --data-dir, in this JVM), run " +
            "the workload through a Raft client (write batches with deletes, gets on the leader and through a random " +
            "replica's ReadIndex, scans, splits; --keys, --regions, --threads, --skew, --read-ratio, --scan-ratio, " +
            "--scan-length, --batch-size, --split-keys, --value-size, --ops or --duration, --seed), check every read " +
            "against the acknowledged writes, and report per node regions led and followed, hit ratio, snapshots, " +
            "leader changes and a cross-replica check. The cache and GC options do not apply.")
    Integer replicas;

    @Option(names = "--faults", converter = Units.DurationConverter.class, paramLabel = "TIME",
        description = "With --replicas or --cluster: one fault every TIME while the workload runs, in turn a random " +
            "region's leadership moved to a random node, a merge of two adjacent regions committed, a leadership " +
            "moved, a merge rolled back (a split at a random key instead of a merge while there are fewer regions " +
            "than at the start); refusals (the workload's splits race them) are counted, and a merge left " +
            "unfinished fails the run.")
    Duration faults;

    @Option(names = "--cluster", paramLabel = "ID=HOST:PORT,...", description = "Instead: drive a running cluster " +
        "of 'serve' nodes (their Raft addresses, as given to --peers) with the --replicas workload and report; needs " +
        "--http. The nodes keep running; the check reads their state from their HTTP endpoints.")
    String cluster;

    @Option(names = "--http", paramLabel = "ID=HOST:PORT,...", description = "With --cluster: every node's HTTP " +
        "endpoint (serve --http-port), same ids, for the per-node figures and the cross-replica check.")
    String clusterHttp;

    @Option(names = "--tls-cert", paramLabel = "FILE",
        description = "With --cluster: the client's certificate (PEM) for a cluster serving mutual TLS.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "With --cluster: the client's private key (PEM).")
    Path tlsKey;

    @Option(names = "--tls-ca", paramLabel = "FILE", description = "With --cluster: the CA certificate trusted (PEM).")
    Path tlsCa;

    @Option(names = "--eager-routing", description = "Readers use a split's new epochs as soon as the writer " +
        "submitted it, before the cache applied it (stress: reads and the hot-region policy run ahead of the " +
        "apply queue).")
    boolean eagerRouting;

    @Option(names = "--inline-entries", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "The cache's hash index keeps each key's newest version inline: one memory miss per get, " +
            "~270 B of index per key (default). --no-inline-entries: slots only, ~16 B per key, so a small " +
            "--budget holds more keys.")
    boolean inlineEntries = true;

    @Option(names = "--progress", paramLabel = "MODE", converter = ProgressConverter.class,
        description = "Live progress on stderr: auto, tty, plain or off (default: auto = a line overwritten with " +
            "\\r when a console is attached, plain lines otherwise).")
    DriveSettings.Progress progress = DriveSettings.Progress.AUTO;

    /** Case-insensitive progress modes. */
    static final class ProgressConverter implements CommandLine.ITypeConverter<DriveSettings.Progress>
    {
        @Override
        public DriveSettings.Progress convert(final String value)
        {
            try
            {
                return DriveSettings.Progress.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a progress mode (auto, tty, plain, off)");
            }
        }
    }

    /**
     * @return the validated settings.
     * @throws CommandLine.ParameterException naming the bad option.
     */
    public DriveSettings settings()
    {
        if (duration != null && ops != null)
        {
            throw bad("--duration and --ops are mutually exclusive");
        }
        if (ops != null && ops <= 0)
        {
            throw bad("--ops must be positive, was " + ops);
        }
        if (dataDir != null && replicas == null && AckLog.isDriveDir(dataDir))
        {
            final int[] meta;
            try
            {
                meta = AckLog.readMeta(dataDir);
            }
            catch (final IOException | RuntimeException ex)
            {
                throw bad("--data-dir " + dataDir + ": cannot read " + AckLog.META + ": " + ex);
            }
            final CommandLine.ParseResult pr = spec.commandLine().getParseResult();
            if (pr != null && pr.hasMatchedOption("--keys") && keys != meta[0] ||
                pr != null && pr.hasMatchedOption("--value-size") && valueSize != meta[1])
            {
                throw bad("--data-dir " + dataDir + " was written with --keys " + meta[0] + " --value-size " +
                    meta[1] + "; a run resuming on it must use the same");
            }
            keys = meta[0];
            valueSize = meta[1];
            // The run appends to the ack log after RocksDB is open and reads it back first: a directory (or an
            // unreadable file) there failed only then, exit 1 with a stack trace and the workload's setup done.
            final Path acks = dataDir.resolve(AckLog.FILE);
            if (Files.exists(acks) && (!Files.isRegularFile(acks) || !Files.isReadable(acks) ||
                !Files.isWritable(acks)))
            {
                throw bad("--data-dir " + dataDir + ": " + AckLog.FILE + " must be absent or a regular file the " +
                    "user can read and write: " + acks + (Files.isDirectory(acks) ? " is a directory" :
                    Files.isRegularFile(acks) ? " cannot be read or written" : " is not a regular file"));
            }
        }
        // Without --regions, the default is lowered to keys / 2 for a key space too small for it (an explicit --keys,
        // or one a resume read from the data directory): a resume on a 20-key directory failed on a --regions it
        // was never given.
        final CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        if (parsed != null && !parsed.hasMatchedOption("--regions") && keys >= 2 && regions > keys / 2)
        {
            regions = keys / 2;
        }
        final DriveSettings st = new DriveSettings(duration == null ? D.duration() : duration,
            ops == null ? 0 : ops, keys, regions, threads, skew, scanRatio, readRatio, scanLength, valueSize,
            batchSize, splitKeys, budget == null ? D.budgetBytes() : budget, autoLoad, minAmplification,
            policyInterval == null ? D.policyInterval() : policyInterval,
            minResidency == null ? D.minResidency() : minResidency, gcInterval == null ? D.gcInterval() : gcInterval,
            seed, dataDir, catalog, progress, eagerRouting, inlineEntries);
        final String why = st.validate();
        if (why != null)
        {
            throw bad(why);
        }
        try
        {
            Driver.cacheConfig(st);
        }
        catch (final IllegalArgumentException ex)
        {
            final long b = st.budgetBytes();
            // the rounded size alone hid the value refused (65535 read "64.0 KB")
            throw bad("--budget " + Units.bytes(b) + (b >= 1024 && b % 1024 != 0 ? " (" + b + " bytes)" : "") +
                " gives no valid cache configuration: " +
                ex.getMessage());
        }
        if (dataDir != null && Files.exists(dataDir) && !isEmptyDirectory(dataDir) &&
            (replicas != null || !AckLog.isDriveDir(dataDir)))
        {
            throw bad("--data-dir " + dataDir + " must be a new or empty directory, or one an earlier drive run " +
                "wrote (the driver writes versions from 1 and would mix with the data there)");
        }
        // Every output file is checked before the run, so a bad path costs no workload (the report is written
        // after it): its directory must exist and be writable (or the file itself, if it exists), and the path must
        // not be a directory itself.
        checkOutputFile("--catalog", catalog, true);
        checkOutputFile("--counters", counters, true);
        checkOutputFile("--json", json, false);
        checkDataDir();
        return st;
    }

    /** The options a run without {@code --cluster} refuses together; checked before anything is made. */
    private void checkLocalCombinations()
    {
        if (clusterHttp != null || tlsCert != null || tlsKey != null || tlsCa != null)
        {
            throw bad("--http and --tls-* apply only to --cluster");
        }
        if (faults != null && replicas == null)
        {
            throw bad("--faults applies only to --replicas and --cluster");
        }
        if (replicas != null)
        {
            if (replicas < 1 || replicas > 9)
            {
                throw bad("--replicas must be 1 to 9, was " + replicas);
            }
            if (json != null || catalog != null || counters != null)
            {
                throw bad("--json, --catalog and --counters do not apply to --replicas");
            }
        }
    }

    /**
     * {@code --data-dir}, last of the checks (it may create the directory): it must be a directory the user can
     * create files in, made here if it does not exist, so that a path that cannot be created or written (under
     * {@code /proc}, an immutable directory, a file system mounted read-only) is refused with exit 2 before the run,
     * not with a stack trace once RocksDB opens it.
     */
    private void checkDataDir()
    {
        if (dataDir == null || cluster != null)
        {
            return; // --cluster refuses --data-dir itself: nothing is made for a run refused
        }
        if (Files.exists(dataDir) && !Files.isDirectory(dataDir))
        {
            throw bad("--data-dir " + dataDir + " is not a directory");
        }
        try
        {
            Files.createDirectories(dataDir);
            // a probe file, created and deleted: access(2) says yes to root for an immutable directory
            Files.delete(Files.createTempFile(dataDir, ".regioncache-probe", null));
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            throw bad("--data-dir " + dataDir + ": cannot create files in it (" + ex + ")");
        }
    }

    /**
     * @param recreated the file is deleted and created anew (the catalog and the counters file are memory-mapped files
     *                  of a fixed layout), so its directory must take a new file even when the file exists: an
     *                  existing writable file in a directory that cannot be written used to pass this check and fail
     *                  the run after setup, exit 1 with a stack trace.
     */
    private void checkOutputFile(final String option, final Path file, final boolean recreated)
    {
        if (file == null)
        {
            return;
        }
        final Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent))
        {
            throw bad(option + ": directory " + parent + " does not exist");
        }
        if (Files.isDirectory(file))
        {
            throw bad(option + ": " + file + " is a directory, not a file");
        }
        // access(2) for the user running the tool: also refuses an immutable file or directory to root. A file that
        // is created anew (deleted, then made again) needs only its directory to be writable: a read-only old
        // counters or catalog file was refused here although the run would have replaced it.
        final boolean inPlace = Files.exists(file) && !recreated;
        if (inPlace ? !Files.isWritable(file) : parent != null && !Files.isWritable(parent))
        {
            throw bad(option + ": " + (inPlace ? "cannot write " + file :
                (Files.exists(file) ? "cannot replace " + file + ": " : "") + "cannot write in directory " + parent));
        }
        if (recreated && Files.exists(file) && parent != null)
        {
            // a probe file, created and deleted, in the directory: access(2) says yes to root for an immutable one
            try
            {
                Files.delete(Files.createTempFile(parent, ".regioncache-probe", null));
            }
            catch (final java.io.IOException | UnsupportedOperationException ex)
            {
                throw bad(option + ": cannot replace " + file + ": cannot create a file in " + parent + " (" +
                    ex.getMessage() + ")");
            }
        }
        if (!Files.exists(file))
        {
            // access(2) can say yes where creating a file fails (root in /proc, a read-only or special file system):
            // create one now, so that such a path is refused here with exit 2, not after the workload started. A file
            // that is created anew is probed under another name in its directory (where the engine builds it before
            // renaming it into place): made at its own path, the counters file appeared empty for a moment, before
            // the engine had started, and `until [ -f ... ]; stat` could read it so (audit 18).
            try
            {
                if (recreated && parent != null)
                {
                    Files.delete(Files.createTempFile(parent, ".regioncache-probe", null));
                }
                else
                {
                    Files.createFile(file);
                    Files.delete(file);
                }
            }
            catch (final java.io.IOException | UnsupportedOperationException ex)
            {
                throw bad(option + ": cannot create " + file + " (" + ex.getMessage() + ")");
            }
        }
    }

    private int driveCluster(final DriveSettings st) throws IOException
    {
        if (replicas != null || json != null || catalog != null || counters != null || dataDir != null)
        {
            throw bad("--replicas, --json, --catalog, --counters and --data-dir do not apply to --cluster");
        }
        if (clusterHttp == null)
        {
            throw bad("--cluster needs --http ID=HOST:PORT,... (every node's HTTP endpoint)");
        }
        final Map<String, String> peers;
        final Map<String, String> http;
        final TlsFiles tls;
        try
        {
            peers = ServedNode.parsePeers(cluster);
            http = ServedNode.parsePeers(clusterHttp);
            tls = TlsFiles.ofOptions(tlsCert, tlsKey, tlsCa);
        }
        catch (final IllegalArgumentException ex)
        {
            throw bad(ex.getMessage());
        }
        if (!http.keySet().equals(peers.keySet()))
        {
            throw bad("--http must name the nodes of --cluster: " + http.keySet() + " vs " + peers.keySet());
        }
        try
        {
            return new ReplicatedDrive(st, faults, spec.commandLine().getOut(), spec.commandLine().getErr())
                .runRemote(peers, http, tls);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static boolean isEmptyDirectory(final Path dir)
    {
        if (!Files.isDirectory(dir))
        {
            return false;
        }
        try (java.util.stream.Stream<Path> list = Files.list(dir))
        {
            return list.findAny().isEmpty();
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private CommandLine.ParameterException bad(final String message)
    {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() throws IOException
    {
        if (cluster == null)
        {
            checkLocalCombinations(); // before settings(), whose last check makes --data-dir
        }
        final DriveSettings st = settings();
        if (cluster != null)
        {
            return driveCluster(st);
        }
        if (replicas != null)
        {
            try
            {
                return new ReplicatedDrive(st, faults, spec.commandLine().getOut(), spec.commandLine().getErr())
                    .runLocal(replicas);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        final DriveReport report;
        try
        {
            report = Driver.run(st, spec.commandLine().getErr(), counters);
        }
        catch (final Driver.StoreRefused ex)
        {
            throw bad(ex.getMessage());
        }
        spec.commandLine().getOut().print(report.toText());
        spec.commandLine().getOut().flush();
        if (json != null)
        {
            Files.writeString(json, report.toJson(), StandardCharsets.UTF_8);
        }
        return report.exitCode();
    }
}
