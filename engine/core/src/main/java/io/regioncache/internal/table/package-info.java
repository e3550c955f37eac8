/**
 * The off-heap MVCC table: a single-writer, lock-free-reader skiplist ordered by (key ascending, unsigned
 * lexicographic; version descending), with an off-heap hash index for point gets.
 * <p>
 * Entry points: {@link io.regioncache.internal.table.MvccTable}, {@link io.regioncache.internal.table.TableCursor} (MVCC
 * iteration at a read version) and {@link io.regioncache.internal.table.RawCursor} (every node, for copying regions).
 */
package io.regioncache.internal.table;
