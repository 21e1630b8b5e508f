#!/usr/bin/env bash
# The kiosk's footprint (issue 14): time from exec to the org's home on screen, and resident
# memory after a scripted tour of every screen. Not run by the test suite.
#
#   bash scripts/footprint.sh [--no-build] [--runs N] [--windowed] [--keep]
#   FOOTPRINT_KIOSK_ENV="MALLOC_ARENA_MAX=2" bash scripts/footprint.sh   # more env for the kiosk
#   FOOTPRINT_WRAP="heaptrack -o /tmp/ht" bash scripts/footprint.sh --runs 1  # a command before it
#   FOOTPRINT_KIOSK_BIN=/tmp/kiosk-variant bash scripts/footprint.sh --no-build  # another build
#
# Builds the release binaries once (`--no-build` skips it), starts `sync-server demo` (the demo
# pack and the 60,000-item catalogue) in a temp data dir on a free loopback port, enrolls a
# kiosk data dir and syncs it once (`kiosk enroll`, `kiosk sync --once`), as scripts/demo.sh and
# scripts/screenshots.sh do. Then N times (default 5): a fresh Xvfb at 1920×1080 (no window
# manager, black root), the release kiosk fullscreen as deployed (`--windowed` opens it as a
# 1920×1080 window instead) with the software renderer (ICED_BACKEND=tiny-skia) and
# RUST_LOG=kiosk=info, then the tour, then the kiosk and Xvfb stopped.
#
# Start: "exec" is the wall-clock time a shell takes (`date +%s%N`) just before it `exec`s the
# kiosk in the same process. Four moments after it, in ms:
#   layout  — the kiosk's own log line "home: the org's layout" (its tracing timestamp, µs):
#             the org's layout is read; the next frame draws it. The app cannot say without code
#             changes when that frame reached the screen.
#   ime     — the log line "ime: ready": the pinyin input has its tables (keys typed before it
#             go in as letters).
#   library — the log line "library: usable": the search index and the shelf are built (until
#             then a search finds nothing).
#   drawn   — the first poll at which the screen's pixel (1,1) is no longer the black root:
#             the app's first frame (at the 1024×768 that winit opens with on bare X).
#   covered — the first poll at which all four screen corners show the app's title bar (RED
#             #B71C1C) at the top and its status bar (#2B2B2B) at the bottom: the home covers the
#             screen. The same test as tests/benches/kiosk_start.rs.
# drawn and covered are polled from a helper that reads four single pixels with XGetImage about
# every 3 ms (a 2 ms sleep between polls; the achieved interval is printed): each is late by up
# to one poll, plus the X server's own latency. Since 5a7a560 the first frame is the org's home, so "covered" is the
# first frame with the org's home covering the screen.
#
# Memory: VmHWM (peak resident) and VmRSS from /proc/PID/status, and /proc/PID/smaps grouped
# (anonymous = heap and other anonymous maps; the kiosk binary's file pages, which include the
# embedded CJK font and IME tables; shared libraries; other files; shared memory), snapshotted
# 2 s after start, 8 s after start (untouched), after the news list, after the article, after
# the library (scrolled), after search, after the book, and at the end of the tour:
# home → news → an article → back → library (scroll) → search (typed on the on-screen
# keyboard) → a book → home → a form (the name field, pinyin typed on the on-screen keyboard,
# a candidate picked) → home. Screenshots of each step go to the output dir (printed at the
# end) so the tour can be checked by eye. Tap positions are for 1920×1080 landscape.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1 runs=5 windowed=() keep=""
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build="" ;;
        --runs) runs="$2"; shift ;;
        --windowed) windowed=(--windowed 1920x1080) ;;
        --keep) keep=1 ;;
        *) echo "usage: $0 [--no-build] [--runs N] [--windowed] [--keep]" >&2; exit 2 ;;
    esac
    shift
done

for tool in Xvfb xdotool import python3; do
    command -v "$tool" > /dev/null || { echo "needs $tool (apt-get install -y xvfb xdotool imagemagick python3)" >&2; exit 1; }
