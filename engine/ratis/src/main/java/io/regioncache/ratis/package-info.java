/**
 * Replicated regions on Apache Ratis: one Raft group per region, one {@code RaftServer} per node applying every
 * region replica it hosts into that node's single hybrid engine.
 */
package io.regioncache.ratis;
