#!/usr/bin/env python3
"""Baseline search engines for `chatbot bench`, run as a subprocess.

Two peers are compared with the project's own engine on the same catalogue
and queries:

* ``tfidf``     -- scikit-learn TfidfVectorizer (word 1-2-grams, sublinear tf)
                   over name + results + field, ranked by cosine similarity.
* ``rapidfuzz`` -- rapidfuzz.process.extract with fuzz.token_set_ratio over
                   the procedure names.

Both see text folded the same way: NFD, combining marks dropped, đ/Đ -> d,
lower case, punctuation -> space, whitespace collapsed.

Usage:
    peers.py --engine tfidf|rapidfuzz --corpus CORPUS.jsonl \
             --queries QUERIES.jsonl --repeat N --warmup W

Prints exactly one JSON object on stdout (see README.md for the fields);
diagnostics go to stderr. Exits 1 on unreadable or malformed input, 2 on bad
arguments.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

TOP_K = 5
PROG = "peers.py"


class InputError(Exception):
    """A problem with an input file, reported on stderr with exit status 1."""


# --------------------------------------------------------------------------
# Folding
# --------------------------------------------------------------------------


class _FoldTable(dict):
    """str.translate table that folds one code point at a time.

    Entries are computed on first use and cached, so folding a string is a
    single C-level translate pass once its characters have been seen.
    Applied to NFD text: combining marks vanish, đ/Đ become "d", letters and
    digits are lower-cased, everything else becomes a space.
    """

    def __missing__(self, cp: int) -> str | None:
        ch = chr(cp)
        if unicodedata.category(ch).startswith("M"):
            out = None  # combining mark (tone, breve, horn, circumflex, ...)
        elif ch in "đĐ":
            out = "d"  # đ has no decomposition, so NFD leaves it alone
        else:
            # lower() may itself yield marks (e.g. "İ" -> "i̇"): fold again.
            low = unicodedata.normalize("NFD", ch.lower())
            low = "".join(c for c in low if not unicodedata.category(c).startswith("M"))
            out = low if low.isalnum() else " "
        self[cp] = out
        return out


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Fold Vietnamese text: "Đăng ký khai sinh!" -> "dang ky khai sinh"."""
    return " ".join(unicodedata.normalize("NFD", text).translate(_FOLD).split())


# --------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------


def _read_jsonl(path: Path) -> list[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a JSON Lines file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read {path}: {e}") from e
    rows = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}:{no}: invalid JSON: {e}") from e
        if not isinstance(obj, dict):
            raise InputError(f"{path}:{no}: expected a JSON object")
        rows.append((no, obj))
    return rows


def _str_field(path: Path, no: int, obj: dict, key: str, required: bool) -> str:
    value = obj.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise InputError(f'{path}:{no}: "{key}" must be a string')
    return value


def _str_list(path: Path, no: int, obj: dict, key: str) -> list[str]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f'{path}:{no}: "{key}" must be a list of strings')
    return value


def read_corpus(path: Path) -> list[dict]:
    """Catalogue entries with the fields the engines use."""
    entries = []
    for no, obj in _read_jsonl(path):
        entries.append(
            {
                "code": _str_field(path, no, obj, "code", required=True),
                "name": _str_field(path, no, obj, "name", required=True),
                "field": _str_field(path, no, obj, "field", required=False),
                "results": _str_list(path, no, obj, "results"),
            }
        )
    if not entries:
        raise InputError(f"{path}: no entries")
    return entries


def read_queries(path: Path) -> list[str]:
    """The "q" text of each line; other fields are ignored."""
    queries = [_str_field(path, no, obj, "q", required=True) for no, obj in _read_jsonl(path)]
    if not queries:
        raise InputError(f"{path}: no queries")
    return queries


# --------------------------------------------------------------------------
# Engines. Each *_engine() imports its libraries (outside the build timing)
# and returns build(entries) -> search(query) -> (codes best first, score).
# --------------------------------------------------------------------------

Search = Callable[[str], tuple[list[str], float]]
Build = Callable[[list[dict]], Search]


def tfidf_engine() -> Build:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    return lambda entries: build_tfidf(entries, np, TfidfVectorizer)


