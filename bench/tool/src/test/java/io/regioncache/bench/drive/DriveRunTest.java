package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class DriveRunTest
{
    @Test
    void shortRunLoadsRegionsServesFromCacheAndCrossChecksClean() throws Exception
    {
        final DriveSettings s = DriveSettings.defaults().withDuration(Duration.ofSeconds(4))
            .withKeys(20_000, 8, 5_000).withProgress(DriveSettings.Progress.PLAIN);
        final StringWriter progress = new StringWriter();
        final DriveReport r = Driver.run(s, new PrintWriter(progress, true));
        final String text = r.toText();

        assertTrue(r.reads() > 1_000, text);
        assertTrue(r.writeBatches() > 100, text);
        assertTrue(r.regionsLoaded() > 0, text);
        assertTrue(r.hitRatio() > 0, text);
        assertTrue(r.regionsChecked() > 0, "the cross-check compared at least one cached region: " + text);
        assertEquals(0, r.divergences(), text);
        assertEquals(0, r.wrongValues(), text);
        assertEquals(0, r.applyErrors(), text);
        assertTrue(r.memoryPeak() > 0, text);
        assertEquals(r.metrics().get("memory.peak"), r.memoryPeak(), "the report's peak is the engine's: " + text);
        assertTrue(r.memoryPeak() >= r.metrics().get("memory.used"), text);
        assertTrue(r.memoryPeak() <= r.metrics().get("memory.capacity"), text);
        assertEquals(0, r.memoryAfterClose(), "leaked off-heap memory after close: " + text);
        assertTrue(r.passed(), text);
        assertEquals(0, r.exitCode());
        assertTrue(text.contains("0 divergence(s)") && text.contains("result        PASS"), text);
        assertTrue(text.contains("cache") && text.contains("rocksdb") && text.contains("p99.9"), text);
        assertTrue(progress.toString().contains("ops/s"), "a progress line per second: " + progress);

        final String json = r.toJson();
        assertTrue(json.contains("\"divergences\": 0"), json);
        assertTrue(json.contains("\"after_close_bytes\": 0"), json);
        assertTrue(json.contains("\"passed\": true"), json);
    }
}
