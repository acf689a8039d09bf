#!/usr/bin/env python3
"""Checks the lexicon files in this folder against their formats and against
the procedure catalogue.

    python3 check.py [path/to/tthc_national_dvcqg_2026.jsonl.gz]

Format checks (every file): UTF-8, NFC, entry lines in lower case, no stray
whitespace, exactly the expected number of tab-separated fields, no
duplicate entries; chat.tsv has one token on the left; aspects.tsv names a
known aspect.

Catalogue checks: every right side of synonyms.tsv, and every variant marker
of variants.tsv, must occur as consecutive words (diacritics, case and
punctuation ignored) in at least one procedure name or result document
(ket_qua_xu_ly). Right sides of abbreviations.tsv are reported the same way,
as information: an expansion may legitimately be a plain expansion.

Words are compared the way the engine compares them: NFC, lower case, split
on anything that is not a letter, mark or digit, diacritics removed, đ → d,
a final y after a consonant spelled i (ký/kí), leading zeros of numbers
dropped (02 → 2).

Exit status 1 when a format check or a synonyms/variants catalogue check
fails.
"""

import gzip
import json
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CATALOGUE = os.path.join(
    HERE, "..", "..", "..", "shared", "data", "procedures", "tthc_national_dvcqg_2026.jsonl.gz"
)
ASPECTS = {
    "documents", "time", "fee", "place", "steps",
    "conditions", "legal_basis", "online", "result", "forms",
}
INITIALS = {
    "b", "c", "ch", "d", "đ", "g", "gh", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
    "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
}


def words(text):
    """The folded words of a text, as the engine compares them."""
    text = unicodedata.normalize("NFC", text).lower()
    out = []
    for raw in re.findall(r"[^\W_]+", text):
        w = raw
        if w.isdigit() and len(w) > 1:
            w = w.lstrip("0") or "0"
        if w.endswith("y") and w[:-1] in INITIALS:
            w = w[:-1] + "i"
        w = "".join(
            c for c in unicodedata.normalize("NFD", w) if not unicodedata.combining(c)
        ).replace("đ", "d")
        out.append(w)
    return out


def key(text):
    return " " + " ".join(words(text)) + " "


def results_of(raw):
    """Result documents of a portal record: the text before "Từ khóa", cut at
    each "Mã: …" code."""
    raw = unicodedata.normalize("NFC", raw or "").split("Từ khóa")[0]
    parts = re.split(r"Mã:\s*[A-Za-z0-9_.\-]*\d", raw)
    return [p.strip(" .;\n") for p in parts if p.strip(" .;\n")]


def load_catalogue(path):
    names, results = [], []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            names.append(key(r.get("ten_thu_tuc", "")))
            results.extend(key(x) for x in results_of(r.get("ket_qua_xu_ly", "")))
    return names, results


def entries(path, fields):
    """(line number, fields) of the entry lines; format problems as strings."""
    problems, rows, seen = [], [], set()
    name = os.path.basename(path)
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return [], [f"{name}: not UTF-8 ({e})"]
    if text.startswith("\ufeff"):
        problems.append(f"{name}: starts with a BOM")
    if unicodedata.normalize("NFC", text) != text:
        problems.append(f"{name}: not NFC")
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{name}:{n}"
        if line != line.strip() or "\r" in line:
            problems.append(f"{where}: leading/trailing whitespace")
        if line != line.lower():
            problems.append(f"{where}: not lower case")
        cols = line.split("\t")
        if fields == 1 and len(cols) != 1:
            problems.append(f"{where}: expected one phrase, no tab")
        if fields == 2 and len(cols) != 2:
            problems.append(f"{where}: expected two fields separated by one tab")
        if fields == -2 and len(cols) not in (1, 2, 3):
            problems.append(
                f"{where}: expected a phrase, an optional comment and an optional implied marker"
            )
        if any(c != c.strip() or (c == "" and i == 0) for i, c in enumerate(cols)):
            problems.append(f"{where}: empty field or spaces around a tab")
        if any(re.search(r"  ", c) for c in cols):
            problems.append(f"{where}: double space")
        k = tuple(cols[:2] if fields != -2 else cols[:1])
        if k in seen:
            problems.append(f"{where}: duplicate entry {k}")
        seen.add(k)
        rows.append((n, cols))
    return rows, problems


def main():
    catalogue = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CATALOGUE
    spec = {
        "chat.tsv": 2, "abbreviations.tsv": 2, "synonyms.tsv": 2,
        "aspects.tsv": 2, "filler.txt": 1, "variants.tsv": -2,
    }
    problems, rows = [], {}
    for name, fields in spec.items():
        r, p = entries(os.path.join(HERE, name), fields)
        rows[name], problems = r, problems + p
    for n, cols in rows["chat.tsv"]:
        if len(words(cols[0])) != 1:
            problems.append(f"chat.tsv:{n}: the typed side must be one token")
    for n, cols in rows["aspects.tsv"]:
        if len(cols) == 2 and cols[1] not in ASPECTS:
            problems.append(f"aspects.tsv:{n}: unknown aspect {cols[1]!r}")

    names, results = load_catalogue(catalogue)
    print(f"catalogue: {len(names)} procedure names, {len(results)} result documents")

    def found(phrase):
        k = key(phrase)
        in_names = sum(k in x for x in names)
        in_results = sum(k in x for x in results)
        return in_names, in_results

    def report(label, items, fatal):
        ok, missing = 0, []
        for n, phrase in items:
            a, b = found(phrase)
            if a or b:
                ok += 1
            else:
                missing.append(f"{label}:{n}: {phrase!r} occurs in no name or result")
        status = "OK" if not missing else ("FAIL" if fatal else "info")
        print(f"{label}: {ok}/{len(items)} right sides found in the catalogue [{status}]")
        for m in missing:
            print("   ", m)
        return missing if fatal else []

    syn = [(n, c[1]) for n, c in rows["synonyms.tsv"] if len(c) == 2]
    problems += report("synonyms.tsv", syn, fatal=True)
    var = [(n, c[0]) for n, c in rows["variants.tsv"]]
    markers = {c[0] for _, c in rows["variants.tsv"]}
    for n, cols in rows["variants.tsv"]:
        if len(cols) == 3 and (cols[2] not in markers or cols[2] == cols[0]):
            problems.append(f"variants.tsv:{n}: {cols[2]!r} is not another line's marker")
    problems += report("variants.tsv", var, fatal=True)
    abbr = [(n, c[1]) for n, c in rows["abbreviations.tsv"] if len(c) == 2]
    report("abbreviations.tsv", abbr, fatal=False)

    for name in spec:
        print(f"{name}: {len(rows[name])} entries")
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for p in problems:
            print("   ", p)
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
