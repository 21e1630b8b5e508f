#!/usr/bin/env bash
# The demo: builds the sync server and runs `sync-server demo`, which loads the demo pack
# (an org tree, 32 articles, 5 forms, slides, home layout, reading lists) and a generated
# 60,000-item catalogue into a data dir, prints the staff login and a kiosk enrollment string,
# and serves until Ctrl-C. Running it again reuses the data dir and changes nothing.
# The kiosk app that shows this content arrives with the kiosk issues.
set -euo pipefail
cd "$(dirname "$0")/.."

data="${DEMO_DATA_DIR:-target/demo-data}"
listen="${DEMO_LISTEN:-127.0.0.1:8443}"

cargo build --release --locked -p sync-server
exec ./target/release/sync-server --data-dir "$data" demo --listen "$listen"
