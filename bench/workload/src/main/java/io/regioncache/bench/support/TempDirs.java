package io.regioncache.bench.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Data directories of the on-disk peers: under {@code -Dbench.dir=...} if given, else {@code java.io.tmpdir}.
 */
public final class TempDirs
{
    private TempDirs()
    {
    }

    public static Path create(final String prefix) throws IOException
    {
        final String base = System.getProperty("bench.dir");
        return base == null ? Files.createTempDirectory(prefix) :
            Files.createTempDirectory(Files.createDirectories(Paths.get(base)), prefix);
    }

    public static void delete(final Path dir)
    {
        if (dir == null || !Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir))
        {
            walk.sorted(Comparator.reverseOrder()).forEach(p ->
            {
                try
                {
                    Files.deleteIfExists(p);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            });
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
