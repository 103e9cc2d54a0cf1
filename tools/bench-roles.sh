#!/usr/bin/env bash
# What enforcing roles costs (issue 15): the same build, in one sitting, on a chain whose genesis names a consortium
# (every transaction checked against the transaction policy and the deployer role, at admission and in execution)
# and on the same chain with the consortium taken out of genesis (no governance, no checks).
#   single validator saturated (25,000/s offered) and four validators saturated (5,000/s offered), each both ways.
# Usage: tools/bench-roles.sh [REPO_DIR] [SECONDS]   (REPO_DIR defaults to this checkout; builds it in Release first)
set -euo pipefail
repo=$(cd "${1:-$(dirname "$0")/..}" && pwd)
long=${2:-20}
work=$(mktemp -d /tmp/shc-bench-roles-XXXXXX)
# shellcheck source=tools/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"

# Takes the consortium (and the validators' and nodes' member fields) out of every genesis.json under $1.
open_chain() {
  find "$1" -name genesis.json | while read -r g; do
    python3 - "$g" <<'PY'
import json, sys
path = sys.argv[1]
genesis = json.load(open(path))
genesis.pop("consortium", None)
for entry in genesis.get("validators", []) + genesis.get("nodes", []):
    entry.pop("member", None)
json.dump(genesis, open(path, "w"), indent=2)
PY
  done
}

for mode in roles open; do
  echo "== single validator, $mode chain, saturated (25,000/s offered, 1,000 accounts, ${long} s)"
  "$S" testnet --validators 1 --output "$work/one-$mode" --base-port 27300 >/dev/null
  [ "$mode" = open ] && open_chain "$work/one-$mode"
  "$S" start --home "$work/one-$mode/node0" >"$work/one-$mode.log" 2>&1 &
  pids+=($!)
  wait_port 27300
  "$L" --node http://127.0.0.1:27300 --key "$work/one-$mode/operator_key.json" --accounts 1000 --duration "$long" --warmup 5 --tps 25000 | tail -n 4
  stop_all
done

for mode in roles open; do
  echo "== four validators, $mode chain, saturated (5,000/s offered, 2,000 accounts, ${long} s)"
  "$S" testnet --validators 4 --output "$work/four-$mode" --base-port 29000 >/dev/null
  [ "$mode" = open ] && open_chain "$work/four-$mode"
  for i in 0 1 2 3; do
    "$S" start --home "$work/four-$mode/node$i" >"$work/four-$mode$i.log" 2>&1 &
    pids+=($!)
  done
  for i in 0 1 2 3; do wait_port $((29000 + 10 * i)); done
  "$L" --node http://127.0.0.1:29000 --key "$work/four-$mode/operator_key.json" --accounts 2000 --duration "$long" --warmup 5 --tps 5000 | tail -n 4
  stop_all
done
