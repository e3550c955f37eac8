/**
 * RegionCache: an off-heap, lock-free snapshot cache of the hot regions of a replicated key-value store.
 */
package io.regioncache;
