package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drive --replicas 3}: a 3-node cluster in this JVM runs the drive workload (write batches with deletes,
 * leader and follower gets, scans across regions, splits as regions take writes); every read agrees with the
 * per-key history of acknowledged writes, the replicas converge with equal digests, and the report has a row per node
 * (regions led and followed, hit ratio, snapshots, leader changes).
 */
class DriveReplicasTest
{
    @Test
    @Timeout(240)
    void threeReplicasRunTheWorkloadAndAgree(@TempDir final Path dir)
    {
        final ReplicatedReport r = ReplicatedReport.run("drive", "--replicas", "3", "--ops", "500", "--keys", "4000",
            "--skew", "0.5", "--regions", "2", "--threads", "4", "--read-ratio", "0.5", "--scan-ratio", "0.3",
            "--batch-size", "8", "--split-keys", "150", "--value-size", "64", "--seed", "7", "--data-dir",
            dir.resolve("c").toString());
        r.assertFullWorkloadPassed(List.of("n1", "n2", "n3"));
        assertTrue(r.out.contains("memory in use after close: 0 bytes on every node"), r.out);
    }

    /**
     * {@code --faults}: leaders moved and merges committed and rolled back while the workload writes, reads, scans and
     * splits. Every read still agrees with the acknowledged writes, the replicas converge equal, no merge is left
     * unfinished, and the regions at the end are those at the start plus the splits minus the merges.
     */
    @Test
    @Timeout(240)
    void faultsMoveLeadersAndMergeWhileTheWorkloadRuns(@TempDir final Path dir)
    {
        final ReplicatedReport r = ReplicatedReport.run("drive", "--replicas", "3", "--duration", "10s", "--keys",
            "4000", "--skew", "0.5", "--regions", "2", "--threads", "4", "--read-ratio", "0.5", "--scan-ratio", "0.3",
            "--batch-size", "8", "--split-keys", "150", "--value-size", "64", "--seed", "11", "--faults", "300ms",
            "--data-dir", dir.resolve("c").toString());
        final String faults = ReplicatedReport.FAULTS;
        assertEquals("300 ms", r.text(faults, 1), r.out);
        final long merged = r.number(faults, 4);
        r.assertFullWorkloadPassed(List.of("n1", "n2", "n3"), r.number(faults, 8) - merged);
        assertTrue(r.number(faults, 2) > 0, "leaders moved: " + r.out);
        assertTrue(merged > 0, "merges committed: " + r.out);
        assertTrue(r.number(faults, 5) > r.number(faults, 6), "merges rolled back as asked: " + r.out);
        assertEquals(0, r.number(faults, 9), "no merge left unfinished: " + r.out);
        long leaderChanges = 0; // the node table's "ldr chg" column
        final Matcher m = Pattern.compile("(?m)^n\\d\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\S+\\s+\\d+\\s+\\d+\\s+(\\d+)")
            .matcher(r.out);
        while (m.find())
        {
            leaderChanges += Long.parseLong(m.group(1));
        }
        assertTrue(leaderChanges > 0, "the moves show in the nodes' leader changes: " + r.out);
        assertTrue(r.out.contains("memory in use after close: 0 bytes on every node"), r.out);
    }

    @Test
    void badReplicaOptionsAreUsageErrors(@TempDir final Path dir)
    {
        assertEquals(2, ReplicatedReport.run("drive", "--faults", "1s", "--ops", "10").exit,
            "--faults without --replicas or --cluster");
        assertEquals(2, ReplicatedReport.run("drive", "--replicas", "3", "--faults", "0s", "--ops", "10").exit);
        assertEquals(2, ReplicatedReport.run("drive", "--replicas", "0", "--ops", "10").exit);
        assertEquals(2, ReplicatedReport.run("drive", "--replicas", "3", "--ops", "10", "--json",
            dir.resolve("x").toString()).exit);
    }
}
