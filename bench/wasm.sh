#!/usr/bin/env bash
# WebAssembly engine vs native: builds the five workloads of bench/wasm/workloads
# natively (gcc -O2) and to wasm32 (clang-19 -O2, linked without wasm-opt), runs each
# in-process (the `run` call only; best of RUNS, as the machine is shared), and prints
# time relative to native per workload and the geometric mean (docs/benchmarks.md).
# Usage: bench/wasm.sh [build-dir]   (RUNS=3 by default)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-build/release}"
[[ $build_dir = /* ]] || build_dir="$root/$build_dir"
runs="${RUNS:-3}"
runner="$build_dir/bench/wasm/wasm_workload"
src="$root/bench/wasm/workloads"
out="$build_dir/bench/wasm/out"
if [[ ! -x $runner ]]; then echo "wasm.sh: $runner not built (cmake --build $build_dir --target wasm_workload)"; exit 0; fi
for tool in gcc clang-19 wasm-ld-19; do
  command -v "$tool" >/dev/null || { echo "wasm.sh: $tool not installed; skipping"; exit 0; }
done
mkdir -p "$out"

best() { sort -n | head -1; }

printf '| workload | native ms | wasm ms | ratio | compile+instantiate ms |\n|---|---|---|---|---|\n'
logsum=0
n=0
for w in fib matmul sha256 strproc coremark; do
  gcc -O2 -o "$out/$w.native" "$src/$w.c"
  # Compile and link separately: with binaryen installed, a one-step clang -O2 link
  # silently runs wasm-opt on the output.
  clang-19 --target=wasm32-wasi -O2 -nostdlibinc -isystem /usr/include/wasm32-wasi -c -o "$out/$w.o" "$src/$w.c"
  wasm-ld-19 --no-entry --export=run -o "$out/$w.wasm" "$out/$w.o"
  native_ms=$(for _ in $(seq "$runs"); do "$out/$w.native" | awk '{print $2}'; done | best)
  wasm_out=$(for _ in $(seq "$runs"); do "$runner" "$out/$w.wasm"; done)
  wasm_ms=$(awk '{print $2}' <<<"$wasm_out" | best)
  setup_ms=$(awk '{print $3}' <<<"$wasm_out" | best)
  native_res=$("$out/$w.native" | awk '{print $1}')
  wasm_res=$(head -1 <<<"$wasm_out" | awk '{print $1}')
  [[ $native_res == "$wasm_res" ]] || { echo "wasm.sh: $w result differs: native $native_res, wasm $wasm_res"; exit 1; }
  ratio=$(awk -v a="$wasm_ms" -v b="$native_ms" 'BEGIN {printf "%.1f", a / b}')
  logsum=$(awk -v s="$logsum" -v a="$wasm_ms" -v b="$native_ms" 'BEGIN {printf "%.6f", s + log(a / b)}')
  n=$((n + 1))
  printf '| %s | %.1f | %.1f | %sx | %.2f |\n' "$w" "$native_ms" "$wasm_ms" "$ratio" "$setup_ms"
done
awk -v s="$logsum" -v n="$n" 'BEGIN {printf "| **geomean** | | | **%.1fx** | |\n", exp(s / n)}'
