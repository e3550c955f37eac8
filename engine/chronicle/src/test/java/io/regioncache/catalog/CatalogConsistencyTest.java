package io.regioncache.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.Region;
import io.regioncache.RegionState;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * A reader of the catalog file sees whole publishes only: never a split's new child beside its parent's old range
 * (CI once caught {@code CatalogContractTest} reading exactly that, when a publish wrote its entries one by one with
 * nothing around them). A publisher that died inside a publish must not hang its readers.
 */
class CatalogConsistencyTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static CatalogEntry entry(final long id, final String start, final String end, final long epoch)
    {
        return new CatalogEntry(new Region(id, b(start), b(end), epoch), RegionState.ACTIVE, 0, 0, 0, 0, 0, 1);
    }

    /** Before the split: region 1 is [a, m) at epoch 5. */
    private static final List<CatalogEntry> BEFORE = List.of(entry(1, "a", "m", 5), entry(2, "m", "t", 6));

    /** After it: region 3 is [a, g) and region 1 is [g, m), both at epoch 6; region 2 has left. */
    private static final List<CatalogEntry> AFTER = List.of(entry(3, "a", "g", 6), entry(1, "g", "m", 6));

    private static String describe(final List<CatalogEntry> entries)
    {
        final StringBuilder sb = new StringBuilder();
        for (final CatalogEntry e : entries)
        {
            sb.append(e.region().id()).append('@').append(e.region().epochVersion()).append(' ');
        }
        return sb.toString().trim();
    }

    @Test
    void aReaderRacingThePublisherSeesOnlyWholePublishes(@TempDir final Path dir) throws Exception
    {
        final File file = dir.resolve("catalog.cm3").toFile();
        final String before = describe(BEFORE);
        final String after = describe(AFTER);
        try (ChronicleRegionCatalog writer = ChronicleRegionCatalog.open(file, 64);
            ChronicleRegionCatalog reader = ChronicleRegionCatalog.open(file, 64)) // a second mapping, as a process
        {
            writer.publish(BEFORE);
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicInteger published = new AtomicInteger();
            final CompletableFuture<Integer> publishes = CompletableFuture.supplyAsync(() ->
            {
                int n = 0;
                while (!stop.get())
                {
                    writer.publish((n++ & 1) == 0 ? AFTER : BEFORE);
                    published.incrementAndGet();
                }
                return n;
            });
            try
            {
                int sawBefore = 0;
                int sawAfter = 0;
                int reads = 0;
                // At least 3,000 reads, and on until the publisher has published both states: its task may start
                // after a fast reader's 3,000 reads, which then raced nothing (the test used to fail that way).
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (reads < 3_000 || (published.get() < 2 && System.nanoTime() < deadline))
                {
                    final String seen = describe(reader.read());
                    if (seen.equals(before))
                    {
                        sawBefore++;
                    }
                    else if (seen.equals(after))
                    {
                        sawAfter++;
                    }
                    else
                    {
                        throw new AssertionError("read " + reads + " saw a publish in progress: " + seen);
                    }
                    reads++;
                }
                assertTrue(sawBefore + sawAfter == reads);
            }
            finally
            {
                stop.set(true);
            }
            assertTrue(publishes.get(10, TimeUnit.SECONDS) > 0);
        }
    }

    @Test
    void aPublisherThatDiedInsideAPublishDoesNotHangItsReaders(@TempDir final Path dir) throws Exception
    {
        final File file = dir.resolve("catalog.cm3").toFile();
        try (ChronicleRegionCatalog catalog = ChronicleRegionCatalog.open(file, 64))
        {
            catalog.publish(BEFORE);
        }
        // What a publisher killed between its first and last write leaves: the sequence odd, for good.
        try (ChronicleMap<Long, byte[]> raw = ChronicleMap.of(Long.class, byte[].class)
            .name("regioncache-catalog").entries(65).averageValueSize(160).createPersistedTo(file))
        {
            raw.put(ChronicleRegionCatalog.SEQUENCE_KEY, ByteBuffer.allocate(Long.BYTES).putLong(7).array());
        }
        try (ChronicleRegionCatalog catalog = ChronicleRegionCatalog.open(file, 64))
        {
            final long start = System.nanoTime();
            assertEquals(describe(BEFORE), describe(catalog.read()));
            final long tookNanos = System.nanoTime() - start;
            assertTrue(tookNanos >= ChronicleRegionCatalog.CONSISTENT_READ_NANOS, "it retried for a whole publish");
            assertTrue(tookNanos < TimeUnit.SECONDS.toNanos(10), "then answered: " + tookNanos + " ns");

            catalog.publish(AFTER); // the next publisher's publish makes the file whole again
            final long again = System.nanoTime();
            assertEquals(describe(AFTER), describe(catalog.read()));
            assertTrue(System.nanoTime() - again < ChronicleRegionCatalog.CONSISTENT_READ_NANOS, "no retries");
        }
    }
}
