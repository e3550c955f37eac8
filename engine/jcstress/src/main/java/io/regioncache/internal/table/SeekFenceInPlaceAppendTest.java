package io.regioncache.internal.table;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Publication of a seek-fence entry ({@link SeekFences#append} against {@link SeekFences#floorBefore}) when the
 * fences have room: the writer fills entry 2 with plain stores, then publishes it with a release store of the count;
 * the reader's acquire load of the count orders its reads of the entry after it. The reader asks twice;
 * {@link FenceFixture} draws the outcomes.
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the fences before the append")
@Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "the fences after the append")
@Outcome(expect = FORBIDDEN, desc = "an entry read half written (its prefix, its node, or both)")
@State
public class SeekFenceInPlaceAppendTest
{
    /** The table's field the writer publishes fences through ({@code MvccTable.seekFences}). */
    private volatile SeekFences published = FenceFixture.fences(4);

    @Actor
    public void writer()
    {
        final SeekFences fences = published;
        final SeekFences appended = FenceFixture.appendK30(fences);
        if (appended != fences)
        {
            published = appended; // as MvccTable.noteTallNode: a larger copy, published after its new entry
        }
    }

    @Actor
    public void reader(final II_Result r)
    {
        final SeekFences fences = published;
        r.r1 = FenceFixture.floorBefore(fences, FenceFixture.ABOVE);
        r.r2 = FenceFixture.floorBefore(fences, FenceFixture.BETWEEN);
    }
}