done
if [ -n "$build" ]; then
    cargo build --release -p kiosk -p sync-server
fi
bin="$PWD/target/release"
kiosk_bin="${FOOTPRINT_KIOSK_BIN:-$bin/kiosk}"
# The environment the kiosk's systemd unit gives it (glibc's malloc tunables), so the figures
# are those of the app as deployed.
deployed_env=$(sed -n 's/^Environment=\(GLIBC_TUNABLES=.*\)$/\1/p' packaging/kiosk/union-kiosk.service)

work=$(mktemp -d /tmp/footprint.XXXXXX)
out="$work/shots"
mkdir -p "$out"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2> /dev/null || true; done
    if [ -z "$keep" ]; then rm -rf "$work/server" "$work/kiosk"; fi
}
trap cleanup EXIT INT TERM

# The pixel watcher and the smaps grouping.
helper="$work/helper.py"
cat > "$helper" << 'EOF'
import ctypes, ctypes.util, os, sys, time

def watch(ready, w, h, timeout=60.0):
    x = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11"))
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XDefaultRootWindow.restype = ctypes.c_ulong
    x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x.XGetImage.restype = ctypes.c_void_p
    x.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                            ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
    x.XGetPixel.restype = ctypes.c_ulong
    x.XGetPixel.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    d = x.XOpenDisplay(None)
    root = x.XDefaultRootWindow(d)
    def px(cx, cy):
        img = x.XGetImage(d, root, cx, cy, 1, 1, 0xFFFFFFFF, 2)  # ZPixmap
        v = x.XGetPixel(img, 0, 0)
        return ((v >> 16) & 255, (v >> 8) & 255, v & 255)
    def near(p, c):
        return all(abs(a - b) <= 6 for a, b in zip(p, c))
    red, status = (0xB7, 0x1C, 0x1C), (0x2B, 0x2B, 0x2B)
    open(ready, "w").close()
    drawn = covered = None
    polls, t_start = 0, time.time()
    while covered is None and time.time() - t_start < timeout:
        t = time.time_ns()
        tl = px(1, 1)
        polls += 1
        if drawn is None and tl != (0, 0, 0):
            drawn = t
        if near(tl, red) and near(px(w - 2, 1), red) and near(px(1, h - 2), status) \
                and near(px(w - 2, h - 2), status):
            covered = t
        time.sleep(0.002)
    interval = (time.time() - t_start) / max(polls, 1) * 1000
    print(drawn or 0, covered or 0, "%.1f" % interval)

def smaps(pid):
    groups = {}
    name = None
    exe = os.readlink("/proc/%s/exe" % pid)
    for line in open("/proc/%s/smaps" % pid):
        parts = line.split()
        if "-" in parts[0] and not parts[0].endswith(":"):
            path = parts[5] if len(parts) > 5 else ""
            if path == "":
                name = "anon"
            elif path == "[heap]":
                name = "anon"
            elif path == exe or path.startswith(exe + " "):
                name = "binary"
            elif path.startswith("[stack") :
                name = "stack"
            elif path.startswith("[") :
                name = "other"
            elif path.startswith("/SYSV") or path.startswith("/dev/shm") or path.startswith("/memfd:"):
                name = "shm"
            elif ".so" in path:
                name = "libs"
            else:
                name = "files"
        elif parts[0] == "Rss:":
            groups[name] = groups.get(name, 0) + int(parts[1])
    order = ["anon", "binary", "libs", "files", "shm", "stack", "other"]
    print(" ".join("%s=%.1f" % (k, groups.get(k, 0) / 1024) for k in order))

if sys.argv[1] == "watch":
    watch(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
else:
    smaps(sys.argv[2])
EOF

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "demo server on 127.0.0.1:$port (data in $work/server; loads 60,000 books: about a minute)"
"$bin/sync-server" --data-dir "$work/server" demo --listen "127.0.0.1:$port" > "$work/server.log" 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 1 600); do
    grep -q 'listening' "$work/server.log" && break
    kill -0 "$server" 2> /dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.5
