#!/usr/bin/env bash
# Block import against the node's own ways of taking the same blocks, on one chain in one sitting (docs/operations.md):
#   1. a chain with transactions: one validator under load from the load generator;
#   2. `blocks export` of the stopped validator's home (blocks/s written);
#   3. `blocks import` of that archive into a fresh home (archive checked whole, then every block verified and executed
#      through the commit path: blocks/s and transactions/s);
#   4. the node replaying its own store (`rollback --blocks 1` on a copy of the validator's home: the same verify and
#      commit path, reading RocksDB instead of a file);
#   5. block sync from a peer: an admitted follower catching up from the restarted validator over mutual TLS (time to
#      reach the archive's last height, including the follower's start).
# Usage: tools/bench-import.sh [REPO_DIR] [--quick]   (REPO_DIR defaults to this checkout; builds it in Release first)
# Everything runs on 127.0.0.1 under a fresh temp dir; every process started here is stopped at the end.
set -euo pipefail
repo=$(cd "${1:-$(dirname "$0")/..}" && pwd)
quick=${2:-}
load=60; [ "$quick" = --quick ] && load=15
work=$(mktemp -d /tmp/shc-bench-import-XXXXXX)
# shellcheck source=tools/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
base=29400

"$S" testnet --validators 1 --followers 1 --output "$work/net" --base-port $base >/dev/null
v="$work/net/node0"
f="$work/net/node1"

echo "== 1. a chain: one validator, 2,000 transfers/s offered for ${load} s (1,000 accounts)"
"$S" start --home "$v" >"$work/validator.log" 2>&1 &
pids+=($!)
wait_port $base
"$L" --node "http://127.0.0.1:$base" --key "$work/net/operator_key.json" --accounts 1000 --duration "$load" --warmup 2 --tps 2000 | tail -n 3
stop_all

echo "== 2. export (stopped home)"
out=$("$S" blocks export --home "$v" "$work/blocks.shc")
echo "$out"
last=$(grep -o 'blocks 1\.\.[0-9]*' <<<"$out" | grep -o '[0-9]*$')

echo "== 3. import of the archive into a fresh home"
mkdir -p "$work/imported"
cp -r "$f/config" "$work/imported/"
"$S" blocks import "$work/blocks.shc" --home "$work/imported" | grep -v '^checking\|^importing'

echo "== 4. the node replaying its own store (rollback --blocks 1 on a copy of the validator's home)"
cp -r "$v" "$work/replay"
"$S" rollback --home "$work/replay" | grep -v '^replaying blocks'

echo "== 5. block sync from a peer (an admitted follower catching up to height $last)"
"$S" start --home "$v" >"$work/validator2.log" 2>&1 &
pids+=($!)
wait_port $base
started=$(date +%s.%N)
"$S" start --home "$f" >"$work/follower.log" 2>&1 &
pids+=($!)
wait_port $((base + 10))
while true; do
  h=$("$S" status --node "http://127.0.0.1:$((base + 10))" 2>/dev/null | awk '/head height/ {print $3}')
  [ -n "$h" ] && [ "$h" -ge "$last" ] && break
  sleep 0.2
done
awk -v a="$started" -v b="$(date +%s.%N)" -v n="$last" \
  'BEGIN { printf "follower reached height %d in %.1f s (including its start): %.0f blocks/s\n", n, b - a, n / (b - a) }'
stop_all
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%FT%TZ)"
