#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: formatting, lints, every test.
# Needs the Rust toolchain; the staff console's browser tests also need Debian's chromium and
# chromium-driver, which this script installs when they are missing (as root, non-interactive),
# and the packaging test cargo-deb 3.8.0, which it installs with cargo when missing, and the
# PostgreSQL tests Debian's postgresql (scripts/pg.sh installs it when missing).
# Tests start their own servers on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium > /dev/null || ! command -v chromedriver > /dev/null; then
    echo "installing chromium and chromium-driver for the console's browser tests…"
    sudo_cmd=""
    if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium chromium-driver > /dev/null
fi

# The display tests run the real kiosk under Xvfb (bare, and with openbox as a desktop's window
# manager) and under cage (headless Wayland; cage wants Xwayland present) and take cage's
# screenshots with grim.
if ! command -v Xvfb > /dev/null || ! command -v cage > /dev/null || ! command -v grim > /dev/null \
    || ! command -v Xwayland > /dev/null || ! command -v openbox > /dev/null; then
    echo "installing xvfb, openbox, cage, grim and xwayland for the display tests…"
    sudo_cmd=""
    if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq xvfb openbox cage grim xwayland > /dev/null
fi

# The packaging test builds the .debs with cargo-deb (pinned: its output is what the test checks).
if [ "$(cargo-deb --version 2> /dev/null)" != "cargo-deb 3.8.0" ]; then
    echo "installing cargo-deb 3.8.0 for the packaging test…"
    cargo install cargo-deb --locked --version 3.8.0
fi

# The shared-storage test's S3 bucket is a throwaway moto server (Python; pip's moto[server]).
if ! python3 -c 'import moto.server' 2> /dev/null; then
    echo "installing moto[server] for the S3 media test…"
    python3 -m pip install -q 'moto[server]==5.2.1'
fi

# The PostgreSQL tests (issue 20) run on a throwaway cluster: scripts/pg.sh installs Debian's
# postgresql when missing, starts the cluster in a temp dir of this run's own (as the user
# `unionpg` when this is root) and prints its URL; it is stopped and removed when this script
# exits. A developer's cluster for this checkout (`bash scripts/pg.sh start`) is left alone.
UNION_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/union-test-pg-run.XXXXXX")
export UNION_PG_DIR
trap 'bash scripts/pg.sh stop; rm -f "$UNION_PG_DIR.lock"' EXIT
UNION_TEST_PG=$(bash scripts/pg.sh start)
export UNION_TEST_PG

cargo fmt --all -- --check

# A CI run builds once from clean, so it compiles every crate once: incremental compilation's
# bookkeeping would only cost time, and instead of `cargo clippy` (which checks every dependency
# a second time, in check mode, about a fifth of the run) the test build itself goes through
# clippy's driver, exactly as `cargo clippy` does it (RUSTC_WORKSPACE_WRAPPER for our crates,
# CLIPPY_ARGS for its flags): the same lints on every target, denied, and the same binaries.
# Elsewhere the two stay apart, so a developer's own builds in target/ are not rebuilt.
clippy_driver="$(rustc --print sysroot)/bin/clippy-driver"
if [ "${CI:-}" = true ] && [ -x "$clippy_driver" ]; then
    export CARGO_INCREMENTAL=0 RUSTC_WORKSPACE_WRAPPER="$clippy_driver" CLIPPY_ARGS=-Dwarnings
    cargo test --workspace --all-targets --locked --no-run
else
    if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi
    cargo clippy --workspace --all-targets --locked -- -D warnings
fi
# Four tests at a time on two cores: the end-to-end tests spend much of their time waiting (for
# a server, a browser, a timer), so with one test per core the machine sat half idle; with four
# the end-to-end binary took 195 s instead of 295 s (BENCHMARKS.md, "Test suite").
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-4}"
cargo test --workspace --locked
# The end-to-end suite a second time with every test server on PostgreSQL (issue 20): the same
# test binary, nothing rebuilt (`--workspace`, as above, so the features and flags are the same);
# the few tests that are about SQLite itself run on SQLite in both passes and say so. Left out
# of this pass: the tests that choose their database themselves whatever the switch says (the
# PostgreSQL and multi-instance ones, the fault harness's SQLite binary, the packages), which
# the first pass has run exactly as this one would.
UNION_TEST_BACKEND=postgres cargo test --workspace --locked --test e2e -- \
    --skip pg_cluster:: --skip pg_migrate:: --skip pg_server:: --skip pg_tls:: \
    --skip pg_writers:: --skip shared_storage:: --skip fault:: --skip packaging:: \
    --skip scale_out::a_cut_listener --skip scale_out::a_kiosk_behind_a_balancer \
    --skip scale_out::a_publish_on_one_instance --skip scale_out::one_instance_leads \
    --skip scale_out::sign_in_failures_on_one_instance
