#!/usr/bin/env python3
"""Writes the fuzz targets' seed inputs (fuzz/seeds/<target>/) from the
API Gateway events of events/ and a few queries of data/eval/: small,
valid inputs that start the fuzzer deep inside each handler.

Each webhook target reads its first byte as the way the rest is sent (see
the comment at the top of fuzz/fuzz_targets/<target>.rs): the seeds use
the signed and the well-formed ways. Run from anywhere:
`python3 fuzz/seeds/generate.py`; scripts/fuzz copies the seeds into the
corpora (fuzz/corpus/, not committed) before each run.
"""

import base64
import glob
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EVENTS = os.path.join(ROOT, "events")


def events(function):
    for path in sorted(glob.glob(os.path.join(EVENTS, function, "*.json"))):
        name = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as f:
            yield name, json.load(f)


def body(event):
    b = event.get("body")
    if b is None:
        return b""
    if event.get("isBase64Encoded"):
        return base64.b64decode(b)
    return b.encode("utf-8")


def queries(n):
    path = os.path.join(ROOT, "data", "eval", "queries.jsonl")
    with open(path, encoding="utf-8") as f:
        lines = [json.loads(line)["q"] for line in f if line.strip()]
    step = max(1, len(lines) // n)
    return lines[::step][:n]


seeds = {}


def add(target, name, data):
    seeds.setdefault(target, {})[name] = data


# Messenger: 0x01 = the raw body, signed; 0x05 = the rest as a message's
# text; 0x06 = the rest as the subscription check's query string.
for name, e in events("webhook-messenger"):
    if e["requestContext"]["http"]["method"] == "GET":
        add("messenger_webhook", name, b"\x06" + e.get("rawQueryString", "").encode())
        continue
    raw = body(e)
    add("messenger_webhook", name, b"\x01" + raw)
    for entry in json.loads(raw).get("entry", []):
        for i, m in enumerate(entry.get("messaging", [])):
            text = m.get("message", {}).get("text")
            if text:
                add("messenger_webhook", f"{name}-text-{i}", b"\x05" + text.encode())

# Zalo: 0x01 = the raw body signed with the header timestamp; 0x07 = the
# raw body signed with its own timestamp; 0x05 = the rest as a text.
for name, e in events("webhook-zalo"):
    raw = body(e)
    add("zalo_webhook", name, b"\x01" + raw)
    add("zalo_webhook", f"{name}-own-timestamp", b"\x07" + raw)
    text = json.loads(raw).get("message", {}).get("text")
    if text:
        add("zalo_webhook", f"{name}-text", b"\x05" + text.encode())

# Web: 0x00 = the raw body of POST /chat; 0x02 = the rest as the text.
for name, e in events("webhook-web"):
    if e["requestContext"]["http"]["method"] != "POST":
        continue
    raw = body(e)
    add("web_chat", name, b"\x00" + raw)
    try:
        text = json.loads(raw).get("text")
    except ValueError:
        text = None
    if isinstance(text, str) and len(text) < 2000:
        add("web_chat", f"{name}-text", b"\x02" + text.encode())

# Bus stops: 0x00 = the nearby query; 0x05 = the search query; 0x06 = a
# stop code; 0x07 = a route number.
for name, e in events("bus-stops"):
    path, q = e["rawPath"], e.get("rawQueryString", "")
    if path == "/bus/stops/nearby":
        add("coordinates", name, b"\x00" + q.encode())
    elif path == "/bus/stops":
        add("coordinates", name, b"\x05" + q.encode())
    elif path.startswith("/bus/stops/"):
        add("coordinates", name, b"\x06" + path[len("/bus/stops/"):].encode())
    elif path.startswith("/bus/routes/"):
        add("coordinates", name, b"\x07" + path[len("/bus/routes/"):].encode())

# Dossier status: 0x00 = a code for GET; 0x01 = a push's body.
for name, e in events("dossier-status"):
    code = e["rawPath"][len("/dossiers/"):]
    if e["requestContext"]["http"]["method"] == "GET":
        add("dossier_status", name, b"\x00" + code.encode())
    else:
        add("dossier_status", name, b"\x01" + body(e))

# Notices: the raw query string.
for name, e in events("notices"):
    add("notices", name, e.get("rawQueryString", "").encode())

# Text and dossier codes: what citizens type.
for i, q in enumerate(queries(12)):
    add("text", f"query-{i:02}", q.encode())
for name, text in [
    ("code", "hồ sơ 000.00.17.H17-261118-0003 của tôi"),
    ("loose", "ma ho so 000 00 17 h17 261118 0003"),
    ("full-width", "０００.００.１７.Ｈ１７-２６１１１８-０００３"),
    ("look-alike", "000.00.17.Н17-261118-0003"),
]:
    add("dossier_code", name, text.encode())
    add("text", f"dossier-{name}", text.encode())

# Signatures: first two bytes cut the secret and the body.
add("signatures", "messenger", bytes([15, 7]) + b"test-app-secret" + b"{\"object\":\"page\"}1795341630000sha256=00")
add("signatures", "zalo", bytes([37, 4]) + b"1234567890123456789test-oa-secret-key" + b"{}  " + b"1795341630000mac=ab")

for target in seeds:
    out = os.path.join(HERE, target)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for name, data in sorted(seeds[target].items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{target}: {len(seeds[target])} seeds")