def build_tfidf(entries: list[dict], np, TfidfVectorizer) -> Search:
    codes = [e["code"] for e in entries]
    texts = [fold(" . ".join([e["name"], *e["results"], e["field"]])) for e in entries]
    vectorizer = TfidfVectorizer(
        lowercase=False,  # already folded
        token_pattern=r"(?u)\b\w+\b",  # keep one-letter words
        ngram_range=(1, 2),
        sublinear_tf=True,
    )  # norm="l2" by default: rows are unit vectors, so dot = cosine
    try:
        docs = vectorizer.fit_transform(texts)
    except ValueError as e:  # e.g. empty vocabulary
        raise InputError(f"cannot build the TF-IDF index: {e}") from e
    # Term-major copy: q @ docs_t only visits the postings of the query's terms.
    docs_t = docs.T.tocsr()

    def search(query: str) -> tuple[list[str], float]:
        q = vectorizer.transform([fold(query)])
        scores = q @ docs_t  # 1 x n_docs sparse; only docs sharing a term
        data, idx = scores.data, scores.indices
        keep = data > 0
        data, idx = data[keep], idx[keep]
        if len(data) > TOP_K:
            top = np.argpartition(-data, TOP_K - 1)[:TOP_K]
            data, idx = data[top], idx[top]
        # Best first; equal scores by catalogue order, for a stable output.
        order = np.lexsort((idx, -data))
        if len(order) == 0:
            return [], 0.0
        return [codes[i] for i in idx[order]], float(data[order[0]])

    return search


def rapidfuzz_engine() -> Build:
    from rapidfuzz import fuzz, process

    return lambda entries: build_rapidfuzz(entries, fuzz, process)


def build_rapidfuzz(entries: list[dict], fuzz, process) -> Search:
    codes = [e["code"] for e in entries]
    names = [fold(e["name"]) for e in entries]

    def search(query: str) -> tuple[list[str], float]:
        hits = process.extract(fold(query), names, scorer=fuzz.token_set_ratio, limit=TOP_K)
        hits = [h for h in hits if h[1] > 0]  # as for tfidf: no zero-score codes
        if not hits:
            return [], 0.0
        return [codes[i] for _, _, i in hits], float(hits[0][1])

    return search


def version_of(engine: str) -> str:
    from importlib.metadata import version

    libs = {
        "tfidf": ["scikit-learn", "scipy", "numpy"],
        "rapidfuzz": ["rapidfuzz"],
    }[engine]
    py = f"CPython {sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    return ", ".join([f"{lib} {version(lib)}" for lib in libs] + [py])


ENGINES: dict[str, Callable[[], Build]] = {
    "tfidf": tfidf_engine,
    "rapidfuzz": rapidfuzz_engine,
}


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def _count(minimum: int) -> Callable[[str], int]:
    def parse(s: str) -> int:
        try:
            n = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {s!r}") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}: {n}")
        return n

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=PROG, description="Baseline search engines for `chatbot bench`.")
    p.add_argument("--engine", required=True, choices=sorted(ENGINES))
    p.add_argument("--corpus", required=True, type=Path, help="catalogue entries, JSON Lines")
    p.add_argument("--queries", required=True, type=Path, help='JSON Lines with a "q" field')
    p.add_argument("--repeat", required=True, type=_count(1), help="timed passes over all queries")
    p.add_argument("--warmup", required=True, type=_count(0), help="untimed passes before them")
    p.add_argument(
        "--turns",
        action="store_true",
        help="print `ready` after the warm-up, then on reading `go` make one untimed and one "
        "timed pass and print `done` (engines of one comparison take turns)",
    )
    return p.parse_args(argv)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def wait_for_turn() -> None:
    line = sys.stdin.readline()
    if not line:
        raise InputError("standard input closed before the last timed pass")
    if line.strip() != "go":
        raise InputError(f"expected `go` on standard input, read {line.strip()!r}")


def run(args: argparse.Namespace) -> dict:
    entries = read_corpus(args.corpus)
    queries = read_queries(args.queries)
    build = ENGINES[args.engine]()  # library imports: not part of build_ms

    t0 = time.perf_counter_ns()
    search = build(entries)
    build_ms = (time.perf_counter_ns() - t0) / 1e6

    # First pass, untimed: the answers.
    results = []
    for q in queries:
        codes, score = search(q)
        results.append({"codes": codes, "score": score})

    for _ in range(args.warmup):
        for q in queries:
            search(q)

    if args.turns:
        say("ready")
    latency_ns = []
    clock = time.perf_counter_ns
    for _ in range(args.repeat):
        if args.turns:
            wait_for_turn()
            # The other engines' turns have pushed this one's data out of
            # the caches: warm them again, untimed.
            for q in queries:
                search(q)
        for q in queries:
            t = clock()
            search(q)
            latency_ns.append(clock() - t)
        if args.turns:
            say("done")

    return {
        "engine": args.engine,
        "version": version_of(args.engine),
        "build_ms": build_ms,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "latency_ns": latency_ns,
        "results": results,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        out = run(args)
    except InputError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    except ImportError as e:
        print(
            f"{PROG}: error: {e}; install cli/bench/requirements.txt into this Python's venv",
            file=sys.stderr,
        )
        return 1
    sys.stdout.write(json.dumps(out, separators=(",", ":")) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
