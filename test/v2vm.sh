#!/usr/bin/env bash
# The cgroup v2 pass: this host has v1 controllers, production hosts are pure cgroup v2. The
# workplace's v2vm tool boots a throw-away VM with pure cgroup v2 (emulated, so slow) and
# runs the cgroup v2 backend's tests and the daemon's isolation and limit tests there.
set -uo pipefail
cd "$(dirname "$0")/.."
# The workplace keeps the tool beside the checkout (../shared) or at /work/shared.
V2VM=${V2VM_RUN:-}
if [ -z "$V2VM" ]; then
  for c in ../shared/tools/v2vm/run.sh /work/shared/tools/v2vm/run.sh; do
    if [ -x "$c" ]; then V2VM=$c; break; fi
  done
fi
if [ ! -x "$V2VM" ]; then
  echo "cgroup v2 pass NOT RUN: no v2vm tool found (set V2VM_RUN); the v2 backend was not tested" >&2
  exit 0
fi
# Emulation is 5-20x slower: the tests' own time limits scale with BOXIFY_TEST_SLOW.
exec "$V2VM" -t 1500 -m 4G -c 2 -- env BOXIFY_TEST_SLOW=10 BOXIFY_CPU_TESTS=1 \
  npx ava --concurrency 1 --timeout 10m \
  dist/test/integration/cgroups-v2.test.js \
  dist/test/integration/runtime-isolation.test.js \
  dist/test/integration/runtime-limits.test.js
