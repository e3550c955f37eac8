package io.regioncache;

import java.lang.reflect.Modifier;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.regioncache.hybrid.HybridView;
import io.regioncache.store.InMemoryBackingStore;
import io.regioncache.store.MvccStoreCursor;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README.md "### guava-testlib: the NavigableMap view": the size of the generated suite and
 * the public shape the section names. Builds the suite without running it.
 */
class ReadmeAuditCommandsTest
{
    /**
     * "**25,168 generated tests**" (SnapshotMapViewGuavaTest; "the same guava suite, 25,168 tests" for
     * HybridViewGuavaTest and the LMDB run, which use the same {@code suite(name, factory)}): guava's
     * NavigableMapTestSuiteBuilder with CollectionSize.ANY and KNOWN_ORDER generates exactly that many.
     */
    @Test
    void theGuavaSuiteHas25168Tests()
    {
        // guava asks the generator for maps while it builds some derived suites: hand it a TreeMap
        final junit.framework.Test suite = SnapshotMapViewGuavaTest.suite("audit", (entries, decoys) ->
        {
            final java.util.TreeMap<Bytes, Bytes> m = new java.util.TreeMap<>();
            entries.forEach(e -> m.put(Bytes.of(e.getKey()), Bytes.of(e.getValue())));
            return m; // the count depends on the features only, not on the map
        });
        assertEquals(25_168, suite.countTestCases());
    }

    /**
     * The public shape the section names: StoreView and HybridView are public classes; StoreCursor (the SPI) has
     * next, prev, seek, seekForPrev, seekToFirst and seekToLast; MvccStoreCursor does the MVCC part;
     * InMemoryBackingStore is a WritableStore.
     */
    @Test
    void theNamedTypesHaveTheNamedShape()
    {
        assertTrue(Modifier.isPublic(StoreView.class.getModifiers()));
        assertTrue(Modifier.isPublic(HybridView.class.getModifiers()));
        for (final String move : List.of("next", "prev", "seekToFirst", "seekToLast"))
        {
            assertDoesNotThrow(() -> StoreCursor.class.getMethod(move), move);
        }
        for (final String seek : List.of("seek", "seekForPrev"))
        {
            assertDoesNotThrow(() -> StoreCursor.class.getMethod(seek, byte[].class), seek);
        }
        assertTrue(StoreCursor.class.isAssignableFrom(MvccStoreCursor.class));
        assertTrue(WritableStore.class.isAssignableFrom(InMemoryBackingStore.class));
        assertDoesNotThrow(() -> HybridView.class.getMethod("asNavigableMap"));
        assertDoesNotThrow(() -> HybridView.class.getMethod("asBytesMap"));
    }
}
