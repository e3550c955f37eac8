#!/usr/bin/env bash
# jcstress in full mode: every probed JVM mode, split compilation on (on demand; `mvn -B verify` runs the quick mode).
# Run from anywhere; extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -pl engine/jcstress -am verify -DskipTests -Djcstress.args="-m default" "$@"
