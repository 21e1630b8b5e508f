#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: formatting, lints, every test.
# Needs only the Rust toolchain (tests start their own servers on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
