#!/usr/bin/env bash
# Screenshots of the kiosk as people see it: the real app (release build, software renderer)
# under Xvfb, against the demo server, tapped through with xdotool, in landscape (1920×1080) and
# portrait (1080×1920). Writes PNGs to target/screenshots/ (or $1). Installs xvfb, xdotool and
# imagemagick if missing. Uses its own data dirs, so it does not disturb `scripts/demo.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-target/screenshots}"
data="target/screenshot-data"
listen="127.0.0.1:18443"
mkdir -p "$out" "$data"

if ! command -v Xvfb > /dev/null || ! command -v xdotool > /dev/null || ! command -v import > /dev/null; then
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y xvfb xdotool imagemagick
fi
cargo build --release --locked -p sync-server -p kiosk

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done; }
trap cleanup EXIT

start_server() {
    ./target/release/sync-server --data-dir "$data/server" demo --listen "$listen" > "$data/server.log" 2>&1 &
    server=$!
    pids+=("$server")
    for _ in $(seq 1 600); do
        grep -q 'listening' "$data/server.log" && return 0
        kill -0 "$server" 2> /dev/null || { cat "$data/server.log"; exit 1; }
        sleep 0.5
    done
    echo "the demo server did not start" >&2
    exit 1
}
start_server

kiosk_dir="$data/kiosk"
config() { # idle_home idle_attract
    {
        echo "idle_home_seconds = $1"
        echo "idle_attract_seconds = $2"
        ./target/release/kiosk hash-pin 246813
    } > "$data/kiosk-$1.toml"
}
config 3600 3600
config 5 3
if ! ./target/release/kiosk --data-dir "$kiosk_dir" doctor > /dev/null 2>&1; then
    rm -rf "$kiosk_dir"
    ./target/release/kiosk --data-dir "$kiosk_dir" enroll "$(grep -m1 '^unionkiosk://' "$data/server.log")"
fi
./target/release/kiosk --data-dir "$kiosk_dir" sync --once

display=90
run_kiosk() { # W H idle
    ICED_BACKEND=tiny-skia ./target/release/kiosk --data-dir "$kiosk_dir" \
        --config "$data/kiosk-$3.toml" run --windowed "$1x$2" > "$data/kiosk.log" 2>&1 &
    kiosk=$!
    pids+=("$kiosk")
    sleep 3
    xdotool mousemove 5 5
    sleep 0.3
}
stop_kiosk() { kill "$kiosk" 2> /dev/null || true; wait "$kiosk" 2> /dev/null || true; }
tap() { xdotool mousemove "$1" "$2" click 1; sleep "${3:-1.2}"; }
# A drag ends in a flick that glides on; a tap while it glides only stops it, so wait it out.
drag() { xdotool mousemove "$1" "$2" mousedown 1 mousemove "$1" $(($2 - 100)) mousemove "$1" "$3" mouseup 1; sleep 3; }
shot() { import -window root "$out/$orientation-$1.png"; echo "$out/$orientation-$1.png"; }

for orientation in landscape portrait; do
    if [ "$orientation" = landscape ]; then
        W=1920 H=1080
        news_tile=(262 370) library_tile=(1193 376) first_article=(900 300) first_book=(512 350)
        search=(1800 145) keys=(1081 778 1447 778 1231 873) lang=(1826 45) larger=(1690 45)
    else
        W=1080 H=1920
        news_tile=(198 409) library_tile=(881 409) first_article=(540 420) first_book=(431 347)
        search=(960 145) keys=(645 1581 964 1581 775 1675) lang=(986 45) larger=(851 45)
    fi
    display=$((display + 1))
    Xvfb ":$display" -screen 0 "${W}x${H}x24" > /dev/null 2>&1 &
    pids+=("$!")
    export DISPLAY=":$display"
    sleep 1

    run_kiosk "$W" "$H" 3600
    shot home
    tap "${news_tile[@]}"; shot news
    tap "${first_article[@]}"; shot article
    drag $((W / 3)) $((H - 300)) 300; shot article-scrolled
    tap 205 45
    tap "${library_tile[@]}"; shot library
    tap "${first_book[@]}"; shot book
    tap 80 45
    drag $((W / 2)) $((H - 300)) 300; shot library-scrolled
    tap "${search[@]}"; shot search
    tap "${keys[0]}" "${keys[1]}" 0.4; tap "${keys[2]}" "${keys[3]}" 0.4; tap "${keys[4]}" "${keys[5]}"
    shot search-results
    tap 205 45
    for _ in 1 2 3 4 5; do xdotool mousemove 40 $((H - 20)) click 1; sleep 0.15; done
    sleep 1; shot admin-pin
    tap 205 45
    tap "${lang[@]}"; shot home-english
    tap "${news_tile[@]}"; shot news-english
    tap 205 45
    tap "${lang[@]}"
    tap "${larger[@]}"; shot home-larger-text
    tap "${larger[@]}"
    stop_kiosk

    run_kiosk "$W" "$H" 5
    sleep 10; shot attract
    stop_kiosk
done

# Offline: the server goes away; the kiosk keeps its content and says so.
kill "$server"; wait "$server" 2> /dev/null || true
orientation=landscape
export DISPLAY=":$((display - 1))"
run_kiosk 1920 1080 3600
sleep 4; shot offline-home
tap 1193 376; shot offline-library
stop_kiosk
