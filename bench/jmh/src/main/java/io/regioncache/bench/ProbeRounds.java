package io.regioncache.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The harness of the interleaved-round probes ({@code GetPathProbe}, {@code PinPathProbe}): every round times every
 * variant once, so a load change on a shared machine hits all variants alike (back-to-back JMH benchmarks, seconds
 * apart, do not guarantee that on two shared cores). Reports the median and the minimum over rounds of ns per
 * operation. Not a JMH replacement: a probe to find where the time of one JMH figure goes.
 */
public final class ProbeRounds
{
    /** One timed loop of operations; each subclass is its own compiled loop. */
    public abstract static class Variant
    {
        final String name;
        final List<Double> nanos = new ArrayList<>();

        /** @param name the row's label. */
        protected Variant(final String name)
        {
            this.name = name;
        }

        /** @return the row's label. */
        public String name()
        {
            return name;
        }

        /**
         * @param ops operations to run.
         * @return a value derived from every operation (summed into a sink, so the JIT keeps the work).
         */
        protected abstract long run(int ops);
    }

    private ProbeRounds()
    {
    }

    /**
     * Run {@code warmupRounds} untimed rounds, then {@code rounds} timed ones, and print one row per variant.
     *
     * @param variants     the variants, run in this order in every round.
     * @param warmupRounds rounds not measured.
     * @param rounds       rounds measured.
     * @param ops          operations per variant per round.
     */
    public static void run(final List<Variant> variants, final int warmupRounds, final int rounds, final int ops)
    {
        long sink = 0;
        for (int round = -warmupRounds; round < rounds; round++)
        {
            for (final Variant v : variants)
            {
                final long start = System.nanoTime();
                sink += v.run(ops);
                final long elapsed = System.nanoTime() - start;
                if (round >= 0)
                {
                    v.nanos.add((double)elapsed / ops);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%-32s %10s %10s   (%d rounds of %d ops, sink %d)%n", "variant", "median",
            "min", rounds, ops, sink & 1);
        for (final Variant v : variants)
        {
            final double[] sorted = v.nanos.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "%-32s %10.1f %10.1f%n", v.name, sorted[sorted.length / 2], sorted[0]);
        }
    }
}
