// How many of a batch's random loads the core overlaps: 16 single lines or 16 pairs of adjacent lines per batch,
// back to back (singles, pairs) or each batch followed by ~450 ns of dependent arithmetic that needs its sum
// (…Iso; subtract workOnly): the latency of one batch of misses on its own. Run: java
// --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -XX:MaxDirectMemorySize=2g -cp bench/target/benchmarks.jar Mlp.java
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.BufferUtil;
import java.util.SplittableRandom;

public class Mlp {
    static final int SIZE = 256 << 20;
    static UnsafeBuffer b;
    static int[] idx;
    static final int N = 1 << 21;
    static long sink;

    static long singles(int ops) { long s = 0; int n = 0; for (int o = 0; o < ops; o += 16) { for (int i = 0; i < 16; i++) s += b.getLong(idx[n + i]); n = (n + 16) & (N - 1);} return s; }
    static long pairs(int ops) { long s = 0; int n = 0; for (int o = 0; o < ops; o += 16) { for (int i = 0; i < 16; i++) { int a = idx[n + i] & ~127; s += b.getLong(a) + b.getLong(a + 64);} n = (n + 16) & (N - 1);} return s; }
    static long mix(long z) { z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL; z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L; return z ^ (z >>> 33); }
    static long[] h = new long[16];
    static long hashedPairs(int ops) { long s = 0; long c = 0; for (int o = 0; o < ops; o += 16) { for (int i = 0; i < 16; i++) h[i] = mix(c++); for (int i = 0; i < 16; i++) { int a = ((int)h[i] & ((SIZE >> 7) - 1)) << 7; s += b.getLong(a) + b.getLong(a + 64);} } return s; }
    static long hashedSingles(int ops) { long s = 0; long c = 0; for (int o = 0; o < ops; o += 16) { for (int i = 0; i < 16; i++) h[i] = mix(c++); for (int i = 0; i < 16; i++) { int a = ((int)h[i] & ((SIZE >> 7) - 1)) << 7; s += b.getLong(a);} } return s; }
    // batch then consume: each batch's sum is read back through a dependent step (like phase 2b reading meta)
    static long pairsThenUse(int ops) { long s = 0; int n = 0; for (int o = 0; o < ops; o += 16) { long t = 0; for (int i = 0; i < 16; i++) { int a = idx[n + i] & ~127; t += b.getLong(a) + b.getLong(a + 64);} s += t; n = (n + 16 + (int)(t & 0)) & (N - 1);} return s; }

    static long work(long x, int n) { for (int i = 0; i < n; i++) x = x * 6364136223846793005L + 1442695040888963407L; return x; }
    static long workOnly(int ops) { long s = 0; for (int o = 0; o < ops; o += 16) { s = work(s, 400); } return s; }
    static long pairsIso(int ops) { long s = 0; int n = 0; for (int o = 0; o < ops; o += 16) { long t = 0; for (int i = 0; i < 16; i++) { int a = idx[n + i] & ~127; t += b.getLong(a) + b.getLong(a + 64);} s = work(s + t, 400); n = (n + 16) & (N - 1);} return s; }
    static long singlesIso(int ops) { long s = 0; int n = 0; for (int o = 0; o < ops; o += 16) { long t = 0; for (int i = 0; i < 16; i++) { int a = idx[n + i] & ~127; t += b.getLong(a);} s = work(s + t, 400); n = (n + 16) & (N - 1);} return s; }
    static long firstIso(int ops) { long s = 0; int n = 0; for (int o = 0; o < ops; o += 16) { long t = 0; for (int i = 0; i < 1; i++) { int a = idx[n + i] & ~127; t += b.getLong(a);} s = work(s + t, 400); n = (n + 16) & (N - 1);} return s; }
    public static void main(String[] a) {
        b = new UnsafeBuffer(BufferUtil.allocateDirectAligned(SIZE, 4096));
        for (int i = 0; i < SIZE; i += 4096) b.putLong(i, i);
        SplittableRandom r = new SplittableRandom(7);
        idx = new int[N];
        for (int i = 0; i < N; i++) idx[i] = r.nextInt(SIZE / 64) * 64;
        String[] names = {"singles", "pairs", "workOnly", "pairsIso", "singlesIso", "oneIso"};
        int ops = 1 << 22;
        for (int round = 0; round < 8; round++) {
            StringBuilder sb = new StringBuilder("round " + round + ":");
            for (int v = 0; v < names.length; v++) {
                long t0 = System.nanoTime();
                long s = switch (v) { case 0 -> singles(ops); case 1 -> pairs(ops); case 2 -> workOnly(ops); case 3 -> pairsIso(ops); case 4 -> singlesIso(ops); default -> firstIso(ops); };
                long t1 = System.nanoTime();
                sink += s;
                sb.append(String.format(" %s %.1f", names[v], (t1 - t0) / (double) ops * 16));
            }
            System.out.println(sb + " ns/batch");
        }
        System.out.println(sink);
    }
}
