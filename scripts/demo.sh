#!/usr/bin/env bash
# The demo: builds the sync server and the kiosk, starts `sync-server demo` (the demo pack — an
# org tree, 32 articles, 5 forms, slides, a home layout, reading lists — and a generated
# 60,000-item catalogue, in target/demo-data), enrolls a kiosk to it, and opens the kiosk app in
# a window showing the synced content. The staff console URL and login are printed. Closing the
# kiosk window stops the server. Running it again reuses both data dirs.
#
#   DEMO_KIOSK_SIZE=1080x1920 bash scripts/demo.sh     # the portrait layout
#   DEMO_NO_KIOSK=1 bash scripts/demo.sh               # the server only (no display needed)
set -euo pipefail
cd "$(dirname "$0")/.."

data="${DEMO_DATA_DIR:-target/demo-data}"
listen="${DEMO_LISTEN:-127.0.0.1:8443}"
size="${DEMO_KIOSK_SIZE:-1600x900}"
kiosk_dir="$data/kiosk"
pin="246813"

cargo build --release --locked -p sync-server -p kiosk
mkdir -p "$data"
log="$data/demo-server.log"
./target/release/sync-server --data-dir "$data" demo --listen "$listen" > "$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT INT TERM

echo "starting the demo server (first run loads 60,000 books: about a minute)…"
string=""
for _ in $(seq 1 600); do
    if ! kill -0 "$server" 2>/dev/null; then
        echo "the demo server stopped; its output:" >&2
        cat "$log" >&2
        exit 1
    fi
    string=$(grep -m1 '^unionkiosk://' "$log" || true)
    if [ -n "$string" ] && grep -q 'listening' "$log"; then
        break
    fi
    sleep 0.5
done
if [ -z "$string" ]; then
    echo "the demo server did not come up in time; its output:" >&2
    cat "$log" >&2
    exit 1
fi
grep -v '^unionkiosk://' "$log" | grep -iv 'enrollment string' || true

kiosk=(./target/release/kiosk --data-dir "$kiosk_dir" --config "$data/kiosk.toml")
if [ ! -f "$data/kiosk.toml" ]; then
    {
        echo 'name = "演示终端 demo kiosk"'
        echo 'idle_home_seconds = 90'
        echo 'idle_attract_seconds = 60'
        ./target/release/kiosk hash-pin "$pin"
    } > "$data/kiosk.toml"
fi
if ! "${kiosk[@]}" doctor > /dev/null 2>&1; then
    rm -rf "$kiosk_dir"
    "${kiosk[@]}" enroll "$string"
fi
"${kiosk[@]}" sync --once

echo
echo "kiosk admin panel: tap the bottom-left corner five times, PIN $pin"
if [ -n "${DEMO_NO_KIOSK:-}" ] || { [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; }; then
    echo "no display (or DEMO_NO_KIOSK set): serving without the kiosk window; Ctrl-C stops."
    wait "$server"
else
    "${kiosk[@]}" run --windowed "$size"
fi
