/**
 * Off-heap memory management: fixed-size direct-memory segments handed out by a capped, thread-safe
 * {@link io.regioncache.internal.memory.SegmentPool}.
 * <p>
 * All memory comes from {@link java.nio.ByteBuffer#allocateDirect(int)} and is therefore freed only by the
 * garbage collector once nothing references it. A reader holding a stale view over a released segment can
 * read garbage (or zeroes) but can never crash the JVM.
 */
package io.regioncache.internal.memory;
