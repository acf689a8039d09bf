#!/usr/bin/env python3
"""Check data/eval/queries.jsonl against the procedure catalogue.

Usage:
    python3 data/eval/check_queries.py [--catalogue PATH] [--dev PATH] [--verbose]

Checks (errors make the exit status non-zero):
  * every line is a JSON object with "q", "expect", "slice" (and "aspect"
    only on the aspect slice, one of the ten allowed values);
  * every code in "expect" exists in the catalogue; oos lines have an empty
    "expect", all other lines a non-empty one; no code repeated in a line;
  * no query duplicates another one, or a line of the shared dev set
    (compared after NFC, lower-casing, removing diacritics and punctuation);
  * nodiac lines contain no Vietnamese diacritics.
Warnings (printed, not fatal):
  * a listed code has a sibling at another level (same name once the
    "(thực hiện tại cấp ...)" style suffix is removed) that is not listed;
  * a query is very close (token Jaccard >= 0.75) to a dev line.
With --verbose, prints for each oos line the catalogue names sharing the most
words with it, to review by hand that none of them answers the question.
Finally prints counts per slice and per aspect.
"""
import argparse
import gzip
import json
import os
import re
import sys
import unicodedata
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
SLICES = ["clean", "nodiac", "typo", "abbrev", "teen", "aspect", "oos"]
ASPECTS = ["documents", "time", "fee", "place", "steps", "conditions",
           "legal_basis", "online", "result", "forms"]


def find_default(rel_candidates):
    for c in rel_candidates:
        p = os.path.normpath(os.path.join(HERE, c))
        if os.path.exists(p):
            return p
    return None


def nfc(s):
    return unicodedata.normalize("NFC", s or "")


def fold(s):
    """lower-case, remove diacritics (đ -> d), keep letters/digits/spaces."""
    s = unicodedata.normalize("NFD", nfc(s).lower()).replace("đ", "d")
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    s = re.sub(r"[^0-9a-z]+", " ", s)
    return " ".join(s.split())


LEVEL_RE = re.compile(
    r"\((?:[^()]*\b(?:thuc hien|cap trung uong|cap tinh|cap xa|cap huyen|cap bo)\b[^()]*)\)")


def base_name(name):
    s = unicodedata.normalize("NFD", nfc(name).lower()).replace("đ", "d")
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    s = LEVEL_RE.sub(" ", s)
    s = re.sub(r"\b(thuc hien )?tai cap (trung uong|tinh|xa|huyen)\b", " ", s)
    s = re.sub(r"^\s*thu tuc\s*:?\s*", "", s)
    s = re.sub(r"[^0-9a-z]+", " ", s)
    return " ".join(s.split())


