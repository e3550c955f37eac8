import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.BufferUtil;
import java.util.SplittableRandom;

// Models a get over the one-miss index: entries 256 MB (2M x 128 B), 24% of keys displaced by one entry (a second,
// dependent miss) and the entry's second line read after its first (its address depends on the meta word), against
// (tagged) a 2 MB tag array read first (one byte per slot, as SwissTable does), then exactly the key's entry, and
// (indep2) both lines of an entry loaded at once. "-serial": each get's key depends on the one before (latency);
// otherwise the gets overlap as JMH's do. Run: java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
// -XX:MaxDirectMemorySize=2g -cp bench/target/benchmarks.jar Tag.java
public class Tag {
    static final int SLOTS = 1 << 21;
    static UnsafeBuffer entries, tags;
    static int[] home; static boolean[] displaced;
    static final int N = 1 << 20;
    static long sink;

    // current: read home entry line 1; if displaced, read next entry (dependent on the first read's value), then line 2
    static long current(int ops, boolean serial) {
        long s = 0; int n = 0; long carry = 0;
        for (int o = 0; o < ops; o++) {
            int h = (home[n] + (serial ? (int)(carry & 1) : 0)) & (SLOTS - 1);
            long a = (long)h << 7;
            long v = entries.getLong((int)a);
            if (displaced[n]) { a = (long)((h + 1 + (int)(v >>> 63)) & (SLOTS - 1)) << 7; v = entries.getLong((int)a); }
            long w = entries.getLong((int)a + 64 + (int)(v >>> 63));
            carry = v + w; s += carry; n = (n + 1) & (N - 1);
        }
        return s;
    }
    // tags: read the tag line bytes from home (1-2 bytes), pick the entry, read both lines
    static long tagged(int ops, boolean serial) {
        long s = 0; int n = 0; long carry = 0;
        for (int o = 0; o < ops; o++) {
            int h = (home[n] + (serial ? (int)(carry & 1) : 0)) & (SLOTS - 1);
            long tw = tags.getLong(h & ~7);
            int idx = h + (int)((tw >>> 63) ^ 1);
            if (displaced[n]) { idx = (idx + 1) & (SLOTS - 1); }
            long a = ((long)idx << 7);
            long v = entries.getLong((int)a);
            long w = entries.getLong((int)a + 64 + (int)(v >>> 63));
            carry = v + w; s += carry; n = (n + 1) & (N - 1);
        }
        return s;
    }

    static long indep(int ops, boolean serial) {
        long s = 0; int n = 0; long carry = 0;
        for (int o = 0; o < ops; o++) {
            int h = (home[n] + (serial ? (int)(carry & 1) : 0)) & (SLOTS - 1);
            long a = (long)h << 7;
            long w0 = entries.getLong((int)a + 64);
            long v = entries.getLong((int)a);
            if (displaced[n]) { a = (long)((h + 1 + (int)(v >>> 63)) & (SLOTS - 1)) << 7; v = entries.getLong((int)a); w0 = entries.getLong((int)a + 64); }
            carry = v + w0; s += carry; n = (n + 1) & (N - 1);
        }
        return s;
    }
    public static void main(String[] x) {
        entries = new UnsafeBuffer(BufferUtil.allocateDirectAligned(SLOTS * 128, 4096));
        tags = new UnsafeBuffer(BufferUtil.allocateDirectAligned(SLOTS, 4096));
        for (int i = 0; i < SLOTS * 128; i += 4096) entries.putLong(i, i);
        for (int i = 0; i < SLOTS; i++) tags.putByte(i, (byte)(0x80 | (i & 0x7F)));
        SplittableRandom r = new SplittableRandom(11);
        home = new int[N]; displaced = new boolean[N];
        for (int i = 0; i < N; i++) { home[i] = r.nextInt(SLOTS); displaced[i] = r.nextInt(100) < 24; }
        int ops = 1 << 22;
        for (int round = 0; round < 6; round++) {
            StringBuilder sb = new StringBuilder("round " + round + ":");
            final String[] names = {"current", "tagged", "indep2", "current-serial", "tagged-serial", "indep2-serial"};
            for (int v = 0; v < 6; v++) {
                long t0 = System.nanoTime();
                final boolean serial = v >= 3;
                long s = switch (v % 3) { case 0 -> current(ops, serial); case 1 -> tagged(ops, serial); default -> indep(ops, serial); };
                sink += s;
                sb.append(String.format(" %s %.1f", names[v], (System.nanoTime() - t0) / (double) ops));
            }
            System.out.println(sb + " ns/get");
        }
        System.out.println(sink);
    }
}
