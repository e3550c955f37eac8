#!/usr/bin/env bash
# Soak: drive under memory pressure (--budget 64MB) for a while, with the process's resident memory (VmRSS) and the
# JVM's live heap sampled every 5 s. Passes when drive passes (cross-check, no wrong value, 0 B after close) and the
# peak RSS stays below MAX_RSS_MB, and when the live heap in the last third of the run is no higher than in the
# first third plus HEAP_SLACK_MB (no heap growth). The live heap is the heap in use right after a full collection
# (`jcmd PID GC.run`, then `GC.heap_info`): the heap in use at an arbitrary moment is G1's sawtooth, which in a 60 s
# run could differ by 250 MB between thirds without any growth (two CI runs: +184 and +252 MB).
#
#   bench/soak.sh              # 10 minutes (the README's figures)
#   bench/soak.sh 60s          # the shortened soak .ci/run runs
#   XMX=1g MAX_RSS_MB=1536 bench/soak.sh 10m
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10m}
XMX=${XMX:-1g}
MAX_RSS_MB=${MAX_RSS_MB:-1536}
HEAP_SLACK_MB=${HEAP_SLACK_MB:-256}
JAR=bench/target/regioncache.jar
[ -f "$JAR" ] || mvn -B -q -DskipTests package
OUT=$(mktemp -d "${TMPDIR:-/tmp}/rc-soak.XXXXXX")
java -Xmx"$XMX" -jar "$JAR" drive --duration "$DURATION" --budget 64MB --progress plain --json "$OUT/report.json" \
  > "$OUT/report.txt" 2> "$OUT/progress.txt" &
pid=$!
start=$(date +%s)
echo "t_s rss_mb heap_used_mb" > "$OUT/samples.txt"
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS/{printf "%d", $2/1024}' "/proc/$pid/status" 2>/dev/null || true)
  jcmd "$pid" GC.run > /dev/null 2>&1 || true
  heap=$(jcmd "$pid" GC.heap_info 2>/dev/null | awk '/used/ {for(i=1;i<=NF;i++) if($i=="used"){v=$(i+1); gsub(/K,?/,"",v); printf "%d", v/1024; exit}}' || true)
  [ -n "$rss" ] && echo "$(( $(date +%s) - start )) $rss ${heap:-NA}" >> "$OUT/samples.txt"
  sleep 5
done
set +e; wait "$pid"; code=$?; set -e
cat "$OUT/report.txt"
awk -v max="$MAX_RSS_MB" -v slack="$HEAP_SLACK_MB" -v code="$code" '
  BEGIN { n = 0 }  # numeric from the start: an unset n would key the first sample "" and leave h[0] empty (read as 0 MB)
  NR > 1 { t[n] = $1; r[n] = $2; h[n] = $3; n++ }
  END {
    peak = 0; for (i = 0; i < n; i++) if (r[i] > peak) peak = r[i];
    a = 0; an = 0; b = 0; bn = 0;
    for (i = 0; i < n; i++) {
      if (i < n / 3 && h[i] != "NA") { a += h[i]; an++ } else if (i >= 2 * n / 3 && h[i] != "NA") { b += h[i]; bn++ } }
    printf "soak: %d samples, peak RSS %d MB (limit %d MB)", n, peak, max;
    if (an > 0 && bn > 0) printf ", live heap first third %.0f MB, last third %.0f MB", a / an, b / bn;
    printf ", drive exit %d\n", code;
    bad = code != 0 || peak >= max || (an > 0 && bn > 0 && b / bn > a / an + slack);
    exit bad ? 1 : 0 }' "$OUT/samples.txt" || { echo "soak: FAILED (samples in $OUT/samples.txt)"; exit 1; }
echo "soak: samples in $OUT/samples.txt"
