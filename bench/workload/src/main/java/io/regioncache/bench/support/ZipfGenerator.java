package io.regioncache.bench.support;

/**
 * Zipfian ranks over {@code [0, n)} (Gray et al., "Quickly generating billion-record synthetic databases", the
 * algorithm YCSB uses): rank 0 is the hottest. The JMH suites pre-generate index arrays with it; {@code drive}
 * draws from it live ({@link #next(double)} per operation, no allocation).
 */
public final class ZipfGenerator
{
    /** YCSB's default skew. */
    public static final double DEFAULT_THETA = 0.99;

    private final int n;
    private final double theta;
    private final double alpha;
    private final double zetan;
    private final double eta;

    /**
     * @param n     number of items.
     * @param theta skew, in (0, 1).
     */
    public ZipfGenerator(final int n, final double theta)
    {
        if (n < 1 || !(theta > 0 && theta < 1))
        {
            throw new IllegalArgumentException("need n >= 1 and 0 < theta < 1");
        }
        this.n = n;
        this.theta = theta;
        this.alpha = 1.0 / (1.0 - theta);
        this.zetan = zeta(n, theta);
        final double zeta2 = zeta(Math.min(2, n), theta);
        this.eta = n <= 2 ? 1.0 : (1 - Math.pow(2.0 / n, 1 - theta)) / (1 - zeta2 / zetan);
    }

    private static double zeta(final int n, final double theta)
    {
        double sum = 0;
        for (int i = 1; i <= n; i++)
        {
            sum += 1.0 / Math.pow(i, theta);
        }
        return sum;
    }

    /**
     * @param u a uniform double in [0, 1).
     * @return a rank in [0, n).
     */
    public int next(final double u)
    {
        final double uz = u * zetan;
        if (uz < 1.0)
        {
            return 0;
        }
        if (n > 1 && uz < 1.0 + Math.pow(0.5, theta))
        {
            return 1;
        }
        final long r = (long)(n * Math.pow(eta * u - eta + 1, alpha));
        return (int)Math.min(Math.max(r, 0), n - 1);
    }
}
