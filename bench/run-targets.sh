#!/bin/bash
# Issue #10's ratio targets in rounds, each fork in a JMH invocation of its own, the order reversed every other round,
# so that a target's verdict rests on several forks spread over the host's phases instead of one run's. On a quiet
# machine, from the repo root after `mvn -B -q -DskipTests package`; about 4.5 minutes a round.
#
#   ROUNDS=5 OUT=jmh-results/targets bench/run-targets.sh
#
# A round measures, one fork each (-f 1 -wi 3 -w 1s -i 5 -r 1s; the load -wi 3 -i 5 single shots):
#   the one-miss chase and the gets' own loads (MemoryLatencyBenchmark.chase1, chaseEntry, entries16: the floors),
#   the point get of regioncache, chronicle-map and chronicle-map-offheap (ReadBenchmark.get), multiGet16 of
#   regioncache-multiget, scan100 of regioncache, lmdb and rocksdb seeking present keys and of regioncache and lmdb
#   seeking absent ones (-p seek=absent), and the load of 1M keys beside the bare RocksDB scan (LoadBenchmark.load,
#   rocksdbScan, through arrays, RocksJava's cheapest read; rocksdbScanDirect, through direct buffers, the reference
#   until run 21, is measured beside it);
# all at 1M keys, uniform. Odd rounds run that list in this order, even rounds in the reverse order, so no store always
# runs first or last. Each round's ratios come from that round's forks only (minutes apart); TargetRounds renders
# every round's ratios, their median and how many rounds met each goal into $OUT/targets.md.
set -e
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
OUT=${OUT:-jmh-results/targets}
mkdir -p "$OUT"
J="java -jar bench/target/benchmarks.jar -foe true"
COMMON="-f 1 -wi 3 -w 1s -i 5 -r 1s"
K="-p keys=1000000 -p distribution=uniform"
B='io\.regioncache\.bench\.'
# name;benchmark regex;parameters (one fork each)
STEPS=(
  "memory;${B}MemoryLatencyBenchmark\.(chase1|chaseEntry|entries16)\$;-p keys=1000000 -p pages=default $COMMON"
  "get-regioncache;${B}ReadBenchmark\.get\$;$K -p store=regioncache $COMMON"
  "get-chronicle-map;${B}ReadBenchmark\.get\$;$K -p store=chronicle-map $COMMON"
  "get-chronicle-map-offheap;${B}ReadBenchmark\.get\$;$K -p store=chronicle-map-offheap $COMMON"
  "multiget-regioncache;${B}MultiGetBenchmark\.multiGet16\$;$K -p store=regioncache-multiget $COMMON"
  "scan-regioncache;${B}ScanBenchmark\.scan100\$;$K -p store=regioncache $COMMON"
  "scan-lmdb;${B}ScanBenchmark\.scan100\$;$K -p store=lmdb $COMMON"
  "scan-rocksdb;${B}ScanBenchmark\.scan100\$;$K -p store=rocksdb $COMMON"
  "scan-absent-regioncache;${B}ScanBenchmark\.scan100\$;$K -p store=regioncache -p seek=absent $COMMON"
  "scan-absent-lmdb;${B}ScanBenchmark\.scan100\$;$K -p store=lmdb -p seek=absent $COMMON"
  "load;${B}LoadBenchmark\.load\$;-p keys=1000000 -p index=entries -f 1 -wi 3 -i 5"
  "rocksdb-scan;${B}LoadBenchmark\.rocksdbScan(Direct)?\$;-p keys=1000000 -p index=entries -f 1 -wi 3 -i 5"
)
uptime | tee "$OUT/load.txt"
for round in $(seq 1 "$ROUNDS"); do
  D="$OUT/round$round"
  mkdir -p "$D"
  order=()
  if [ $((round % 2)) -eq 1 ]; then
    order=("${STEPS[@]}")
  else
    for ((i = ${#STEPS[@]} - 1; i >= 0; i--)); do order+=("${STEPS[$i]}"); done
  fi
  for step in "${order[@]}"; do
    IFS=';' read -r name bench params <<< "$step"
    echo "round $round: $name ($(date -u +%H:%M:%S))"
    # shellcheck disable=SC2086 # the parameters are words
    $J "$bench" $params -rf json -rff "$D/$name.json" > "$D/$name.log"
  done
  uptime | tee -a "$OUT/load.txt"
done
java -cp bench/target/benchmarks.jar io.regioncache.bench.report.TargetRounds "$OUT" --out "$OUT/targets.md"
