package io.regioncache;

import java.lang.ref.Cleaner;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import io.regioncache.internal.table.MvccTable;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A write batch becomes visible whole. The apply thread applies a batch of two puts (A and B at version 2) the way
 * {@code ApplyAgent.onWrite} does for an ACTIVE region: every entry into the table, then
 * {@link RegionRecord#appliedVersionRelease} of the batch's version. A reader opens a real {@link Snapshot} (pin
 * CAS, then {@code min(readVersion, appliedVersionAcquire())}) at an unbounded read version and gets A, then B.
 * Nodes of version 2 may already be linked while the applied version is still 1; the snapshot's version cap hides
 * them, and once it reads 2 the acquire makes both puts visible.
 * <pre>
 *   r1 (A)  r2 (B) | verdict
 *   1       1      | snapshot before the batch
 *   2       2      | snapshot after the batch
 *   1       2      | FORBIDDEN: half a batch (also 2, 1; 0 = not found; 9 = snapshot refused)
 * </pre>
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "before the batch")
@Outcome(id = "2, 2", expect = ACCEPTABLE, desc = "after the batch")
@Outcome(expect = FORBIDDEN, desc = "half a batch visible, a value lost, or the snapshot refused")
@State
public class WriteBatchVisibilityTest
{
    private static final Cleaner CLEANER = Cleaner.create();
    static final byte[] A = {'a'};
    static final byte[] B = {'b'};

    private final MvccTable table = JcstressFixtures.table();
    private final RegionRecord record = JcstressFixtures.activeRecord(new Transitions(), 0);
    private final Snapshot snapshot;

    public WriteBatchVisibilityTest()
    {
        table.put(A, 1, new byte[] {1});
        table.put(B, 1, new byte[] {1});
        record.attachTable(new TableRef(table));
        record.appliedVersionRelease(1);
        final RegionDirectory directory = new RegionDirectory();
        directory.add(record);
        snapshot = new Snapshot(directory, new EngineCounters(), () -> false, CLEANER, JcstressFixtures.MAX_KEY);
    }

    @Actor
    public void applyThread()
    {
        table.put(A, 2, new byte[] {2});
        table.put(B, 2, new byte[] {2});
        record.appliedVersionRelease(2);
    }

    @Actor
    public void reader(final II_Result r)
    {
        if (snapshot.open(1, 1, Long.MAX_VALUE) != SnapshotStatus.OK)
        {
            r.r1 = 9;
            r.r2 = 9;
            return;
        }
        try
        {
            final byte[] a = snapshot.get(A);
            final byte[] b = snapshot.get(B);
            r.r1 = a == null ? 0 : a[0];
            r.r2 = b == null ? 0 : b[0];
        }
        finally
        {
            snapshot.close();
        }
    }
}
