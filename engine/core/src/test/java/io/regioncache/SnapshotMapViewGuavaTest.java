package io.regioncache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

import com.google.common.collect.testing.NavigableMapTestSuiteBuilder;
import com.google.common.collect.testing.SampleElements;
import com.google.common.collect.testing.TestSortedMapGenerator;
import com.google.common.collect.testing.features.CollectionFeature;
import com.google.common.collect.testing.features.CollectionSize;
import junit.framework.Test;
import junit.framework.TestSuite;
import org.junit.runner.RunWith;
import org.junit.runners.AllTests;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * guava-testlib's conformance suite for {@link NavigableMap} ({@code NavigableMapTestSuiteBuilder}: the map, its
 * entry/key/value collections, descending views and every head/tail/sub-map with inclusive and exclusive bounds,
 * thousands of generated tests), run against {@link Snapshot#asBytesMap()} over real cached regions.
 * <p>
 * Each map the suite asks for is a fresh region written through the apply path with MVCC history the view must
 * hide (see {@link MvccRegionFixture}): every present key has an older value and a tombstone below its visible
 * version and a newer value above the read version; every sample key absent from the map, and the suite's
 * out-of-range keys, are written and deleted. Keys straddle 0x80 so a signed comparison would fail.
 * <p>
 * Features claimed are those of a read-only sorted map: any size, known order; no mutation, no null keys, values
 * or null queries ({@code get(null)} throws as {@link java.util.TreeMap} does). guava compares entries, keys and
 * values with {@code equals}, which is why the suite runs on the {@link Bytes} view: the {@code byte[]} view is the
 * same class with another codec and is checked against {@link java.util.TreeMap} in {@link SnapshotMapViewTest}.
 * <p>
 * JUnit 4 style ({@link AllTests}); it runs under JUnit 5 through the vintage engine.
 */
@RunWith(AllTests.class)
public final class SnapshotMapViewGuavaTest
{
    private SnapshotMapViewGuavaTest()
    {
    }

    /** Makes the map under test: one whose visible contents are exactly {@code entries}. */
    @FunctionalInterface
    public interface Factory
    {
        /**
         * @param entries the wanted contents (later duplicates win).
         * @param decoys  keys the suite will query that must be absent: write them with hidden history.
         * @return a new map.
         */
        NavigableMap<Bytes, Bytes> create(List<Map.Entry<byte[], byte[]>> entries, List<byte[]> decoys);
    }

    static Bytes b(final int... bytes)
    {
        final byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++)
        {
            out[i] = (byte)bytes[i];
        }
        return Bytes.of(out);
    }

    static Bytes s(final String text)
    {
        return Bytes.of(text.getBytes(UTF_8));
    }

    /** Builds every map the suite asks for through one factory, with the same samples and decoys. */
    static final class Generator implements TestSortedMapGenerator<Bytes, Bytes>
    {
        private static final Map.Entry<Bytes, Bytes> BELOW_LESSER = Map.entry(b(0x01), s("below-1"));
        private static final Map.Entry<Bytes, Bytes> BELOW_GREATER = Map.entry(b(0x02, 0x00), s("below-2"));
        private static final Map.Entry<Bytes, Bytes> ABOVE_LESSER = Map.entry(b(0xFE), s("above-1"));
        private static final Map.Entry<Bytes, Bytes> ABOVE_GREATER = Map.entry(b(0xFF, 0xFF), s("above-2"));
        private static final SampleElements<Map.Entry<Bytes, Bytes>> SAMPLES = new SampleElements<>(
            Map.entry(b(0x30, 0x01), s("v0")),
            Map.entry(b(0x10), s("v1")),
            Map.entry(b(0x7F, 0xFF), s("v2")),
            Map.entry(b(0x80), s("v3")),
            Map.entry(b(0xC0, 0x00, 0x01), s("v4")));

        private final Factory factory;
        private final List<byte[]> decoys = new ArrayList<>();

        Generator(final Factory factory)
        {
            this.factory = factory;
            for (final Map.Entry<Bytes, Bytes> e : List.of(
                BELOW_LESSER, BELOW_GREATER, ABOVE_LESSER, ABOVE_GREATER,
                SAMPLES.e0(), SAMPLES.e1(), SAMPLES.e2(), SAMPLES.e3(), SAMPLES.e4()))
            {
                final byte[] k = e.getKey().toByteArray();
                decoys.add(k);
                // the nearest keys on either side of every sample are deleted keys too
                final byte[] after = Arrays.copyOf(k, k.length + 1);
                decoys.add(after);
            }
        }

        @Override
        public SampleElements<Map.Entry<Bytes, Bytes>> samples()
        {
            return SAMPLES;
        }

        @Override
        public NavigableMap<Bytes, Bytes> create(final Object... elements)
        {
            final List<Map.Entry<byte[], byte[]>> entries = new ArrayList<>();
            for (final Object o : elements)
            {
                final Map.Entry<?, ?> e = (Map.Entry<?, ?>)o;
                entries.add(Map.entry(((Bytes)e.getKey()).toByteArray(), ((Bytes)e.getValue()).toByteArray()));
            }
            return factory.create(entries, decoys);
        }

        @Override
        @SuppressWarnings("unchecked")
        public Map.Entry<Bytes, Bytes>[] createArray(final int length)
        {
            return (Map.Entry<Bytes, Bytes>[])new Map.Entry<?, ?>[length];
        }

        @Override
        public Iterable<Map.Entry<Bytes, Bytes>> order(final List<Map.Entry<Bytes, Bytes>> insertionOrder)
        {
            final List<Map.Entry<Bytes, Bytes>> sorted = new ArrayList<>(insertionOrder);
            sorted.sort(Map.Entry.comparingByKey());
            return sorted;
        }

        @Override
        public Bytes[] createKeyArray(final int length)
        {
            return new Bytes[length];
        }

        @Override
        public Bytes[] createValueArray(final int length)
        {
            return new Bytes[length];
        }

        @Override
        public Map.Entry<Bytes, Bytes> belowSamplesLesser()
        {
            return BELOW_LESSER;
        }

        @Override
        public Map.Entry<Bytes, Bytes> belowSamplesGreater()
        {
            return BELOW_GREATER;
        }

        @Override
        public Map.Entry<Bytes, Bytes> aboveSamplesLesser()
        {
            return ABOVE_LESSER;
        }

        @Override
        public Map.Entry<Bytes, Bytes> aboveSamplesGreater()
        {
            return ABOVE_GREATER;
        }
    }

    /**
     * The generated suite, flattened: guava nests a {@link TestSuite} per tester and derived view, and surefire
     * reports every nested suite as a test set of its own (rewriting the report each time, quadratic in the number
     * of tests). Each leaf's name still carries its suite path and features.
     *
     * @return the generated tests in one suite.
     */
    public static Test suite()
    {
        final MvccRegionFixture fixture = new MvccRegionFixture();
        return suite("SnapshotMapView",
            (entries, decoys) -> fixture.open(new byte[0], new byte[0], entries, decoys).asBytesMap());
    }

    /**
     * The suite over any read-only {@code NavigableMap<Bytes, Bytes>} (the hybrid view's store-backed maps use it
     * too), with the features of a read-only sorted map, flattened.
     *
     * @param name    the suite's name.
     * @param factory makes each map the suite asks for.
     * @return the generated tests in one suite.
     */
    public static Test suite(final String name, final Factory factory)
    {
        final TestSuite generated = NavigableMapTestSuiteBuilder.using(new Generator(factory))
            .named(name)
            .withFeatures(CollectionSize.ANY, CollectionFeature.KNOWN_ORDER)
            .createTestSuite();
        final TestSuite flat = new TestSuite(name + " (guava-testlib NavigableMapTestSuiteBuilder)");
        flatten(generated, flat);
        return flat;
    }

    private static void flatten(final Test test, final TestSuite into)
    {
        if (test instanceof TestSuite)
        {
            final Enumeration<Test> tests = ((TestSuite)test).tests();
            while (tests.hasMoreElements())
            {
                flatten(tests.nextElement(), into);
            }
        }
        else
        {
            into.addTest(test);
        }
    }
}
