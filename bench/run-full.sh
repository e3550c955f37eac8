#!/usr/bin/env bash
# The measured run of the JMH suite. Writes one JSON file per benchmark class into jmh-results/ and renders
# jmh-results/summary.md and the SVG charts. Run it on a quiet machine (nothing else running): the read
# benchmarks are single-threaded, but the apply thread, the mixed group and the 2-thread snapshot benchmark need
# the other cores.
#
#   bench/run-full.sh                 # everything (about 47 minutes on 2 cores, see below)
#   ONLY='read scan' bench/run-full.sh  # a subset: read scan latency snapshot apply split mixed load mvcc
#   FORKS=1 bench/run-full.sh         # faster, less reliable error bars
#   ONLY=thp bench/run-full.sh        # the 1M-key gets again with transparent huge pages (not in the default set)
#   ONLY=hybrid bench/run-full.sh     # the hybrid engine's reads, cached and not, beside RocksDB and LMDB (not in the default set)
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=bench/target/benchmarks.jar
mvn -q -DskipTests package
OUTDIR=jmh-results
mkdir -p "$OUTDIR"
FORKS=${FORKS:-2}
ONLY=${ONLY:-"read scan latency snapshot apply split mixed load mvcc"}
COMMON=(-wi 5 -w 1s -i 5 -r 1s)

cat <<INFO
RegionCache benchmark suite -> $OUTDIR/   (forks=$FORKS; sets: $ONLY)
Expected duration on a 2-core machine, all sets: about 47 minutes
  read     ReadBenchmark     8 stores x 2 key counts x 2 distributions, -prof gc   ~15 min at 2 forks
           MultiGetBenchmark 16 keys/op: multiGet vs single gets vs Chronicle Map x2  ~7 min
           MemoryLatencyBenchmark  1, 2 dependent misses, 16 independent, walk+stream, the gets' own loads ~3 min
  scan     ScanBenchmark     5 stores x 2 x 2, -prof gc                             ~9 min
  latency  ReadLatencyBenchmark (SampleTime) 8 stores x 2 distributions, 10^6 keys  ~6 min (1 fork)
  snapshot SnapshotBenchmark 1 and 2 threads, -prof gc                              ~1 min
  apply    ApplyBenchmark    batch 1 and 64, idle backoff and spin                  ~2 min
  split    SplitBenchmark    (SampleTime) 10^3 and 10^6 keys x invoker/dedicated    ~2 min
  mixed    MixedBenchmark    (SampleTime) readers + paced writer                    ~1 min
  load     LoadBenchmark     load 10^6 keys from RocksDB vs a bare RocksDB scan      ~3 min
  mvcc     MvccScanBenchmark scan100 over 1 / 64 versions per key, before/after GC   ~2 min
(1M-key setups of RocksDB/LMDB/Chronicle take 5-20 s per fork and are not measured.)
INFO

run() { # name, then JMH arguments
  local name=$1; shift
  echo "=== $name: $(date +%T)"
  java -jar "$JAR" "$@" -foe true -rf json -rff "$OUTDIR/$name.json" | tee "$OUTDIR/$name.log" | \
    grep -E '^(# Benchmark:|# Parameters:|Result|[A-Za-z]+Benchmark\.)' || true
}

