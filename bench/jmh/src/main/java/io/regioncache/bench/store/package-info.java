/**
 * The stores under test (RegionCache and its peers), each loaded with the same data and read at its best.
 */
package io.regioncache.bench.store;
