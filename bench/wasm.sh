#!/usr/bin/env bash
# WebAssembly engine vs native: builds the five workloads of bench/wasm/workloads
# natively (gcc -O2) and to wasm32 (clang-19 -O2, linked without wasm-opt), runs each
# in-process (the `run` call only; best of RUNS, as the machine is shared) on the
# interpreter and on the native tier (src/aot: the module emitted as C, built by gcc -O2),
# and prints time relative to native per workload and the geometric means
# (docs/benchmarks.md). Native, interpreter and native tier runs are interleaved.
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

printf '| workload | native ms | interpreter ms | ratio | native tier ms | ratio | C compile ms | wasm KB |\n|---|---|---|---|---|---|---|---|\n'
logsum=0
logsum_aot=0
n=0
for w in fib matmul sha256 strproc coremark; do
  gcc -O2 -o "$out/$w.native" "$src/$w.c"
  # Compile and link separately: with binaryen installed, a one-step clang -O2 link
  # silently runs wasm-opt on the output.
  clang-19 --target=wasm32-wasi -O2 -nostdlibinc -isystem /usr/include/wasm32-wasi -c -o "$out/$w.o" "$src/$w.c"
  wasm-ld-19 --no-entry --export=run -o "$out/$w.wasm" "$out/$w.o"
  native_out="" wasm_out="" aot_out=""
  for _ in $(seq "$runs"); do
    native_out+="$("$out/$w.native")"$'\n'
    wasm_out+="$("$runner" "$out/$w.wasm")"$'\n'
    aot_out+="$("$runner" "$out/$w.wasm" --native)"$'\n'
  done
  native_ms=$(awk 'NF {print $2}' <<<"$native_out" | best)
  wasm_ms=$(awk 'NF {print $2}' <<<"$wasm_out" | best)
  aot_ms=$(awk 'NF {print $2}' <<<"$aot_out" | best)
  cc_ms=$(awk 'NF {print $4}' <<<"$aot_out" | best)
  native_res=$(head -1 <<<"$native_out" | awk '{print $1}')
  for res in "$(head -1 <<<"$wasm_out" | awk '{print $1}')" "$(head -1 <<<"$aot_out" | awk '{print $1}')"; do
    [[ $native_res == "$res" ]] || { echo "wasm.sh: $w result differs: native $native_res, wasm $res"; exit 1; }
  done
  ratio=$(awk -v a="$wasm_ms" -v b="$native_ms" 'BEGIN {printf "%.1f", a / b}')
  ratio_aot=$(awk -v a="$aot_ms" -v b="$native_ms" 'BEGIN {printf "%.2f", a / b}')
  logsum=$(awk -v s="$logsum" -v a="$wasm_ms" -v b="$native_ms" 'BEGIN {printf "%.6f", s + log(a / b)}')
  logsum_aot=$(awk -v s="$logsum_aot" -v a="$aot_ms" -v b="$native_ms" 'BEGIN {printf "%.6f", s + log(a / b)}')
  n=$((n + 1))
  kb=$(( $(stat -c %s "$out/$w.wasm") / 1024 ))
  printf '| %s | %.1f | %.1f | %sx | %.1f | %sx | %.0f | %s |\n' "$w" "$native_ms" "$wasm_ms" "$ratio" "$aot_ms" "$ratio_aot" "$cc_ms" "$kb"
done
awk -v s="$logsum" -v t="$logsum_aot" -v n="$n" 'BEGIN {printf "| **geomean** | | | **%.1fx** | | **%.2fx** | | |\n", exp(s / n), exp(t / n)}'
