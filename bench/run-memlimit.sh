#!/bin/bash
# The read paths beside the memory limit (issue #10), on a quiet machine, from the repo root after
# `mvn -B -q -DskipTests package`; about 8 minutes (7.4-8.5 in runs 6 and 8-14), plus 8 for the huge-page pass
# (JAVA22=...), 2 for GLIBC_THP=1 (below), 3 for the pass with Agrona's bounds checks off (NO_BOUNDS=1) and 3 for the
# pass over 1,000 keys (CACHED=1). HUGE_ONLY=1 (with JAVA22=...) runs the huge-page pass alone (the other passes
# skipped), rendered into $OUT itself.
# Results, summary.md and charts in $OUT (jmh-results/memlimit).
set -e
# Paths below (the jar, a relative OUT) are from the repo root, wherever the script is started from.
cd "$(dirname "$0")/.."
OUT=${OUT:-jmh-results/memlimit}
mkdir -p $OUT
J="java -jar bench/target/benchmarks.jar"
COMMON="-f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc"
B='io\.regioncache\.bench\.'
uptime | tee $OUT/load.txt
if [ -n "$HUGE_ONLY" ] && [ -z "$JAVA22" ]; then
  echo "HUGE_ONLY=1 needs JAVA22 (a JDK 22+ java)" >&2; exit 2
fi
if [ -z "$HUGE_ONLY" ]; then
$J "${B}MemoryLatencyBenchmark" -p keys=1000000 -p pages=default $COMMON -rf json -rff $OUT/memory.json > $OUT/memory.log
$J "${B}ReadBenchmark\.get\$" -p keys=1000000 -p distribution=uniform -p store=regioncache,regioncache-slots,chronicle-map,chronicle-map-offheap,lmdb,rocksdb $COMMON -rf json -rff $OUT/get-uniform.json > $OUT/get-uniform.log
$J "${B}MultiGetBenchmark" -p keys=1000000 -p distribution=uniform -p store=regioncache-multiget,regioncache,chronicle-map-offheap $COMMON -rf json -rff $OUT/multiget.json > $OUT/multiget.log
$J "${B}ScanBenchmark" -p keys=1000000 -p distribution=uniform -p store=regioncache,lmdb,rocksdb $COMMON -rf json -rff $OUT/scan.json > $OUT/scan.log
$J "${B}SnapshotBenchmark" $COMMON -rf json -rff $OUT/snapshot.json > $OUT/snapshot.log
$J "${B}ReadBenchmark\.get\$" -p keys=1000000 -p distribution=zipf -p store=regioncache,regioncache-slots,chronicle-map-offheap $COMMON -rf json -rff $OUT/get-zipf.json > $OUT/get-zipf.log
fi
# Huge pages (issue #10 item 7), both backings back to back: the floors on default and on huge pages (the one-miss
# chase, the gets' own loads, the scan's walk), and each read path with and without RegionCacheConfig.hugePages(true)
# beside Chronicle Map and LMDB. The scans run with 2 MiB segments in both stores (-Dbench.segmentSize), so that the
# huge one's nodes are on huge pages too. Needs JAVA22 = a JDK 22+ java and the jar built on a JDK 22+
# (JAVA_HOME=... mvn -B -q -DskipTests package), so that it holds the multi-release class; the huge variants refuse to
# run otherwise, and -foe makes that refusal fail the script (JMH would exit 0 and the summary lack the huge rows).
# Rendered on its own into $OUT/huge.
if [ -n "$JAVA22" ]; then
  H="$JAVA22 -jar bench/target/benchmarks.jar -foe true"
  HK="-p keys=1000000 -p distribution=uniform"
  NATIVE="--enable-native-access=ALL-UNNAMED"
  $H "${B}(MemoryLatencyBenchmark\.(chase1|chaseEntry|entries16|touch16|walk100|stream100)|ReadBenchmark\.get)\$" $HK \
    -p pages=default,huge -p store=regioncache,regioncache-huge,chronicle-map,chronicle-map-offheap \
    -jvmArgsPrepend "$NATIVE" $COMMON -rf json -rff $OUT/huge.json > $OUT/huge.log
  $H "${B}MultiGetBenchmark" $HK -p store=regioncache-multiget,regioncache-multiget-huge,chronicle-map-offheap \
    -jvmArgsPrepend "$NATIVE" $COMMON -rf json -rff $OUT/huge-multiget.json > $OUT/huge-multiget.log
  $H "${B}ScanBenchmark\.scan100\$" $HK -p store=regioncache,regioncache-huge,lmdb \
    -jvmArgsPrepend "$NATIVE -Dbench.segmentSize=2097152" $COMMON -rf json -rff $OUT/huge-scan.json > $OUT/huge-scan.log
