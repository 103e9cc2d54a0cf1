# Shared by the node benchmarks (tools/bench-node.sh, tools/bench-roles.sh); source it after setting `repo` and `work`.
# Builds the node and the load generator in Release and sets S (node) and L (load generator); tracks started processes
# in `pids`, stopped by stop_all and, with the temp dir removed, on exit.
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "== building $repo ($(git -C "$repo" rev-parse --short HEAD))"
dotnet build -c Release "$repo/src/Node" -v q -nologo >/dev/null
dotnet build -c Release "$repo/bench/LoadGen" -v q -nologo >/dev/null
S="$repo/src/Node/bin/Release/net10.0/shanghaichain"
L="$repo/bench/LoadGen/bin/Release/net10.0/shanghaichain-loadgen"

wait_port() { # port [seconds, default 60] [log to show if it never opens]
  local tries=$(( ${2:-60} * 5 ))
  for _ in $(seq 1 "$tries"); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "port $1 never opened" >&2
  [ -n "${3:-}" ] && tail -n 40 "$3" >&2
  return 1
}

# Refuses to start when a port the benchmark uses is taken (a node left from an interrupted run would answer instead).
require_free_ports() { # first-port count
  for p in $(seq "$1" $(( $1 + $2 - 1 ))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "port $p is in use (a node left from an earlier run?); stop it first" >&2
      exit 1
    fi
  done
}

stop_all() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
  pids=()
}
