#!/usr/bin/env bash
# Starts the local server on a free loopback port, runs the browser test
# against it, and always stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."

(cd web && npm ci --no-audit --no-fund --silent)
# The debug build: `cargo test --workspace` has already built it.
cargo build --locked -p chatbot-cli

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
./target/debug/chatbot serve --port "$port" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 1 240); do
    if curl -fsS "http://127.0.0.1:$port/" >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 "$server" 2>/dev/null; then
        echo "web/run-e2e.sh: the local server stopped:" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.5
done

BASE_URL="http://127.0.0.1:$port" node web/e2e.mjs
