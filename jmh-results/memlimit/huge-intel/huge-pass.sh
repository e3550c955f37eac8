#!/bin/bash
# The huge-page pass of bench/run-memlimit.sh (JAVA22=...), its three commands as the script has them.
set -e
cd "$(dirname "$0")/../../.."
OUT=$1
mkdir -p $OUT
JAVA22=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
COMMON="-f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc"
B='io\.regioncache\.bench\.'
uptime | tee $OUT/load.txt
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
uptime | tee -a $OUT/load.txt
java -cp bench/target/benchmarks.jar io.regioncache.bench.report.ResultsRenderer $OUT/huge.json $OUT/huge-multiget.json $OUT/huge-scan.json --out $OUT
