package io.regioncache.hybrid.blackbox24;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * README, Embedding, the module table's JVM flags: the cache alone needs
 * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} (Agrona 2.x), and the hybrid engine on RocksDB and on
 * LMDB "Agrona's flag only". This module's own tests run with more flags (Chronicle's list), so each use runs here in
 * a JVM of its own on the classpath with that one flag.
 */
class JvmFlagsTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"core", "rocksdb", "lmdb"})
    void runsWithAgronasFlagOnly(final String mode) throws Exception
    {
        run(mode);
    }

    /** README: with -Dagrona.disable.bounds.checks=true the engine still refuses what it validates at its boundary. */
    @org.junit.jupiter.api.Test
    void badSlicesAreRefusedWithAgronasBoundsChecksOff() throws Exception
    {
        run("nobounds", "-Dagrona.disable.bounds.checks=true");
    }

    private void run(final String mode, final String... extraFlags) throws Exception
    {
        String classPath = System.getProperty("surefire.test.class.path");
        if (classPath == null || classPath.isEmpty())
        {
            classPath = System.getProperty("java.class.path");
        }
        final Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        final java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(javaBin.toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m"));
        command.addAll(java.util.List.of(extraFlags));
        command.addAll(java.util.List.of("-cp", classPath, FlagsChild.class.getName(), mode,
            dir.resolve("store").toString()));
        final Process p = new ProcessBuilder(command)
            .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try
        {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), mode + ": the child finished");
        }
        finally
        {
            p.destroyForcibly();
        }
        final String out = Files.readString(dir.resolve("child.log"), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("OK " + mode), out);
        if (mode.equals("core"))
        {
            // the counters file the child wrote, read from this process
            final java.util.Map<String, Long> counters =
                io.regioncache.CountersFile.read(dir.resolve("store").resolve("counters"));
            assertEquals(Long.valueOf(p.pid()), counters.get("file.pid"), counters.toString());
            assertTrue(counters.size() > 2, counters.toString());
        }
    }
}
