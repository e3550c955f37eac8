#!/usr/bin/env bash
# Fuzz one Jazzer target of engine/fuzz for a given time (coverage-guided, JAZZER_FUZZ=1).
#
#   engine/fuzz/run-fuzz.sh <TestClass#method> [duration]      e.g.
#   engine/fuzz/run-fuzz.sh RaftWireFuzzTest#entryDecode 10m
#
# Targets: RaftWireFuzzTest#entryDecode, RaftWireFuzzTest#replyAndRegionMetaDecode, EngineApiFuzzTest#engineApi,
# MvccKeyCodecFuzzTest#storedKeys, CountersFileFuzzTest#read. Duration: 90s, 5m, 1h or plain seconds (default 5m).
#
# Jazzer fuzzes one test per JVM. The duration goes to libFuzzer as -max_total_time through Jazzer's JUnit
# configuration parameters jazzer.internal.arg.N (read from system properties, which surefire forwards; arg 0 is
# libFuzzer's argv[0]); it overrides @FuzzTest(maxDuration = "5m"). Inputs Jazzer finds crashing are written to
# src/test/resources/io/regioncache/fuzz/<TestClass>Inputs/<method>/ (crash-*), where plain `mvn test` replays them;
# the corpus it grows goes to engine/fuzz/.cifuzz-corpus/ (not committed). One input running over 30 s is a finding
# (libFuzzer's -timeout; the targets carry no JUnit @Timeout, which would interrupt the whole fuzzing run). Every
# io.regioncache class is instrumented for coverage (jazzer.instrument; by default Jazzer instruments only the
# classes in directories on the class path, i.e. the fuzz tests themselves). Upstream modules must be installed in ~/.m2
# (`mvn -B install -DskipTests` once), since only this module is built. Extra arguments after the duration go to Maven.
set -euo pipefail

if [ $# -lt 1 ]; then
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
target=$1
duration=${2:-5m}
shift $(( $# >= 2 ? 2 : 1 ))

case "$duration" in
    *h) seconds=$(( ${duration%h} * 3600 )) ;;
    *m) seconds=$(( ${duration%m} * 60 )) ;;
    *s) seconds=${duration%s} ;;
    *) seconds=$duration ;;
esac
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "run-fuzz.sh: duration must be like 90s, 5m, 1h or a number of seconds, was '$duration'" >&2
    exit 2
fi
case "$target" in
    *#*) ;;
    *) echo "run-fuzz.sh: target must be TestClass#method, was '$target'" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/../.."
echo "run-fuzz.sh: fuzzing $target for ${seconds}s" >&2
JAZZER_FUZZ=1 exec mvn -B -pl engine/fuzz test \
    -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false \
    -Djazzer.internal.arg.0=fake_argv0 -Djazzer.internal.arg.1=-max_total_time="$seconds" \
    -Djazzer.internal.arg.2=-timeout=30 -Djazzer.instrument='io.regioncache.**' \
    "$@"
