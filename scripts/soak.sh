#!/usr/bin/env bash
# The long fault run (issue 16): CYCLES cycles of random faults (SIGKILLed kiosks and server,
# a misbehaving network, full disks) from SEED against the real `sync-server` and headless
# kiosks, then the oracle. Prints faults by kind, submissions, and lost / duplicated / unknown /
# diverged counts; exits non-zero if any is not zero. Needs root (each disk is a small tmpfs).
#   scripts/soak.sh 1000        # seed 1, release build
#   scripts/soak.sh 1000 42     # another seed
#   PROFILE=dev scripts/soak.sh 1000   # the test suite's debug binaries (no release build)
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-1000}"
seed="${2:-1}"
profile="${PROFILE:-release}"
cargo build --profile "$profile" --locked -p sync-server -p tests \
  --bin sync-server --bin fault-kiosk --bin fault-soak
dir=release
[ "$profile" = dev ] && dir=debug
exec "target/$dir/fault-soak" "$cycles" "$seed"
