#!/usr/bin/env bash
# Smoke run of the JMH suite: every benchmark once, tiny data, very short iterations; then the RegionCache read
# paths again with one short warmup under -prof gc, asserting they allocate nothing (< 1 B/op; cold runs without
# warmup show a few B/op of interpreter/deoptimisation noise, so the check needs the warmup).
# Proves the harness works (stores load, readers verify their data, nothing throws, the renderer runs); the
# numbers mean nothing. Exit status non-zero on any failure.
#
#   bench/smoke.sh            # builds bench/target/benchmarks.jar first if it is missing
#   BUILD=1 bench/smoke.sh    # always rebuild
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=bench/target/benchmarks.jar
if [[ "${BUILD:-0}" == 1 || ! -f "$JAR" ]]; then
  mvn -q -DskipTests package
fi
# The forks' flags without the pre-touched 4 GiB heap (JvmFlags.smokeFlags: about 1 s a fork instead of 10).
FLAGS=$(java -cp "$JAR" io.regioncache.bench.JvmFlags)
OUT=$(mktemp -d "${TMPDIR:-/tmp}/rc-bench-smoke.XXXXXX")
start=$(date +%s)
echo "smoke: results in $OUT"
# keys=1000 everywhere (Read/Scan/Split/Mixed/Apply), zipf only (exercises the Zipf generator; uniform is trivial);
# scans seek present and absent keys (ScanState.seek).
java -jar "$JAR" 'io\.regioncache\.(bench|internal\.table)\..*' \
  -f 1 -wi 0 -i 1 -w 200ms -r 200ms \
  -p keys=1000 -p distribution=zipf -p seek=present,absent \
  -jvmArgsAppend "$FLAGS" -foe true \
  -rf json -rff "$OUT/smoke.json" > "$OUT/smoke.log" 2>&1 || {
    echo "smoke: JMH run FAILED; last lines of $OUT/smoke.log:"; tail -40 "$OUT/smoke.log"; exit 1; }
grep -E "^[A-Za-z]+Benchmark\.[A-Za-z0-9]+(:[a-z0-9]+)? " "$OUT/smoke.log" | grep -vE "p0\." || true
java -cp "$JAR" io.regioncache.bench.report.ResultsRenderer "$OUT/smoke.json" --out "$OUT/report"
echo "smoke: allocation check of the RegionCache read paths"
java -jar "$JAR" 'io\.regioncache\.bench\.(ReadBenchmark|MultiGetBenchmark|ScanBenchmark|SnapshotBenchmark)\.' \
  -f 1 -wi 1 -w 1s -i 1 -r 1s \
  -p keys=1000 -p distribution=zipf \
  -p store=regioncache,regioncache-view,regioncache-open-per-op,regioncache-multiget \
  -jvmArgsAppend "$FLAGS" -prof gc -foe true \
  -rf json -rff "$OUT/alloc.json" > "$OUT/alloc.log" 2>&1 || {
    echo "smoke: allocation run FAILED; last lines of $OUT/alloc.log:"; tail -40 "$OUT/alloc.log"; exit 1; }
grep -E "gc\.alloc\.rate\.norm" "$OUT/alloc.log" | grep -E "^[A-Za-z]+Benchmark" || true
# The hybrid reader's paths, cached and served by RocksDB (their own stores: they have no scans).
java -jar "$JAR" 'io\.regioncache\.bench\.HybridReaderBenchmark\.' \
  -f 1 -wi 1 -w 1s -i 1 -r 1s \
  -p keys=1000 -p distribution=zipf -p store=regioncache-hybrid,regioncache-hybrid-store \
  -jvmArgsAppend "$FLAGS" -prof gc -foe true \
  -rf json -rff "$OUT/alloc-hybrid.json" > "$OUT/alloc-hybrid.log" 2>&1 || {
    echo "smoke: hybrid allocation run FAILED; last lines of $OUT/alloc-hybrid.log:"; tail -40 "$OUT/alloc-hybrid.log"; exit 1; }
grep -E "gc\.alloc\.rate\.norm" "$OUT/alloc-hybrid.log" | grep -E "^[A-Za-z]+Benchmark" || true
java -cp "$JAR" io.regioncache.bench.report.ResultsRenderer "$OUT/alloc.json" "$OUT/alloc-hybrid.json" \
  --out "$OUT/alloc-report" --assert-zero-alloc
n=$(grep -c '"benchmark"' "$OUT/smoke.json")
expected=$(java -jar "$JAR" -lp 'io\.regioncache\.(bench|internal\.table)\..*' | grep -c 'Benchmark\.' || true)
echo "smoke: $n result(s) for $expected benchmark method(s), $(( $(date +%s) - start )) s; report in $OUT/report"