def load_jsonl(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            out.append((i, json.loads(line)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", default=os.path.join(HERE, "queries.jsonl"))
    ap.add_argument("--catalogue", default=find_default([
        "../../../shared/data/procedures/tthc_national_dvcqg_2026.jsonl.gz",
        "../../shared/data/procedures/tthc_national_dvcqg_2026.jsonl.gz",
        "/work/shared/data/procedures/tthc_national_dvcqg_2026.jsonl.gz"]))
    ap.add_argument("--dev", default=find_default([
        "../../../shared/eval/dev.jsonl", "../../shared/eval/dev.jsonl",
        "/work/shared/eval/dev.jsonl"]))
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    if not args.catalogue:
        sys.exit("catalogue not found; pass --catalogue")
    rows = [json.loads(l) for l in gzip.open(args.catalogue, "rt", encoding="utf-8")]
    names = {r["ma_thu_tuc"]: nfc(r["ten_thu_tuc"]) for r in rows}
    groups = defaultdict(set)
    for code, name in names.items():
        groups[base_name(name)].add(code)

    errors, warnings = [], []
    lines = load_jsonl(args.queries)
    dev = load_jsonl(args.dev) if args.dev else []
    dev_keys = {fold(d["q"]): d["q"] for _, d in dev}
    dev_tokens = [(set(fold(d["q"]).split()), d["q"]) for _, d in dev]

    seen = {}
    slice_count = Counter()
    aspect_count = Counter()
    for ln, d in lines:
        where = f"line {ln}"
        if not isinstance(d, dict):
            errors.append(f"{where}: not an object"); continue
        keys = set(d)
        allowed = {"q", "expect", "slice", "aspect"}
        if keys - allowed:
            errors.append(f"{where}: unknown keys {sorted(keys - allowed)}")
        q, expect, sl = d.get("q"), d.get("expect"), d.get("slice")
        if not isinstance(q, str) or not q.strip():
            errors.append(f"{where}: empty q"); continue
        if q != nfc(q):
            errors.append(f"{where}: q is not NFC")
        if sl not in SLICES:
            errors.append(f"{where}: bad slice {sl!r}")
        slice_count[sl] += 1
        if sl == "aspect":
            if d.get("aspect") not in ASPECTS:
                errors.append(f"{where}: bad/missing aspect {d.get('aspect')!r}")
            aspect_count[d.get("aspect")] += 1
        elif "aspect" in d:
            errors.append(f"{where}: aspect given outside the aspect slice")
        if not isinstance(expect, list):
            errors.append(f"{where}: expect is not a list"); continue
        if sl == "oos" and expect:
            errors.append(f"{where}: oos line with codes")
        if sl != "oos" and not expect:
            errors.append(f"{where}: empty expect outside oos")
        if len(set(expect)) != len(expect):
            errors.append(f"{where}: repeated code in expect")
        for c in expect:
            if c not in names:
                errors.append(f"{where}: unknown code {c}")
        # level siblings
        listed = set(expect)
        for c in expect:
            if c in names:
                sib = groups[base_name(names[c])] - listed
                if sib:
                    warnings.append(f"{where}: {c} has unlisted sibling(s) "
                                    f"{sorted(sib)} ({names[c][:70]})")
        if sl == "nodiac" and fold(q) != " ".join(re.sub(r"[^0-9a-z]+", " ", q.lower()).split()):
            errors.append(f"{where}: nodiac line has diacritics: {q}")
        key = fold(q)
        if key in seen:
            errors.append(f"{where}: duplicates line {seen[key]}: {q}")
        seen.setdefault(key, ln)
        if key in dev_keys:
            errors.append(f"{where}: duplicates dev line: {dev_keys[key]}")
        toks = set(key.split())
        for dt, dq in dev_tokens:
            if toks and dt:
                j = len(toks & dt) / len(toks | dt)
                if j >= 0.75 and fold(dq) != key:
                    warnings.append(f"{where}: close to dev line ({j:.2f}): {q!r} ~ {dq!r}")

    if args.verbose:
        print("== oos review: catalogue names sharing most words ==")
        stop = set("thu tuc cap dang ky cho toi minh o tai la va cua co khong the nao "
                   "bao nhieu gi j ad a oi nha di ve".split())
        cat_toks = [(code, set(fold(n).split())) for code, n in names.items()]
        for ln, d in lines:
            if d.get("slice") != "oos":
                continue
            qt = set(fold(d["q"]).split()) - stop
            scored = sorted(((len(qt & t) / (len(qt) or 1), c) for c, t in cat_toks),
                            reverse=True)[:3]
            print(f"- {d['q']}")
            for s, c in scored:
                print(f"    {s:.2f} {c} {names[c][:90]}")

    for w in warnings:
        print("WARN", w)
    for e in errors:
        print("ERROR", e)
    total = sum(slice_count.values())
    print(f"\n{total} lines")
    for s in SLICES:
        print(f"  {s:8s} {slice_count.get(s, 0)}")
    print("aspects:", ", ".join(f"{a}={aspect_count.get(a, 0)}" for a in ASPECTS))
    codes = {c for _, d in lines for c in d.get("expect", [])}
    print(f"distinct codes: {len(codes)}")
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
