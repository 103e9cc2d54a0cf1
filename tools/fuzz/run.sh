#!/usr/bin/env bash
# Fuzzes one target with AFL++ through SharpFuzz: tools/fuzz/run.sh <target> [minutes] (default 10).
# Publishes the harness, instruments the project's assemblies (and the parsers they decode with) once per build,
# runs afl-fuzz at nice 19 from the committed seed corpus, then copies any crash or hang into
# tools/fuzz/findings/<target>/ and prints the run's figures. State lives in tools/fuzz/out/ (not committed).
# Needs: afl++ (Debian package `afl++`), the SharpFuzz.CommandLine tool (restored from .config/dotnet-tools.json).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:?usage: run.sh <target> [minutes]}"
minutes="${2:-10}"
out="$here/out"
bin="$out/bin"

command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install afl++" >&2; exit 1; }
[ -d "$here/corpus/$target" ] || { echo "no corpus for target '$target' (tools/fuzz/corpus/)" >&2; exit 1; }

# Build and instrument only when the sources changed since the last instrumented build (FUZZ_REUSE_BUILD=1 keeps the
# existing one, e.g. while a series of runs goes on and the sources are being edited).
stamp="$out/instrumented.stamp"
newest=$(find "$here/ShanghaiChain.Fuzz" "$here/../../src" -name '*.cs' -newer "$stamp" -print -quit 2>/dev/null || true)
if [ ! -f "$stamp" ] || { [ -n "$newest" ] && [ "${FUZZ_REUSE_BUILD:-0}" != 1 ]; }; then
  rm -rf "$bin"
  (cd "$here" && dotnet tool restore >/dev/null)
  dotnet publish "$here/ShanghaiChain.Fuzz/ShanghaiChain.Fuzz.csproj" -c Release -o "$bin" -v quiet -nologo
  for dll in "$bin"/ShanghaiChain.*.dll "$bin"/shanghaichain.dll "$bin"/Google.Protobuf.dll "$bin"/Tomlyn.dll; do
    case "$(basename "$dll")" in ShanghaiChain.Fuzz.dll) continue ;; esac
    (cd "$here" && dotnet sharpfuzz "$dll" >/dev/null)
  done
  touch "$stamp"
fi

findings="$out/afl/$target"
rm -rf "$findings"
mkdir -p "$findings"
# No TTY here, and the machine is shared: no UI, no core pinning, no system tuning checks.
export AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export DOTNET_TieredPGO=0 DOTNET_TC_QuickJitForLoops=1
dict=()
[ -f "$here/dict/$target.dict" ] && dict=(-x "$here/dict/$target.dict")
nice -n 19 afl-fuzz -i "$here/corpus/$target" -o "$findings" "${dict[@]}" -t 5000 -m none -V $((minutes * 60)) \
  -- dotnet "$bin/ShanghaiChain.Fuzz.dll" fuzz "$target" > "$out/afl-$target.log" 2>&1 || {
    echo "afl-fuzz failed; its log: $out/afl-$target.log" >&2; tail -20 "$out/afl-$target.log" >&2; exit 1; }

stats="$findings/default/fuzzer_stats"
kept=0
for kind in crashes hangs; do
  for input in "$findings"/default/$kind/id:*; do
    [ -e "$input" ] || continue
    mkdir -p "$here/findings/$target"
    name="$kind-$(sha256sum "$input" | cut -c1-16)"
    cp "$input" "$here/findings/$target/$name"
    kept=$((kept + 1))
  done
done
field() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
printf '%s: %s min, %s execs (%s/s), %s corpus entries, edges %s of map (%s), %s crashes, %s hangs; %s inputs kept in tools/fuzz/findings/%s\n' \
  "$target" "$minutes" "$(field execs_done)" "$(field execs_per_sec)" "$(field corpus_count)" "$(field edges_found)" "$(field bitmap_cvg)" \
  "$(field saved_crashes)" "$(field saved_hangs)" "$kept" "$target" | tee -a "$out/runs.log"
