#!/usr/bin/env bash
# Joining a chain with many accounts: state sync from a snapshot against block sync from genesis, on one chain in one
# sitting (docs/operations.md, "Snapshots and state sync"; figures in docs/benchmarks.md):
#   1. a chain: one validator; the load generator funds ROUNDS x 100,000 new accounts (one funding transfer each, plus
#      a few seconds of transfers), so the accounts are created by blocks, as on a real chain;
#   2. `snapshot create` on the stopped validator (time, size, chunks) and `blocks export` of the same chain (size);
#   3. state sync: with the validator serving that snapshot, a new node started with --state-sync (time until it has
#      restored the state and committed the next block, including its start);
#   4. block sync from genesis: a second new node replaying every block from the validator over the peer port (time to
#      reach the same height).
# Usage: tools/bench-statesync.sh [REPO_DIR] [ROUNDS]   (ROUNDS of 100,000 accounts, default 1; 10 for a million)
# Everything runs on 127.0.0.1 under a fresh temp dir; every process started here is stopped at the end.
set -euo pipefail
repo=$(cd "${1:-$(dirname "$0")/..}" && pwd)
rounds=${2:-1}
work=$(mktemp -d /tmp/shc-bench-statesync-XXXXXX)
# shellcheck source=tools/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
base=29700
require_free_ports $base 30

"$S" testnet --validators 1 --followers 2 --output "$work/net" --base-port $base >/dev/null
v="$work/net/node0"
synced="$work/net/node1"
replayed="$work/net/node2"

head_of() { "$S" status --node "http://127.0.0.1:$1" 2>/dev/null | awk '/head height/ {print $3}'; }
wait_height() { # port height
  while true; do
    h=$(head_of "$1")
    [ -n "$h" ] && [ "$h" -ge "$2" ] && return 0
    sleep 0.2
  done
}

echo "== 1. a chain: one validator, $rounds x 100,000 accounts created by transfers"
# The load generator funds all its accounts from one key: the per-sender mempool cap must let 100,000 wait.
SHC_MEMPOOL_MAX_TXS_PER_SENDER=200000 "$S" start --home "$v" >"$work/validator.log" 2>&1 &
pids+=($!)
wait_port $base
built=$(date +%s.%N)
for r in $(seq 1 "$rounds"); do
  # What counts is the funding (each account created by a committed transfer; "funded" is printed once the last is
  # committed); the short load after it is incidental, so its failure does not stop the benchmark.
  "$L" --node "http://127.0.0.1:$base" --key "$work/net/operator_key.json" --accounts 100000 --duration 1 --warmup 0 --tps 100 | grep -E '^funded' || true
done
awk -v a="$built" -v b="$(date +%s.%N)" 'BEGIN { printf "built in %.0f s\n", b - a }'
sleep 3
stop_all

echo "== 2. snapshot of the stopped validator, and the block archive of the same chain"
"$S" snapshot create --home "$v" | grep -v '^writing'
"$S" blocks export --home "$v" "$work/blocks.shc" | tail -n 1
snap=$(ls "$v/data/snapshots/"*.shcsnap)
height=$(basename "$snap" .shcsnap | grep -o '[0-9]*$')

echo "== 3. state sync: a new node from the validator's snapshot of height $height"
"$S" start --home "$v" >"$work/validator2.log" 2>&1 &
pids+=($!)
wait_port $base
target=$(head_of $base)
started=$(date +%s.%N)
"$S" start --home "$synced" --state-sync >"$work/synced.log" 2>&1 &
pids+=($!)
# The node opens its ports once the state is restored: minutes at a million accounts.
until grep -qs '^state sync: restored\|^state sync: no usable' "$work/synced.log"; do
  kill -0 "${pids[-1]}" 2>/dev/null || { echo "the state-syncing node exited:" >&2; tail -n 40 "$work/synced.log" >&2; exit 1; }
  sleep 0.5
done
# After the restore the node opens the new store (its checks read a sample of a million accounts) before its ports.
wait_port $((base + 10)) 600 "$work/synced.log"
wait_height $((base + 10)) "$target"
awk -v a="$started" -v b="$(date +%s.%N)" -v n="$target" \
  'BEGIN { printf "state-synced node reached height %d in %.1f s (including its start)\n", n, b - a }'
grep '^state sync: restored' "$work/synced.log"

echo "== 4. block sync from genesis: a new node replaying every block to height $target"
started=$(date +%s.%N)
"$S" start --home "$replayed" >"$work/replayed.log" 2>&1 &
pids+=($!)
wait_port $((base + 20)) 120 "$work/replayed.log"
wait_height $((base + 20)) "$target"
awk -v a="$started" -v b="$(date +%s.%N)" -v n="$target" \
  'BEGIN { printf "block-synced node reached height %d in %.1f s (including its start)\n", n, b - a }'
stop_all
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