done
grep -q 'listening' "$work/server.log" || { echo "the demo server did not start" >&2; exit 1; }

kiosk_dir="$work/kiosk"
config="$work/kiosk.toml"
{
    echo "idle_home_seconds = 3600"
    echo "idle_attract_seconds = 3600"
} > "$config"
"$bin/kiosk" --data-dir "$kiosk_dir" enroll "$(grep -m1 '^unionkiosk://' "$work/server.log")" > /dev/null
"$bin/kiosk" --data-dir "$kiosk_dir" sync --once

W=1920 H=1080
tap() { xdotool mousemove "$1" "$2" click 1; sleep "${3:-1.2}"; }
# A drag in steps (one jump is not taken as a drag); it ends in a flick that glides on: wait it out.
drag() {
    local y
    xdotool mousemove "$1" "$2" mousedown 1
    for y in $(seq $(($2 - 40)) -40 "$3"); do xdotool mousemove "$1" "$y"; sleep 0.02; done
    xdotool mouseup 1
    sleep 3
}
# The on-screen keyboard's keys (x y), read from screenshots at 1920×1080.
HLM=("1082 778" "1448 778" "1230 872")
ZHANGWEI=("498 872" "1082 778" "472 778" "1108 872" "960 778" "532 686" "654 686" "1264 686")
shot() { import -window root "$out/run$run-$1.png"; }
mem() { # label: VmRSS, VmHWM and the smaps groups, MiB
    local rss hwm
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$kiosk/status")
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$kiosk/status")
    printf '  %-8s VmRSS %6.1f MiB  VmHWM %6.1f MiB  | MiB: %s\n' "$1" \
        "$(awk "BEGIN { print $rss / 1024 }")" "$(awk "BEGIN { print $hwm / 1024 }")" \
        "$(python3 "$helper" smaps "$kiosk")"
}
ms() { awk "BEGIN { printf \"%.0f\", ($1 - $2) / 1000000 }"; }

