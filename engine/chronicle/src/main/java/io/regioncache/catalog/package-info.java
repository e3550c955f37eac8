/**
 * The region catalog: the cached regions and their states in a Chronicle Map file that other processes read
 * ({@link io.regioncache.catalog.ChronicleRegionCatalog}), kept current off the read path by a
 * {@link io.regioncache.catalog.CatalogPublisher}. Needs Chronicle's JVM flags (see the README).
 */
package io.regioncache.catalog;
