/**
 * JMH suites, peers and tools that measure RegionCache.
 */
package io.regioncache.bench;
