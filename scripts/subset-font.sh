#!/usr/bin/env bash
# Makes the kiosk's CJK font: a subset of Noto Sans CJK SC (SIL OFL 1.1) from Debian's
# fonts-noto-cjk, covering ASCII, Latin-1, common punctuation and symbols, the GB2312 symbol rows,
# all 6,763 GB2312 hanzi, and every other non-ASCII character in assets/demo and the kiosk's UI
# strings. The results are committed in assets/fonts/; tests and CI do not run this.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-noto-cjk
fi
python3 -c 'import fontTools' 2>/dev/null || pip install fonttools

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/chars.txt" <<'PY'
import glob, os, sys
chars = {chr(c) for c in range(0x20, 0x7f)} | {chr(c) for c in range(0xa0, 0x100)}
for lo, hi in [(0x2000, 0x206f), (0x2100, 0x218f), (0x2190, 0x21ff), (0x2460, 0x24ff),
               (0x25a0, 0x27bf), (0x2e80, 0x2eff), (0x3000, 0x303f), (0x3200, 0x32ff),
               (0xff00, 0xffef)]:
    chars |= {chr(c) for c in range(lo, hi + 1)}
for b1 in range(0xa1, 0xf8):          # GB2312: symbol rows, then the hanzi
    for b2 in range(0xa1, 0xff):
        try:
            chars.add(bytes([b1, b2]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
for pattern in ["assets/demo/**/*", "kiosk/src/ui/**/*.rs"]:
    for path in glob.glob(pattern, recursive=True):
        if os.path.isfile(path):
            try:
                chars |= {c for c in open(path, encoding="utf-8").read() if ord(c) > 0x7f}
            except UnicodeDecodeError:
                pass
open(sys.argv[1], "w", encoding="utf-8").write("".join(sorted(chars)))
PY
for weight in Regular Bold; do
    # Face 2 of the collection is Noto Sans CJK SC.
    pyftsubset "/usr/share/fonts/opentype/noto/NotoSansCJK-$weight.ttc" --font-number=2 \
        --text-file="$work/chars.txt" --layout-features='*' --no-hinting --desubroutinize \
        --output-file="assets/fonts/NotoSansSC-Subset-$weight.otf"
done
ls -l assets/fonts/*.otf
