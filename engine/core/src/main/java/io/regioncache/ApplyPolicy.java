package io.regioncache;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.regioncache.internal.memory.MemoryBudget;

/**
 * Apply thread: one round of the background policy, every {@code policyIntervalMillis} of the engine's clock.
 * Evicts the coldest regions while usage is above the eviction threshold (never thrashing: see
 * {@link EvictionPolicy}), loads the regions the host's store reads show to be hot ({@link LoadPolicy}), then
 * schedules compactions for regions whose tables hold mostly garbage at their safe points.
 */
final class ApplyPolicy
{
    private static final Logger LOG = LoggerFactory.getLogger(ApplyPolicy.class);

    private final ApplyAgent agent;
    private final RegionCacheConfig config;
    private final MemoryBudget budget;
    private final EngineCounters counters;
    private final EvictionPolicy evictionPolicy;
    private final LoadPolicy loadPolicy;
    private final HotRegionTracker hotRegions = new HotRegionTracker();
    private long nextRoundNanos;
    private long nextPressureRoundNanos;

    ApplyPolicy(
        final ApplyAgent agent, final RegionCacheConfig config, final MemoryBudget budget,
        final EngineCounters counters)
    {
        this.agent = agent;
        this.config = config;
        this.budget = budget;
        this.counters = counters;
        this.evictionPolicy = new EvictionPolicy(config.minResidencyMillis(), config.maxEvictFractionPerRound());
        this.loadPolicy = new LoadPolicy(config.autoLoadTopN(), config.autoLoadMinAmplification(), 1);
    }

    /** @return where hosts report reads of uncached regions (any thread). */
    HotRegionTracker hotRegions()
    {
        return hotRegions;
    }

    /**
     * Run a round if one is due.
     *
     * @param nowNanos the engine clock.
     * @return work done.
     */
    int onDutyCycle(final long nowNanos)
    {
        if (nowNanos - nextRoundNanos < 0)
        {
            // Between rounds, memory above the evict threshold does not wait a whole interval: an eviction-only
            // round every tenth of it keeps usage under the threshold, so writes rarely meet the hard cap. The memory
            // of records still draining is about to come back, so it is not counted again (that would over-evict);
            // but a pinned record does not stop the rounds (a long snapshot on a retired split parent, whose table
            // its children share, held them off until it closed).
            if (budget.shouldEvict() && nowNanos - nextPressureRoundNanos >= 0)
            {
                final long comingBack = agent.reclaimer().bytesComingBack();
                if (budget.used() - comingBack > budget.evictThreshold())
                {
                    nextPressureRoundNanos =
                        nowNanos + TimeUnit.MILLISECONDS.toNanos(Math.max(1, config.policyIntervalMillis() / 10));
                    return evictForMemory(agent.directory().currentAcquire().records(), nowNanos, false, comingBack);
                }
            }
            return 0;
        }
        // Saturating conversions (toNanos): millis * 1_000_000 wraps for an absurdly long interval, which would
        // make the policy run every cycle instead of (almost) never. The wrap-around comparisons above hold for any
        // interval up to Long.MAX_VALUE nanoseconds.
        nextRoundNanos = nowNanos + TimeUnit.MILLISECONDS.toNanos(config.policyIntervalMillis());
        nextPressureRoundNanos = nowNanos + TimeUnit.MILLISECONDS.toNanos(Math.max(1, config.policyIntervalMillis() / 10));
        return run(nowNanos);
    }

    private int evictForMemory(
        final List<RegionRecord> records, final long nowNanos, final boolean fullRound, final long comingBack)
    {
        int work = 0;
        for (final RegionRecord victim : evictionPolicy.choose(records, budget, nowNanos, fullRound, comingBack))
        {
            LOG.info("policy: evicting region {} (heat {}, ~{} bytes): memory {} > evict threshold {}",
                victim.id(), victim.stats().heat(), EvictionPolicy.estimatedBytes(victim), budget.used(),
                budget.evictThreshold());
            agent.evictRecord(victim, EvictReason.POLICY);
            agent.entryGate().onPressure();
            work++;
        }
        return work;
    }

    /**
     * One round now.
     *
     * @param nowNanos the engine clock.
     * @return work done.
     */
    int run(final long nowNanos)
    {
        final List<RegionRecord> records = agent.directory().currentAcquire().records();
        // The memory of records still draining is about to come back: not counted here either (the eviction-only
        // rounds above do the same), or each full round with a snapshot pinning an evicted region would evict one
        // more cold region than the memory needs.
        int work = evictForMemory(records, nowNanos, true, agent.reclaimer().bytesComingBack());
        work += runLoadPolicy();
        for (final RegionRecord r : records)
        {
            if (agent.compactions().needsCompaction(r))
            {
                // The decision is logged before the start: with a caller-runs GC executor the copy runs inside it.
                LOG.info("policy: compacting region {} at safe point {}", r.id(), r.safePointAcquire());
                work += agent.compactions().start(r) == null ? 1 : 0;
            }
        }
        return work;
    }

    private int runLoadPolicy()
    {
        final List<HotRegionTracker.Candidate> traffic = hotRegions.drain();
        if (config.backingStore() == null || config.autoLoadTopN() == 0 || traffic.isEmpty() || !agent.enabled())
        {
            return 0;
        }
        int work = 0;
        for (final HotRegionTracker.Candidate c : loadPolicy.choose(traffic))
        {
            if (budget.shouldStopLoading())
            {
                agent.entryGate().onPressure(); // hot data left out for memory
                // DEBUG, as the README says of hot regions left out for memory: it recurs every round.
                LOG.debug("load policy: stop-load threshold reached, {} hot region(s) left uncached",
                    traffic.size() - work);
                break;
            }
            final String refusal = agent.loads().refusal(c.region());
            if (refusal != null)
            {
                agent.entryGate().onPressure(); // every refusal is for memory (a back-off, or the size does not fit)
                counters.onPolicyLoad(false);
                LOG.debug("load policy: region {} not loaded: {}", c.region().id(), refusal);
                continue;
            }
            final CommandResult r = agent.onLoadRegion(new Command.LoadRegion(c.region(), false));
            counters.onPolicyLoad(r.code() == ResultCode.OK);
            LOG.info("load policy: region {} stepped {} entries for {} keys (amplification {}): {}",
                c.region().id(), c.stepped(), c.returned(), String.format("%.1f", c.amplification()), r);
            work++;
        }
        return work;
    }
}
