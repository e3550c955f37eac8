package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A split whose attempt was applied but whose answer was lost (a leader moving between committing the entry and
 * answering it) is retried by {@link RegionClient#split}; the retry finds the key already starting a region. That
 * used to be INVALID ("nothing applied by this call") although the call's own attempt had split the region, so a
 * workload counting splits saw one region more than it counted (DriveReplicasTest's "every split made one region
 * more" failed once that way under leader moves). The split must answer the id its applied attempt made.
 */
@Timeout(120)
class LostSplitAnswerTest
{
    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** @return how many entries of that type were sent; the first one's answer is dropped. */
    private static AtomicInteger dropFirstAnswer(final RegionClient c, final Class<? extends Entry> type)
    {
        final AtomicInteger sent = new AtomicInteger();
        c.dropAnswerForTest = e -> type.isInstance(e) && sent.getAndIncrement() == 0;
        return sent;
    }

    @Test
    void aSplitWhoseAnswerWasLostAnswersTheRegionItMade(@TempDir final Path dir) throws Exception
    {
        try (LocalNodes nodes = LocalNodes.start(3, dir); RegionClient c = new RegionClient(nodes.peers()))
        {
            c.put(b("a"), b("1"));
            c.put(b("x"), b("2"));
            final AtomicInteger splitsSent = dropFirstAnswer(c, Entry.Split.class);
            final long left = c.split(b("m"));
            c.dropAnswerForTest = null;
            assertEquals(1, splitsSent.get(), "one split sent (its answer dropped), none sent again");
            final List<RegionMeta> routes = c.routes();
            assertEquals(2, routes.size(), "one split, one region more: " + routes);
            assertEquals(left, routes.get(0).id(), "the id answered is the left piece's: " + routes);
            assertArrayEquals(b("m"), routes.get(0).end());
            assertArrayEquals(b("1"), c.get(b("a")).value());
            assertArrayEquals(b("2"), c.get(b("x")).value());
        }
    }

    @Test
    void aSplitAtAKeyThatAlreadyStartsARegionIsStillInvalidAfterALostAnswer(@TempDir final Path dir)
        throws Exception
    {
        try (LocalNodes nodes = LocalNodes.start(3, dir); RegionClient c = new RegionClient(nodes.peers()))
        {
            c.put(b("a"), b("1"));
            c.split(b("m"));
            // A lost answer to some other write does not make a later refused split look applied.
            final AtomicInteger writesSent = dropFirstAnswer(c, Entry.Write.class);
            c.put(b("b"), b("2")); // answered by the retry: a put may be applied twice, same value
            c.dropAnswerForTest = null;
            assertEquals(2, writesSent.get(), "the put was sent again after its answer was lost");
            final RegionClientException ex = assertThrows(RegionClientException.class, () -> c.split(b("m")));
            assertEquals(Reply.Status.INVALID, ex.status(), ex.toString());
            assertEquals(2, c.routes().size(), c.routes().toString());
        }
    }
}
