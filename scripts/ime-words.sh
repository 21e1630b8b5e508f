#!/usr/bin/env bash
# Makes kiosk/data/ime-words.txt, the word list behind the kiosk's pinyin input: jieba's
# dictionary (jieba-rs 0.11.0, MIT licence, from the local cargo registry) reduced to words of
# one to four characters that are all GB2312 hanzi (what the kiosk's font covers), most frequent
# first: every GB2312 character (those jieba lacks with frequency 1) and the 80,000 most frequent longer words, as "word frequency"
# lines. Readings come from the `pinyin` crate when the kiosk loads the list. Not run by tests.
set -euo pipefail
cd "$(dirname "$0")/.."

dict=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/jieba-rs-0.11.0/src/data/dict.txt 2> /dev/null | head -1 || true)
if [ -z "$dict" ]; then
    (cd "$(mktemp -d)" && cargo init -q --name fetch-jieba && cargo add -q jieba-rs@=0.11.0 && cargo fetch -q)
    dict=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/jieba-rs-0.11.0/src/data/dict.txt | head -1)
fi
python3 - "$dict" kiosk/data/ime-words.txt <<'PY'
import sys
singles, words = {}, {}
for line in open(sys.argv[1], encoding="utf-8"):
    parts = line.split()
    if len(parts) < 2:
        continue
    word, freq = parts[0], int(parts[1])
    if not 1 <= len(word) <= 4:
        continue
    try:
        encoded = word.encode("gb2312")
    except UnicodeEncodeError:
        continue
    if any(encoded[i] < 0xB0 for i in range(0, len(encoded), 2)):
        continue  # not all hanzi (symbols, letters)
    (singles if len(word) == 1 else words)[word] = max(freq, (singles if len(word) == 1 else words).get(word, 0))
for b1 in range(0xB0, 0xF8):  # every GB2312 hanzi can be typed, the ones jieba lacks last
    for b2 in range(0xA1, 0xFF):
        try:
            singles.setdefault(bytes([b1, b2]).decode("gb2312"), 1)
        except UnicodeDecodeError:
            pass
top = sorted(words.items(), key=lambda kv: -kv[1])[:80000]
rows = sorted(singles.items(), key=lambda kv: -kv[1]) + top
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write("# jieba dictionary (MIT), GB2312 words of 1-4 characters: word frequency\n")
    for word, freq in rows:
        out.write(f"{word} {freq}\n")
print(len(singles), "characters,", len(top), "words")
PY
ls -l kiosk/data/ime-words.txt