fi
# The same without code on any JDK: glibc's tunable makes malloc (so allocateDirect) advise its large chunks, for
# every allocator in the JVM, RegionCache's and the chase's alike. Set GLIBC_THP=1 to add this pass.
if [ -n "$GLIBC_THP" ] && [ -z "$HUGE_ONLY" ]; then
  GLIBC_TUNABLES=glibc.malloc.hugetlb=1 $J "${B}(MemoryLatencyBenchmark\.chase1|ReadBenchmark\.get)\$" \
    -p keys=1000000 -p distribution=uniform -p store=regioncache,chronicle-map-offheap $COMMON \
    -rf json -rff $OUT/glibc-thp.json > $OUT/glibc-thp.log
fi
# Agrona's bounds checks off (-Dagrona.disable.bounds.checks=true, Agrona's own advice for production once tested),
# every read path and its peers again in one JMH invocation (the chase reads through an UnsafeBuffer too, so the
# floor moves with it). Set NO_BOUNDS=1 to add this pass; rendered on its own into $OUT/no-bounds.
if [ -n "$NO_BOUNDS" ] && [ -z "$HUGE_ONLY" ]; then
  NB="-jvmArgsPrepend -Dagrona.disable.bounds.checks=true"
  $J "${B}MemoryLatencyBenchmark" -p keys=1000000 -p pages=default $NB $COMMON -rf json -rff $OUT/nb-memory.json > $OUT/nb-memory.log
  $J "${B}ReadBenchmark\.get\$" -p keys=1000000 -p distribution=uniform -p store=regioncache,chronicle-map,chronicle-map-offheap,lmdb $NB $COMMON -rf json -rff $OUT/nb-get.json > $OUT/nb-get.log
  $J "${B}MultiGetBenchmark" -p keys=1000000 -p distribution=uniform -p store=regioncache-multiget,chronicle-map-offheap $NB $COMMON -rf json -rff $OUT/nb-multiget.json > $OUT/nb-multiget.log
  $J "${B}ScanBenchmark" -p keys=1000000 -p distribution=uniform -p store=regioncache,lmdb $NB $COMMON -rf json -rff $OUT/nb-scan.json > $OUT/nb-scan.log
fi
# The same read paths over 1,000 keys, whose index and nodes stay in the L2 cache: what each costs with no memory miss,
# its CPU floor, beside the peers' own. A per-key time at 1M keys cannot be below this one. Set CACHED=1 to add this
# pass; rendered on its own into $OUT/cached.
if [ -n "$CACHED" ] && [ -z "$HUGE_ONLY" ]; then
  K="-p keys=1000 -p distribution=uniform"
  $J "${B}ReadBenchmark\.get\$" $K -p store=regioncache,chronicle-map,chronicle-map-offheap,lmdb $COMMON -rf json -rff $OUT/cached-get.json > $OUT/cached-get.log
  $J "${B}MultiGetBenchmark" $K -p store=regioncache-multiget,regioncache,chronicle-map-offheap $COMMON -rf json -rff $OUT/cached-multiget.json > $OUT/cached-multiget.log
  $J "${B}ScanBenchmark" $K -p store=regioncache,lmdb $COMMON -rf json -rff $OUT/cached-scan.json > $OUT/cached-scan.log
fi
uptime | tee -a $OUT/load.txt
R="java -cp bench/target/benchmarks.jar io.regioncache.bench.report.ResultsRenderer"
if [ -n "$HUGE_ONLY" ]; then
  $R $OUT/huge.json $OUT/huge-multiget.json $OUT/huge-scan.json --out $OUT
  exit 0
fi
$R $OUT/memory.json $OUT/get-uniform.json $OUT/multiget.json $OUT/scan.json $OUT/snapshot.json $OUT/get-zipf.json --out $OUT
[ -z "$JAVA22" ] || $R $OUT/huge.json $OUT/huge-multiget.json $OUT/huge-scan.json --out $OUT/huge
[ -z "$GLIBC_THP" ] || $R $OUT/glibc-thp.json --out $OUT/glibc-thp
[ -z "$NO_BOUNDS" ] || $R $OUT/nb-memory.json $OUT/nb-get.json $OUT/nb-multiget.json $OUT/nb-scan.json --out $OUT/no-bounds
[ -z "$CACHED" ] || $R $OUT/cached-get.json $OUT/cached-multiget.json $OUT/cached-scan.json --out $OUT/cached
