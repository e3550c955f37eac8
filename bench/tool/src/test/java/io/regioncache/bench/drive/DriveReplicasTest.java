package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

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

    @Test
    void badReplicaOptionsAreUsageErrors(@TempDir final Path dir)
    {
        assertEquals(2, ReplicatedReport.run("drive", "--replicas", "0", "--ops", "10").exit);
        assertEquals(2, ReplicatedReport.run("drive", "--replicas", "3", "--ops", "10", "--json",
            dir.resolve("x").toString()).exit);
    }
}
