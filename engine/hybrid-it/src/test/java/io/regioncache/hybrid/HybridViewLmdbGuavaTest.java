package io.regioncache.hybrid;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import junit.framework.Test;
import org.junit.runner.RunWith;
import org.junit.runners.AllTests;

import io.regioncache.SnapshotMapViewGuavaTest;

/**
 * guava-testlib's {@code NavigableMapTestSuiteBuilder} against {@link HybridView#asBytesMap()} of regions the cache
 * does not hold, over LMDB: every navigation is an {@code LmdbCursor} move (reverse ones reseek) at the view's read
 * version, under MVCC history the view must hide. RocksDB gets the TreeMap check ({@link HybridViewStoresTest})
 * instead: the full suite over RocksDB took over 3 CPU-minutes (its iterators and compactions), LMDB's in-process
 * B-tree keeps this module's test time down. The environment lives in a temporary directory removed when the JVM
 * exits.
 */
@RunWith(AllTests.class)
public final class HybridViewLmdbGuavaTest
{
    private HybridViewLmdbGuavaTest()
    {
    }

    /** @return the generated suite. */
    public static Test suite()
    {
        final Path dir;
        try
        {
            dir = Files.createTempDirectory("hybrid-view-guava");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        final HybridViewFixture fixture = new HybridViewFixture(Stores.LMDB.open(dir));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
        return SnapshotMapViewGuavaTest.suite("HybridView over LMDB",
            (entries, decoys) -> fixture.open(new byte[0], new byte[0], entries, decoys).asBytesMap());
    }

    private static void delete(final Path dir)
    {
        try (var paths = Files.walk(dir))
        {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ignore)
        {
            // a temporary directory: best effort
        }
    }
}
