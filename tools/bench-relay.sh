#!/usr/bin/env bash
# The cross-chain relay figures of docs/benchmarks.md ("Cross-chain relay"): two single-validator chains on this machine
# (shanghai on sm2-sm3, hongkong on ed25519-sha256), each with a light client of the other created by its committee,
# one relayer process (`shanghaichain relay start`) between them, and bench/RelayBench as the application: the send →
# acknowledgement round trip (p50, p99; one packet at a time) and the sustained relayed packet rate, light-client
# verification and proofs on (every packet is proven by a Merkle proof against a header the client verified).
# Usage: tools/bench-relay.sh [REPO_DIR] [--quick]   (REPO_DIR defaults to this checkout; builds it in Release first)
# Everything runs on 127.0.0.1 under a fresh temp dir; every process started here is stopped at the end.
set -euo pipefail
repo=$(cd "${1:-$(dirname "$0")/..}" && pwd)
quick=${2:-}
latency=30; packets=5000
[ "$quick" = --quick ] && latency=10 && packets=1000
work=$(mktemp -d /tmp/shc-bench-relay-XXXXXX)
# shellcheck source=tools/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
dotnet build -c Release "$repo/bench/RelayBench" -v q -nologo >/dev/null
R="$repo/bench/RelayBench/bin/Release/net10.0/shanghaichain-relaybench"
interval=${SHC_BENCH_EMPTY_BLOCK_MS:-50}

# Two chains, empty blocks every $interval ms (a block still comes at once when transactions wait).
"$S" init --home "$work/sh" --chain-id shanghai --crypto sm2-sm3 --api-listen 127.0.0.1:27500 --p2p-listen "" --metrics-listen "" >/dev/null
"$S" init --home "$work/hk" --chain-id hongkong --crypto ed25519-sha256 --api-listen 127.0.0.1:27510 --p2p-listen "" --metrics-listen "" >/dev/null
for home in sh hk; do
  python3 - "$work/$home/config/genesis.json" "$interval" <<'PY'
import json, sys
path, interval = sys.argv[1], int(sys.argv[2])
genesis = json.load(open(path))
genesis["parameters"]["empty_block_interval_ms"] = interval
json.dump(genesis, open(path, "w"), indent=2)
PY
  "$S" start --home "$work/$home" >"$work/$home.log" 2>&1 &
  pids+=($!)
done
wait_port 27500
wait_port 27510

echo "== light clients, decided by each committee (relay propose-client)"
"$S" relay propose-client --node http://127.0.0.1:27500 --counterparty http://127.0.0.1:27510 --client-id hongkong-client \
  --key "$work/sh/config/operator_key.json" --gas-limit 5000000 | grep -E "counterparty|status"
"$S" relay propose-client --node http://127.0.0.1:27510 --counterparty http://127.0.0.1:27500 --client-id shanghai-client \
  --key "$work/hk/config/operator_key.json" --gas-limit 5000000 | grep -E "counterparty|status"

"$S" keys new --crypto sm2-sm3 --out "$work/relayer-sh.json" >/dev/null
"$S" keys new --crypto ed25519-sha256 --out "$work/relayer-hk.json" >/dev/null
cat >"$work/relay.toml" <<TOML
state_dir = "relayer-state"
metrics_listen = "127.0.0.1:27520"
poll_interval_ms = 10
max_batch = ${SHC_BENCH_MAX_BATCH:-2000}
gas_per_message = 300000
max_tx_gas = 45000000
max_tx_bytes = 120000

[[chains]]
id = "shanghai"
node = "http://127.0.0.1:27500"
key = "relayer-sh.json"

[[chains]]
id = "hongkong"
node = "http://127.0.0.1:27510"
key = "relayer-hk.json"

[[paths]]
a = "shanghai"
b = "hongkong"
a_client = "hongkong-client"
b_client = "shanghai-client"
TOML
"$S" relay start --config "$work/relay.toml" >"$work/relayer.log" 2>&1 &
pids+=($!)

echo "== round trip (${latency} s, one packet at a time) and sustained (${packets} packets), shanghai → hongkong and back"
"$R" http://127.0.0.1:27500 "$work/sh/config/operator_key.json" http://127.0.0.1:27510 "$work/hk/config/operator_key.json" \
  hongkong-client "$repo/contracts/build/CrossChainPing.json" "$latency" "$packets" || { echo "-- relayer log:"; tail -n 20 "$work/relayer.log"; exit 1; }
"$S" relay status --config "$work/relay.toml"
curl -s http://127.0.0.1:27520/metrics | grep -E "^shanghaichain_relayer_(batches|batch_messages|failures)" || true
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
