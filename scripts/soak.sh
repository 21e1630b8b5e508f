#!/usr/bin/env bash
# The long fault run (issue 16): CYCLES cycles of random faults (SIGKILLed kiosks and server,
# a misbehaving network, full disks) from SEED against the release `sync-server` and headless
# kiosks, then the oracle. Prints faults by kind, submissions, and lost / duplicated / unknown /
# diverged counts; exits non-zero if any is not zero. Needs root (each kiosk's disk is a tmpfs).
#   scripts/soak.sh 1000        # seed 1
#   scripts/soak.sh 1000 42     # another seed
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-1000}"
seed="${2:-1}"
cargo build --release --locked -p sync-server -p tests --bin sync-server --bin fault-kiosk --bin fault-soak
exec target/release/fault-soak "$cycles" "$seed"
