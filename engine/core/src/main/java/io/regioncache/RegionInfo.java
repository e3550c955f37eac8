package io.regioncache;


/**
 * A point-in-time description of one cached region, for ops tools and metrics.
 *
 * @param region         the region.
 * @param state          its state.
 * @param pins           snapshots pinning it.
 * @param safePoint      its safe point.
 * @param appliedVersion newest whole batch applied.
 * @param gets           gets served (approximate).
 * @param scanned        entries stepped over by scans (approximate).
 */
public record RegionInfo(
    Region region, RegionState state, int pins, long safePoint, long appliedVersion, long gets, long scanned)
{
}
