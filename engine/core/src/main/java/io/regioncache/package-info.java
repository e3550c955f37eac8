/**
 * RegionCache: an off-heap, lock-free snapshot cache of the hot regions of a replicated key-value store.
 * <p>
 * <b>The public API</b> is the public types of this package: {@link io.regioncache.RegionCache} (the facade) and
 * its {@link io.regioncache.RegionCacheConfig}; {@link io.regioncache.ApplyStream}, the host's apply stream
 * declared once, with {@link io.regioncache.WriteBatch}, {@link io.regioncache.Region},
 * {@link io.regioncache.CommandResult} and {@link io.regioncache.ResultCode}; reads through
 * {@link io.regioncache.Snapshot} and {@link io.regioncache.SnapshotIterator}; the store SPI
 * ({@link io.regioncache.BackingStore}, {@link io.regioncache.WritableStore}, {@link io.regioncache.StoreCursor});
 * observability ({@link io.regioncache.MetricsSnapshot}, {@link io.regioncache.RegionInfo},
 * {@link io.regioncache.CountersFile}).
 * <p>
 * <b>Internals</b> are package-private here: the single writer ({@code ApplyAgent}, fed {@code Command}s through a
 * bounded queue), region records and their packed state words ({@code RegionRecord}, {@code StateWord},
 * {@code Transitions}), routing ({@code RegionDirectory}, {@code RegionIndex}), policies and counters. Off-heap
 * tables and memory live in {@code io.regioncache.internal.*}, which the module does not export.
 */
package io.regioncache;