results="$work/results.txt"
: > "$results"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg), $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- kiosk protocol || echo ' (+ local changes)')"
display=$((200 + RANDOM % 100))
for run in $(seq 1 "$runs"); do
    display=$((display + 1))
    Xvfb ":$display" -screen 0 "${W}x${H}x24" -br -nolisten tcp > /dev/null 2>&1 &
    xvfb=$!
    pids+=("$xvfb")
    export DISPLAY=":$display"
    for _ in $(seq 1 100); do xdotool getdisplaygeometry > /dev/null 2>&1 && break; sleep 0.1; done

    rm -f "$work/ready"
    python3 "$helper" watch "$work/ready" "$W" "$H" > "$work/watch.txt" &
    watcher=$!
    pids+=("$watcher")
    for _ in $(seq 1 200); do [ -e "$work/ready" ] && break; sleep 0.05; done

    # shellcheck disable=SC2016 # $0 and $@ belong to the inner shell
    # shellcheck disable=SC2086 # FOOTPRINT_KIOSK_ENV and FOOTPRINT_WRAP are word lists
    env RUST_LOG=kiosk=info ICED_BACKEND=tiny-skia ${deployed_env:+"$deployed_env"} ${FOOTPRINT_KIOSK_ENV:-} sh -c 'date +%s%N > "$0"; exec "$@"' "$work/exec.txt" \
        ${FOOTPRINT_WRAP:-} "$kiosk_bin" --data-dir "$kiosk_dir" --config "$config" run "${windowed[@]}" > "$work/kiosk-$run.log" 2>&1 &
    kiosk=$!
    pids+=("$kiosk")
    wait "$watcher" || true
    if [ -n "${FOOTPRINT_WRAP:-}" ]; then # the kiosk is a child of the wrapper: find it
        for p in $(pgrep -f -- "--data-dir $kiosk_dir"); do
            [ "$(readlink "/proc/$p/exe")" = "$kiosk_bin" ] && kiosk=$p && pids+=("$p")
        done
    fi
    read -r drawn covered poll < "$work/watch.txt"
    exec_ns=$(cat "$work/exec.txt")
    layout_at=$(grep -m1 "home: the org's layout" "$work/kiosk-$run.log" | awk '{ print $1 }' || true)
    layout_ns=$(date -d "$layout_at" +%s%N)
    ime_at=$(grep -m1 "ime: ready" "$work/kiosk-$run.log" | awk '{ print $1 }' || true)
    ime_ns=$(date -d "$ime_at" +%s%N)
    sleep 2
    xdotool mousemove 5 5
    shot 01-home
    echo "run $run: layout $(ms "$layout_ns" "$exec_ns") ms, drawn $(ms "$drawn" "$exec_ns") ms, covered $(ms "$covered" "$exec_ns") ms, ime ready $(ms "$ime_ns" "$exec_ns") ms (poll every $poll ms)"
    mem start
    sleep 6
    mem settled  # 8 s after start, untouched: what background work at start left
    library_at=$(grep -m1 "library: usable" "$work/kiosk-$run.log" | awk '{ print $1 }' || true)
    library_ns=$(date -d "$library_at" +%s%N)
    echo "  library usable (search index and shelf built) $(ms "$library_ns" "$exec_ns") ms after exec"

    tap 262 370; shot 02-news
    mem news
    tap 900 300; shot 03-article
    mem article
    tap 80 45; shot 03-back  # 返回: the news list
    tap 205 45  # 首页
    tap 1193 376; shot 04-library
    drag 960 780 300; drag 960 780 300; shot 05-library-scrolled
    mem library
    tap 1800 145  # 搜索图书
    # shellcheck disable=SC2086 # each is "x y"
    for k in "${HLM[@]}"; do tap $k 0.4; done
    sleep 0.8; shot 06-search
    mem search
    tap 130 380; shot 07-book  # the first result
    mem book
    tap 205 45; shot 08-home   # 首页
    tap 1658 370; shot 09-form # 网上入会: 入会申请
    tap 958 408; shot 10-name-field
    # shellcheck disable=SC2086 # each is "x y"
    for k in "${ZHANGWEI[@]}"; do tap $k 0.4; done
    sleep 0.8; shot 11-name-typed
    tap 278 584; shot 12-name-picked  # the first candidate
    tap 205 45; shot 13-home
    mem end
    {
        printf '%s %s %s %s %s %s %s\n' "$(ms "$layout_ns" "$exec_ns")" "$(ms "$drawn" "$exec_ns")" "$(ms "$covered" "$exec_ns")" \
            "$(awk '/^VmHWM:/ { print $2 }' "/proc/$kiosk/status")" "$(awk '/^VmRSS:/ { print $2 }' "/proc/$kiosk/status")" \
            "$(ms "$ime_ns" "$exec_ns")" "$(ms "$library_ns" "$exec_ns")"
    } >> "$results"

    kill "$kiosk" 2> /dev/null || true; wait "$kiosk" 2> /dev/null || true
    for _ in $(seq 1 100); do kill -0 "$kiosk" 2> /dev/null || break; sleep 0.1; done
    kill "$xvfb" 2> /dev/null || true; wait "$xvfb" 2> /dev/null || true
done

echo
echo "per run (ms from exec; KiB): layout drawn covered VmHWM VmRSS ime library"
cat "$results"
python3 - "$results" << 'EOF'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
names = ["layout logged, ms", "drawn, ms", "covered, ms", "VmHWM, MiB", "VmRSS at end, MiB", "ime ready, ms", "library usable, ms"]
for i, n in enumerate(names):
    v = [r[i] / (1024 if i in (3, 4) else 1) for r in rows]
    print("%-18s median %7.1f  min %7.1f  max %7.1f  (n=%d)" % (n, statistics.median(v), min(v), max(v), len(v)))
EOF
echo "screenshots and logs: $work"
