/**
 * Micrometer binding: {@link io.regioncache.micrometer.RegionCacheMeterBinder} publishes
 * {@link io.regioncache.RegionCache#metrics()} as gauges with stable names.
 */
package io.regioncache.micrometer;
