package io.regioncache.hybrid.blackbox;

import static io.regioncache.hybrid.blackbox.ProbeSupport.b;
import static io.regioncache.hybrid.blackbox.ProbeSupport.done;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridView;
import io.regioncache.hybrid.Stores;

/** Reads at their edges, once where the cache serves (epoch 1) and once where the store does (epoch 9). */
@ParameterizedClass
@EnumSource(Stores.class)
class EdgeReadsBlackBoxTest
{
    private static final byte[] OPEN = new byte[0];

    @Parameter
    Stores store;

    @TempDir
    Path dir;

    private static String outcome(final Callable<Object> c)
    {
        try
        {
            final Object o = c.call();
            return o instanceof byte[] bytes ? "=" + new String(bytes) : String.valueOf(o);
        }
        catch (final Exception ex)
        {
            return ex.getClass().getSimpleName();
        }
    }

    @Test
    void edgesAnswerAlike()
    {
        try (HybridEngine e = HybridEngine.owning(store.open(dir.resolve("s")),
            RegionCacheConfig.builder().capacityBytes(64L << 20).maxKeyLength(300));
            HybridReader r = e.newReader())
        {
            done(e.createRegion(new Region(1, OPEN, OPEN, 1)));
            done(e.write(new WriteBatch(1, 1, 5).put(b("a"), b("va")).put(b("b"), new byte[0])));
            done(e.write(new WriteBatch(1, 1, 6).delete(b("a"))));
            final byte[] longKey = new byte[301];
            Arrays.fill(longKey, (byte)'a');
            final List<String> diffs = new ArrayList<>();
            final String[] names = {"empty key", "long key", "v-1", "v0", "vMAX a", "vMAX b", "v5 a", "multiGet empty",
                "scan [a,a)", "scan long bound", "view get empty", "view ceiling empty", "view long", "scan v-1",
                "view v-1 size"};
            final List<List<String>> answers = new ArrayList<>();
            for (final long epoch : new long[] {1, 9})
            {
                final List<String> a = new ArrayList<>();
                a.add(outcome(() -> r.get(1, epoch, 5, OPEN)));
                a.add(outcome(() -> r.get(1, epoch, 5, longKey)));
                a.add(outcome(() -> r.get(1, epoch, -1, b("b"))));
                a.add(outcome(() -> r.get(1, epoch, 0, b("b"))));
                a.add(outcome(() -> r.get(1, epoch, Long.MAX_VALUE, b("a"))));
                a.add(outcome(() -> r.get(1, epoch, Long.MAX_VALUE, b("b"))));
                a.add(outcome(() -> r.get(1, epoch, 5, b("a"))));
                a.add(outcome(() ->
                {
                    final int[] vo = new int[2];
                    final int[] vl = new int[2];
                    final int end = r.multiGet(1, epoch, 5, new UnsafeBuffer(b("xa")), new int[] {0, 1},
                        new int[] {0, 1}, 2, new UnsafeBuffer(new byte[16]), 0, vo, vl);
                    return end + " " + Arrays.toString(vl);
                }));
                a.add(outcome(() -> ProbeSupport.scan(r, 1, epoch, 5, b("a"), b("a"))));
                a.add(outcome(() -> ProbeSupport.scan(r, 1, epoch, 5, longKey, OPEN)));
                try (HybridView v = r.view(new Region(1, OPEN, OPEN, epoch), 5))
                {
                    a.add(outcome(() -> v.asNavigableMap().get(OPEN)));
                    a.add(outcome(() -> v.asNavigableMap().ceilingKey(OPEN)));
                    a.add(outcome(() -> v.asNavigableMap().get(longKey)));
                }
                a.add(outcome(() -> ProbeSupport.scan(r, 1, epoch, -1, OPEN, OPEN)));
                a.add(outcome(() ->
                {
                    try (HybridView v = r.view(new Region(1, OPEN, OPEN, epoch), -1))
                    {
                        return v.asNavigableMap().size();
                    }
                }));
                answers.add(a);
            }
            for (int i = 0; i < names.length; i++)
            {
                if (!answers.get(0).get(i).equals(answers.get(1).get(i)))
                {
                    diffs.add(names[i] + ": cache " + answers.get(0).get(i) + " store " + answers.get(1).get(i));
                }
            }
            assertEquals(List.of(), diffs, "all: " + answers);
        }
    }
}
