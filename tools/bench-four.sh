#!/usr/bin/env bash
# Four validators against the one-at-a-time bound, in one sitting (issue 17):
#   V      = single Ed25519 verifications per second per core (`ed25519-speed`: the faster of libsodium's and the node's),
#   bound  = cores × V / 4 (each of four validators on this box checks every signature once, one at a time),
#   then four validators saturated with the load generator, the committed TPS and its ratio to the bound, the
#   submit-to-commit latency at 80 % of the bound, and the idle latency (one transfer at a time).
# Usage: tools/bench-four.sh [REPO_DIR] [--quick]   (REPO_DIR defaults to this checkout; builds it in Release first)
# Everything runs on 127.0.0.1 under a fresh temp dir; every process started here is stopped at the end.
set -euo pipefail
repo=$(cd "${1:-$(dirname "$0")/..}" && pwd)
quick=${2:-}
long=60; speed=3
[ "$quick" = --quick ] && { long=20; speed=1; }
work=$(mktemp -d /tmp/shc-four-XXXXXX)
# shellcheck source=tools/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
cores=$(nproc)
echo "== machine: $cores cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== V: single verifications per core per second (ed25519-speed $speed)"
dotnet build -c Release "$repo/bench/Benchmarks" -v q -nologo >/dev/null
dotnet "$repo/bench/Benchmarks/bin/Release/net10.0/ShanghaiChain.Benchmarks.dll" ed25519-speed "$speed" | tee "$work/speed.txt" | grep -E '^\||^target'
v=$(sed -n 's/^V=\([0-9]*\).*/\1/p' "$work/speed.txt")
bound=$(( cores * v / 4 ))
echo "V = $v/s per core; one-at-a-time bound = $cores × V / 4 = $bound TPS"

"$S" testnet --validators 4 --output "$work/four" --base-port 29000 >/dev/null
for i in 0 1 2 3; do
  "$S" start --home "$work/four/node$i" >"$work/four$i.log" 2>&1 &
  pids+=($!)
done
for i in 0 1 2 3; do wait_port $((29000 + 10 * i)); done
run() { "$L" --node http://127.0.0.1:29000 --key "$work/four/operator_key.json" "$@" | tail -n 3 | tee -a "$work/runs.txt"; }

offered=$(( bound * 2 ))
echo "== four validators, saturated ($offered/s offered, 2,000 accounts, ${long} s)"
run --accounts 2000 --duration "$long" --warmup 5 --tps "$offered" | tee "$work/saturated.txt"
tps=$(sed -n 's/^sustained committed TPS over .*: \([0-9]*\)$/\1/p' "$work/saturated.txt")

eighty=$(( bound * 8 / 10 ))
echo "== four validators at 80 % of the bound ($eighty/s offered, 2,000 accounts, ${long} s)"
run --accounts 2000 --duration "$long" --warmup 5 --tps "$eighty"
echo "== four validators, idle: one transfer at a time (20 s)"
run --accounts 20 --duration 20 --warmup 2 --tps 2 --batch 1 --streams 1
stop_all

echo
echo "V = $v/s per core   bound = $cores × V / 4 = $bound TPS   four validators saturated: $tps TPS   ratio $(awk -v t="$tps" -v b="$bound" 'BEGIN { printf "%.2f", t / b }')"
