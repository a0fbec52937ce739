#!/usr/bin/env bash
# Cost of the sandbox's limits on the engine's five workloads (bench/wasm/workloads):
# each is run through the run API unmetered, fuel-metered, with a wall-clock limit
# armed, with both, and unmetered without the engine's interruption checks
# (EngineConfig::interruptible off: below 1.00x is what the checks cost); prints time
# relative to the unmetered run (best of RUNS) and the fuel each workload consumes
# (docs/benchmarks.md, "Sandbox").
# Usage: bench/wasi.sh [build-dir]   (RUNS=3 by default)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-build/release}"
[[ $build_dir = /* ]] || build_dir="$root/$build_dir"
runs="${RUNS:-3}"
runner="$build_dir/bench/wasi/wasi_overhead"
src="$root/bench/wasm/workloads"
out="$build_dir/bench/wasi/out"
if [[ ! -x $runner ]]; then echo "wasi.sh: $runner not built (cmake --build $build_dir --target wasi_overhead)"; exit 0; fi
for tool in clang-19 wasm-ld-19; do
  command -v "$tool" >/dev/null || { echo "wasi.sh: $tool not installed; skipping"; exit 0; }
done
mkdir -p "$out"

printf '| workload | plain ms | fuel | time limit | fuel + time limit | no interrupt checks | fuel units |\n|---|---|---|---|---|---|---|\n'
declare -A logsum=([fuel]=0 [time]=0 [both]=0 [nocheck]=0)
n=0
for w in fib matmul sha256 strproc coremark; do
  clang-19 --target=wasm32-wasi -O2 -nostdlibinc -isystem /usr/include/wasm32-wasi -c -o "$out/$w.o" "$src/$w.c"
  wasm-ld-19 --no-entry --export=run -o "$out/$w.wasm" "$out/$w.o"
  res=$("$runner" "$out/$w.wasm" "$runs")
  ms() { awk -v m="$1" '$1 == m {print $2}' <<<"$res"; }
  plain=$(ms plain)
  row="| $w | $plain"
  for m in fuel time both nocheck; do
    r=$(awk -v a="$(ms "$m")" -v b="$plain" 'BEGIN {printf "%.2f", a / b}')
    logsum[$m]=$(awk -v s="${logsum[$m]}" -v r="$r" 'BEGIN {printf "%.6f", s + log(r)}')
    row="$row | ${r}x"
  done
  fuel=$(awk '$1 == "fuel" {print $3}' <<<"$res")
  echo "$row | $fuel |"
  n=$((n + 1))
done
g() { awk -v s="${logsum[$1]}" -v n="$n" 'BEGIN {printf "%.2fx", exp(s / n)}'; }
echo "| **geomean** | | **$(g fuel)** | **$(g time)** | **$(g both)** | **$(g nocheck)** | |"