files=()
for set in $ONLY; do
  case $set in
    # The gets, the batched gets and the physical limit beside them (one dependent miss, two, 16 overlapped)
    # in one JMH run, so the summary can express every get as a multiple of one miss.
    read)     run read 'io\.regioncache\.bench\.(ReadBenchmark|MultiGetBenchmark|MemoryLatencyBenchmark)\.' \
                -f "$FORKS" "${COMMON[@]}" -prof gc ;;
    scan)     run scan 'io\.regioncache\.bench\.ScanBenchmark\.' -f "$FORKS" "${COMMON[@]}" -prof gc ;;
    latency)  run latency 'io\.regioncache\.bench\.ReadLatencyBenchmark\.' -f 1 -wi 5 -w 1s -i 5 -r 2s \
                -p keys=1000000 ;;
    snapshot) run snapshot 'io\.regioncache\.bench\.SnapshotBenchmark\.' -f "$FORKS" "${COMMON[@]}" -prof gc ;;
    apply)    run apply 'io\.regioncache\.bench\.ApplyBenchmark\.' -f "$FORKS" "${COMMON[@]}" -p idle=backoff,spin ;;
    split)    run split 'io\.regioncache\.bench\.SplitBenchmark\.' -f "$FORKS" -wi 3 -w 1s -i 5 -r 1s ;;
    mixed)    run mixed 'io\.regioncache\.bench\.MixedBenchmark\.' -f 1 -wi 3 -w 2s -i 5 -r 2s ;;
    load)     run load 'io\.regioncache\.bench\.LoadBenchmark\.' -f "$FORKS" -wi 3 -i 8 ;;
    thp)      # The same gets with transparent huge pages for malloc'ed memory (glibc >= 2.35) and 4 MiB segments,
              # every store under the same environment; rendered on its own into jmh-results/thp/.
              (export GLIBC_TUNABLES=glibc.malloc.hugetlb=1
               run read-thp 'io\.regioncache\.bench\.ReadBenchmark\.get' \
                -f "$FORKS" "${COMMON[@]}" -p keys=1000000 -p store=regioncache,chronicle-map,lmdb,rocksdb,skiplist \
                -jvmArgsPrepend "-Dbench.segmentSize=4194304")
              java -cp "$JAR" io.regioncache.bench.report.ResultsRenderer "$OUTDIR/read-thp.json" --out "$OUTDIR/thp"
              continue ;;
    hybrid)   # The hybrid engine's reads (HybridReaderBenchmark: the region cached, not cached so RocksDB serves through
              # the MVCC encoding, and the rocksdb peer's db.get) beside the cache's own snapshot paths, 1M keys;
              # rendered on its own into jmh-results/hybrid/ (not in the default set, as thp).
              mkdir -p "$OUTDIR/hybrid"
              run hybrid/hybrid 'io\.regioncache\.bench\.HybridReaderBenchmark\.' -f "$FORKS" "${COMMON[@]}" \
                -p keys=1000000 -prof gc -p store=regioncache,regioncache-open-per-op,regioncache-multiget,regioncache-hybrid,regioncache-hybrid-store,rocksdb
              java -cp "$JAR" io.regioncache.bench.report.ResultsRenderer "$OUTDIR/hybrid/hybrid.json" \
                --out "$OUTDIR/hybrid" --assert-zero-alloc
              # The same on LMDB (not cached: LMDB serves through the MVCC encoding) beside the lmdb peer; rendered
              # into jmh-results/hybrid/lmdb/ without the allocation check: lmdbjava's byte-array proxy, which the
              # store reads through, allocates the key and value it returns (and a native key) on every read.
              mkdir -p "$OUTDIR/hybrid/lmdb"
              run hybrid/lmdb/hybrid-lmdb 'io\.regioncache\.bench\.HybridReaderBenchmark\.' -f "$FORKS" "${COMMON[@]}" \
                -p keys=1000000 -prof gc -p store=regioncache-hybrid-lmdb-store,lmdb
              java -cp "$JAR" io.regioncache.bench.report.ResultsRenderer "$OUTDIR/hybrid/lmdb/hybrid-lmdb.json" \
                --out "$OUTDIR/hybrid/lmdb"
              continue ;;
    mvcc)     run mvcc 'io\.regioncache\.bench\.MvccScanBenchmark\.' -f "$FORKS" "${COMMON[@]}" -prof gc ;;
    *) echo "unknown set $set"; exit 2 ;;
  esac
  files+=("$OUTDIR/$set.json")
done
alloc=()
for s in $ONLY; do [[ $s == read || $s == scan || $s == snapshot ]] && alloc=(--assert-zero-alloc); done
# Render every set on file, not only this run's: a subset (ONLY=...) updates its own sets in summary.md and keeps the
# others' rows, instead of leaving a summary of the subset alone.
rendered=()
for s in read scan latency snapshot apply split mixed load mvcc; do
  [ -f "$OUTDIR/$s.json" ] && rendered+=("$OUTDIR/$s.json")
done
if (( ${#files[@]} > 0 )); then
  java -cp "$JAR" io.regioncache.bench.report.ResultsRenderer "${rendered[@]}" --out "$OUTDIR" "${alloc[@]}"
fi
echo "done: $OUTDIR/summary.md"
