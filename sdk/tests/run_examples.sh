#!/bin/sh
# Runs the example components (built by `make -C examples`) under node:wasi with the
# JavaScript wavs_v1 model and checks their responses. Usage: run_examples.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
run="node --no-warnings $here/run_component.mjs"
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect NAME EXPECTED_SUBSTRING -- run args…
expect() {
  name=$1 want=$2
  shift 3
  out=$($run "$@" 2>"$tmp/stderr")
  case "$out" in
    *"$want"*) echo "ok   $name" ;;
    *) echo "FAIL $name: wanted $want"; echo "  got: $out"; sed 's/^/  stderr: /' "$tmp/stderr"; fails=$((fails + 1)) ;;
  esac
}

seven=0x0000000000000000000000000000000000000000000000000000000000000007
for echo in echo-c echo-rust; do
  expect $echo '"payload":"0xdeadbeef"' -- --raw 0xdeadbeef "$build/$echo.wasm"
done
expect echo-c/block_interval '"responses":[]' -- --input "$here/triggers/block_interval.json" "$build/echo-c.wasm"
expect echo-rust/evm_log '"payload":"0x000000000000000000000000000000000000000000000000000000000000002a"' -- \
  --input "$here/triggers/evm_contract_event.json" "$build/echo-rust.wasm"
expect square-c '"payload":"0x0000000000000000000000000000000000000000000000000000000000000031"' -- --raw $seven "$build/square-c.wasm"
expect square-c/u64max '"payload":"0x00000000000000000000000000000000fffffffffffffffe0000000000000001"' -- \
  --raw 0x000000000000000000000000000000000000000000000000ffffffffffffffff "$build/square-c.wasm"
expect square-c/new_trigger '"payload":"0x0000000000000000000000000000000000000000000000000000000000000031"' -- \
  --input "$here/triggers/new_trigger.json" "$build/square-c.wasm"
expect square-rust/new_trigger '"payload":"0x0000000000000000000000000000000000000000000000000000000000000031"' -- \
  --input "$here/triggers/new_trigger.json" "$build/square-rust.wasm"
expect square-rust/u64max '"payload":"0x00000000000000000000000000000000fffffffffffffffe0000000000000001"' -- \
  --raw 0x000000000000000000000000000000000000000000000000ffffffffffffffff "$build/square-rust.wasm"
expect square-c/bad-input '"error":"exit 1"' -- --raw 0x01 "$build/square-c.wasm"
expect kv-counter-c/1 '"payload":"0x0000000000000000000000000000000000000000000000000000000000000001"' -- \
  --kv "$tmp/kv.json" --raw 0x "$build/kv-counter-c.wasm"
expect kv-counter-c/2 '"payload":"0x0000000000000000000000000000000000000000000000000000000000000002"' -- \
  --kv "$tmp/kv.json" --raw 0x "$build/kv-counter-c.wasm"
expect kv-counter-c/no-store '"error":"exit 1"' -- --raw 0x "$build/kv-counter-c.wasm"
expect kv-counter-rust '"payload":"0x0000000000000000000000000000000000000000000000000000000000000001' -- \
  --kv "$tmp/kv2.json" --raw 0x "$build/kv-counter-rust.wasm"
expect http-fetch-c '"payload":"0x0000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000000536352e3530000000000000000000000000000000000000000000000000000000"' -- \
  --allow-http api.example.com --config url=https://api.example.com/price --config json_path=eth.usd \
  --http 'https://api.example.com/price=200:{"eth":{"usd":65.50}}' --raw 0x "$build/http-fetch-c.wasm"
expect http-fetch-c/denied '"error":"exit 1"' -- --config url=https://api.example.com/price --raw 0x "$build/http-fetch-c.wasm"
expect chain-read-c '"payload":"0x00000000000000000000000000000000000000000000000000000000000003e8"' -- \
  --chain evm:31337=http://127.0.0.1:1 --config contract=0x5fbdb2315678afecb367f032d93f642f64180aa3 \
  --rpc 'eth_call="0x00000000000000000000000000000000000000000000000000000000000003e8"' \
  --input "$here/triggers/evm_contract_event.json" "$build/chain-read-c.wasm"
if [ -f "$build/echo-as.wasm" ]; then
  expect echo-as '"payload":"0xdeadbeef"' -- --raw 0xdeadbeef "$build/echo-as.wasm"
  expect echo-as/cron '"responses":[]' -- --input "$here/triggers/cron.json" "$build/echo-as.wasm"
fi
big=$(head -c 3000 /dev/zero | tr '\0' x)
for t in all_imports all_imports_cxx all_rust all_as; do
  [ -f "$build/$t.wasm" ] || continue
  rm -f "$tmp/kv3.json"
  expect $t '"error":null' -- --kv "$tmp/kv3.json" --config greeting=hello --config big="$big" \
    --chain evm:31337=http://127.0.0.1:1 --rpc 'eth_blockNumber="0x2a"' --allow-http api.example.com \
    --http 'https://api.example.com/x=201:created' --input "$here/triggers/evm_contract_event.json" "$build/$t.wasm"
done
[ $fails -eq 0 ] && echo "all passed" || { echo "$fails failed"; exit 1; }
