#!/usr/bin/env bash
# Large real-world C programs under the interpreter, built the way a new user would build
# them: each upstream program plus a small driver of ours (bench/large/) compiled natively
# (gcc -O2) and to wasm32-wasi (clang-19 -O2 against wasi-libc, linked without wasm-opt),
# run as whole processes (best of RUNS, the machine is shared), the outputs compared, and
# a markdown table printed (docs/benchmarks.md, "Large programs"):
#   sqlite  SQLite (amalgamation from the better-sqlite3 npm package), in-memory workload
#   lua     Lua 5.4.4 (Debian's source package), bench/large/bench.lua
#   zlib    zlib 1.2.13 (Debian's source package), deflate levels 1/6/9 and inflate
# Columns: `wavs run` (fuel-metered, as always), and large_run --no-fuel, the same run
# without the fuel pass (`wavs run` has no switch for that); prepare = fuel pass + compile
# of the module, in-process. scripts/setup fetches the pinned sources; a program whose
# sources are missing is skipped, as is everything without the compilers or wavs.
# Outputs are cached under build-dir/bench/large/out and rebuilt when an input changes.
# Usage: bench/large.sh [build-dir]   (RUNS=3 by default; ONLY="lua zlib" picks programs)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-build/release}"
[[ $build_dir = /* ]] || build_dir="$root/$build_dir"
runs="${RUNS:-3}"
wavs="$build_dir/apps/wavs/wavs"
runner="$build_dir/bench/large/large_run"
here="$root/bench/large"
out="$build_dir/bench/large/out"
sources="$root/.cache/bench-sources"
sysroot=/usr/include/wasm32-wasi

skip() {
  echo "large.sh: $*; skipping"
  exit 0
}
[[ -x $wavs ]] || skip "$wavs not built (cmake --build $build_dir --target wavs)"
[[ -x $runner ]] || skip "$runner not built (cmake --build $build_dir --target large_run)"
for tool in gcc clang-19 wasm-ld-19 sha256sum; do
  command -v "$tool" >/dev/null || skip "$tool not installed"
done
[[ -f $sysroot/stdio.h && -f /usr/lib/wasm32-wasi/libc.a ]] || skip "wasi-libc not installed"

# One program: its source directory, upstream files (relative to it), our driver, flags
# for both targets and for each, extra libraries, and a version string for the table.
define() {
  name=$1
  src_dir=""
  files=()
  driver="$here/${name}_bench.c"
  cflags=()
  native_flags=()
  wasm_flags=()
  native_libs=()
  wasm_libs=()
  extra_inputs=()
  version=""
  case $name in
    sqlite)
      src_dir="$root/node_modules/better-sqlite3/deps/sqlite3"
      files=(sqlite3.c)
      # No extension loading or threads in WASI; temporary tables (the index sorter)
      # stay in memory, as the guest has no directory to put files in.
      cflags=(-DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_THREADSAFE=0 -DSQLITE_TEMP_STORE=3)
      native_libs=(-lm)
      [[ -f $src_dir/sqlite3.c ]] &&
        version="SQLite $(sed -n 's/^#define SQLITE_VERSION  *"\(.*\)"/\1/p' "$src_dir/sqlite3.h")"
      ;;
    lua)
      src_dir="$sources/lua-5.4.4/src"
      files=(lapi.c lcode.c lctype.c ldebug.c ldo.c ldump.c lfunc.c lgc.c llex.c lmem.c lobject.c
        lopcodes.c lparser.c lstate.c lstring.c ltable.c ltm.c lundump.c lvm.c lzio.c lauxlib.c
        lbaselib.c lstrlib.c ltablib.c lmathlib.c)
      cflags=(-include "$here/lua_config.h" -I"$out/lua")
      # lstate.h takes sig_atomic_t from <signal.h>, which wasi-libc hides behind this switch.
      wasm_flags=(-D_WASI_EMULATED_SIGNAL -I"$here/wasi-include")
      native_libs=(-lm)
      extra_inputs=("$here/lua_config.h" "$here/wasi-include/setjmp.h" "$here/bench.lua")
      version="Lua 5.4.4"
      ;;
    zlib)
      src_dir="$sources/zlib-1.2.13.dfsg"
      files=(adler32.c compress.c crc32.c deflate.c inffast.c inflate.c inftrees.c trees.c uncompr.c zutil.c)
      version="zlib 1.2.13"
      ;;
  esac
}

# Hash of everything a build depends on: sources, driver, flags, compilers.
build_key() {
  {
    (cd "$src_dir" && sha256sum "${files[@]}")
    sha256sum "$driver" "${extra_inputs[@]}"
    echo "${cflags[*]} | ${native_flags[*]} | ${wasm_flags[*]} | ${native_libs[*]} | ${wasm_libs[*]}"
    gcc --version | head -1
    clang-19 --version | head -1
  } | sha256sum | cut -d' ' -f1
}

# compile TARGET: objects into $dir/TARGET, then the linked program. Upstream files are
# compiled with -w: their warnings are not this project's to fix.
compile() {
  local target=$1 obj_dir="$dir/$1" cc f
  local -a common
  rm -rf "$obj_dir"
  mkdir -p "$obj_dir"
  if [[ $target == native ]]; then
    cc=(gcc -O2)
    common=("${cflags[@]}" "${native_flags[@]}" -I"$src_dir")
  else
    cc=(clang-19 --target=wasm32-wasi -O2 -nostdlibinc -isystem "$sysroot")
    common=("${cflags[@]}" "${wasm_flags[@]}" -I"$src_dir")
  fi
  for f in "${files[@]}"; do
    "${cc[@]}" -w "${common[@]}" -c "$src_dir/$f" -o "$obj_dir/${f%.c}.o"
  done
  "${cc[@]}" -Wall -Wextra "${common[@]}" -c "$driver" -o "$obj_dir/driver.o"
  if [[ $target == native ]]; then
    gcc -O2 -o "$dir/$name.native" "$obj_dir"/*.o "${native_libs[@]}"
  else
    # No -O at the link: Debian's clang would run wasm-opt on the module.
    clang-19 --target=wasm32-wasi -o "$dir/$name.wasm" "$obj_dir"/*.o "${wasm_libs[@]}"
  fi
}

build() {
  dir="$out/$name"
  mkdir -p "$dir"
  local key
  if [[ $name == lua ]]; then
    # bench.lua as the body of a C string literal, one line per source line.
    sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$/\\n"/' "$here/bench.lua" >"$dir/bench_lua.inc.new"
    cmp -s "$dir/bench_lua.inc.new" "$dir/bench_lua.inc" || mv "$dir/bench_lua.inc.new" "$dir/bench_lua.inc"
    rm -f "$dir/bench_lua.inc.new"
  fi
  key=$(build_key)
  if [[ -f $dir/key && $(cat "$dir/key") == "$key" && -x $dir/$name.native && -f $dir/$name.wasm ]]; then
    return 0
  fi
  echo "large.sh: building $name (native and wasm32-wasi)" >&2
  rm -f "$dir/key"
  # The two targets in parallel: the machine has two cores.
  compile native >"$dir/native.log" 2>&1 &
  local native_pid=$!
  local wasm_ok=0 native_ok=0
  compile wasm >"$dir/wasm.log" 2>&1 || wasm_ok=$?
  wait "$native_pid" || native_ok=$?
  if ((native_ok || wasm_ok)); then
    echo "large.sh: $name failed to build:" >&2
    cat "$dir/native.log" "$dir/wasm.log" >&2
    exit 1
  fi
  echo "$key" >"$dir/key"
}

# time_ms OUT ERR CMD...: runs CMD once, stdout to OUT, stderr to ERR; prints wall ms.
time_ms() {
  local o=$1 e=$2 start end
  shift 2
  start=$(date +%s%N)
  if ! "$@" >"$o" 2>"$e"; then
    echo "large.sh: $name: '$*' failed:" >&2
    cat "$e" >&2
    exit 1
  fi
  end=$(date +%s%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", (b - a) / 1e6}'
}

best() { sort -n | head -1; }

programs="${ONLY:-sqlite lua zlib}"
mkdir -p "$out"
rm -f "$out/notes.txt.new"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); runs: best of $runs"
echo
printf '| program | wasm KB | native ms | interpreter ms | ratio | unmetered ms | ratio | prepare ms | native tier ms | ratio | C compile s |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for p in $programs; do
  define "$p"
  if [[ -z $src_dir || ! -d $src_dir ]] || ! (cd "$src_dir" && ls "${files[@]}" >/dev/null 2>&1); then
    echo "| $p | skipped: sources not found in ${src_dir:-?} (run scripts/setup) | | | | | | |"
    continue
  fi
  build
  native_ms=$(for _ in $(seq "$runs"); do time_ms "$dir/native.out" "$dir/native.err" "$dir/$name.native"; echo; done | best)
  wasm_ms=$(for _ in $(seq "$runs"); do time_ms "$dir/wasm.out" "$dir/wasm.err" "$wavs" run --tier interp --stats "$dir/$name.wasm"; echo; done | best)
  # The native tier: the first run compiles into a fresh cache (its extra time is the C
  # compile), the timed runs load from it.
  rm -rf "$dir/aot-cache"
  first_ms=$(time_ms "$dir/aot.out" "$dir/aot.err" "$wavs" run --tier aot --aot-cache "$dir/aot-cache" --stats "$dir/$name.wasm")
  aot_ms=$(for _ in $(seq "$runs"); do time_ms "$dir/aot.out" "$dir/aot.err" "$wavs" run --tier aot --aot-cache "$dir/aot-cache" --stats "$dir/$name.wasm"; echo; done | best)
  grep -q '"tier":"aot"' "$dir/aot.err" || { echo "large.sh: $name: the native tier did not run:" >&2; cat "$dir/aot.err" >&2; exit 1; }
  free_ms=$(for _ in $(seq "$runs"); do time_ms "$dir/free.out" "$dir/free.err" "$runner" --no-fuel "$dir/$name.wasm"; echo; done | best)
  prep_ms=$(for _ in $(seq "$runs"); do
    "$runner" --prepare-only "$dir/$name.wasm" 2>&1 | awk '/^large_run/ {print $3}'
  done | best)
  for mode in wasm free aot; do
    if ! cmp -s "$dir/native.out" "$dir/$mode.out"; then
      echo "large.sh: $name: output differs between native and $mode:" >&2
      diff "$dir/native.out" "$dir/$mode.out" >&2 || true
      exit 1
    fi
  done
  fuel=$(sed -n 's/.*"fuel_consumed":\([0-9]*\).*/\1/p' "$dir/wasm.err")
  kb=$(( $(stat -c %s "$dir/$name.wasm") / 1024 ))
  printf '| %s (%s) | %d | %.0f | %.0f | %.1fx | %.0f | %.1fx | %.0f | %.0f | %.2fx | %.1f |\n' "$p" "$version" "$kb" \
    "$native_ms" "$wasm_ms" "$(awk -v a="$wasm_ms" -v b="$native_ms" 'BEGIN {print a / b}')" "$free_ms" \
    "$(awk -v a="$free_ms" -v b="$native_ms" 'BEGIN {print a / b}')" "$prep_ms" "$aot_ms" \
    "$(awk -v a="$aot_ms" -v b="$native_ms" 'BEGIN {print a / b}')" \
    "$(awk -v a="$first_ms" -v b="$aot_ms" 'BEGIN {print (a - b) / 1000}')"
  echo "$p: $(tail -1 "$dir/native.out") (fuel units: ${fuel:-?})" >>"$out/notes.txt.new"
done
echo
[[ -f $out/notes.txt.new ]] && { cat "$out/notes.txt.new"; mv "$out/notes.txt.new" "$out/notes.txt"; }
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
