/**
 * Argument checks of the synchronous read calls, shared by the cache's {@code Snapshot} and the hybrid reader so
 * that a bad argument throws the same exception whichever source would have served the read. Not exported.
 */
package io.regioncache.internal.args;
