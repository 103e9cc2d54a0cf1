#!/usr/bin/env bash
# The node-level figures of docs/benchmarks.md for one checkout, in one command, so that two builds (before and after a
# change) can be measured back to back on the same machine:
#   single validator saturated, four validators saturated, idle single-transfer latency, state-disk at 100,000 accounts.
# Usage: tools/bench-node.sh [REPO_DIR] [--quick]   (REPO_DIR defaults to this checkout; builds it in Release first)
# Everything runs on 127.0.0.1 under a fresh temp dir; every process started here is stopped at the end.
set -euo pipefail
repo=$(cd "${1:-$(dirname "$0")/..}" && pwd)
quick=${2:-}
long=30; [ "$quick" = --quick ] && long=15
work=$(mktemp -d /tmp/shc-bench-XXXXXX)
# shellcheck source=tools/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"

echo "== single validator, saturated (25,000/s offered, 1,000 accounts, ${long} s)"
"$S" devnet --validators 1 --home "$work/one" --base-port 27300 >"$work/one.log" 2>&1 &
pids+=($!)
wait_port 27300
"$L" --node http://127.0.0.1:27300 --key "$work/one/operator_key.json" --accounts 1000 --duration "$long" --warmup 5 --tps 25000 | tail -n 4
stop_all

echo "== four validators, saturated (5,000/s offered, 2,000 accounts, ${long} s)"
"$S" testnet --validators 4 --output "$work/four" --base-port 29000 >/dev/null
for i in 0 1 2 3; do
  "$S" start --home "$work/four/node$i" >"$work/four$i.log" 2>&1 &
  pids+=($!)
done
for i in 0 1 2 3; do wait_port $((29000 + 10 * i)); done
"$L" --node http://127.0.0.1:29000 --key "$work/four/operator_key.json" --accounts 2000 --duration "$long" --warmup 5 --tps 5000 | tail -n 4
echo "== four validators, idle: one transfer at a time (20 s)"
"$L" --node http://127.0.0.1:29000 --key "$work/four/operator_key.json" --accounts 20 --duration 20 --warmup 2 --tps 2 --batch 1 --streams 1 | tail -n 4
stop_all

echo "== state-disk, 100,000 accounts"
dotnet run -c Release --project "$repo/bench/Benchmarks" -- state-disk 100000 --update-blocks 10 2>&1 | tail -n 12
