#!/bin/bash
# The read paths beside the memory limit (issue #10), on a quiet machine, from the repo root after
# `mvn -B -q -DskipTests package`; about 5 minutes. Results, summary.md and charts in $OUT (jmh-results/memlimit).
set -e
OUT=${OUT:-jmh-results/memlimit}
mkdir -p $OUT
J="java -jar bench/target/benchmarks.jar"
COMMON="-f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc"
B='io\.regioncache\.bench\.'
uptime | tee $OUT/load.txt
$J "${B}MemoryLatencyBenchmark" -p keys=1000000 $COMMON -rf json -rff $OUT/memory.json > $OUT/memory.log
$J "${B}ReadBenchmark\.get\$" -p keys=1000000 -p distribution=uniform -p store=regioncache,regioncache-slots,chronicle-map,chronicle-map-offheap,lmdb,rocksdb $COMMON -rf json -rff $OUT/get-uniform.json > $OUT/get-uniform.log
$J "${B}MultiGetBenchmark" -p keys=1000000 -p distribution=uniform -p store=regioncache-multiget,regioncache,chronicle-map-offheap $COMMON -rf json -rff $OUT/multiget.json > $OUT/multiget.log
$J "${B}ScanBenchmark" -p keys=1000000 -p distribution=uniform -p store=regioncache,lmdb,rocksdb $COMMON -rf json -rff $OUT/scan.json > $OUT/scan.log
$J "${B}SnapshotBenchmark" $COMMON -rf json -rff $OUT/snapshot.json > $OUT/snapshot.log
$J "${B}ReadBenchmark\.get\$" -p keys=1000000 -p distribution=zipf -p store=regioncache,regioncache-slots,chronicle-map-offheap $COMMON -rf json -rff $OUT/get-zipf.json > $OUT/get-zipf.log
uptime | tee -a $OUT/load.txt
java -cp bench/target/benchmarks.jar io.regioncache.bench.report.ResultsRenderer $OUT/memory.json $OUT/get-uniform.json $OUT/multiget.json $OUT/scan.json $OUT/snapshot.json $OUT/get-zipf.json --out $OUT
