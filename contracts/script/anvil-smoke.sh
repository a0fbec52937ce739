#!/usr/bin/env bash
# End-to-end check of the built artifacts on a real node: starts anvil on a free port,
# deploys with script/Deploy.s.sol, registers an operator, binds a signing key and signs an
# envelope with cast (an independent EIP-191 signer), submits it through SimpleSubmit and
# checks that a replay is rejected. Run from anywhere after `forge build`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$here/../node_modules/.bin"
cd "$here"

log=$(mktemp)
"$bin/anvil" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
anvil_pid=$!
cleanup() { kill "$anvil_pid" 2>/dev/null || true; wait "$anvil_pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT
for _ in $(seq 100); do
  grep -q 'Listening on' "$log" && break
  sleep 0.1
done
rpc="http://$(grep -o 'Listening on [0-9.:]*' "$log" | awk '{print $3}')"
cast() { "$bin/cast" "$@" --rpc-url "$rpc"; }
fail() { echo "anvil-smoke: FAILED: $*" >&2; exit 1; }

# anvil's well-known dev accounts: 0 owns the service, 1 is the operator, 2 its signing key.
owner_key=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
op_key=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
signer_key=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
op=$("$bin/cast" wallet address --private-key "$op_key")
signer=$("$bin/cast" wallet address --private-key "$signer_key")

out=$(SERVICE_URI="http://127.0.0.1:8000/dev/services/smoke" OPERATORS="$op" \
  "$bin/forge" script script/Deploy.s.sol --rpc-url "$rpc" --broadcast --private-key "$owner_key" 2>&1) ||
  { echo "$out" >&2; fail "deploy"; }
manager=$(echo "$out" | awk '$1 == "WavsServiceManager" {print $2}')
submit=$(echo "$out" | awk '$1 == "SimpleSubmit" {print $2}')
trigger=$(echo "$out" | awk '$1 == "SimpleTrigger" {print $2}')
[[ -n $manager && -n $submit && -n $trigger ]] || { echo "$out" >&2; fail "no addresses"; }

[[ $(cast call "$manager" "getServiceURI()(string)") == '"http://127.0.0.1:8000/dev/services/smoke"' ]] || fail "service URI"
[[ $(cast call "$manager" "getOperatorWeight(address)(uint256)" "$op") == 1 ]] || fail "operator weight"

# The signing key proves possession: EIP-191 over keccak256(operator's 20 bytes).
proof=$("$bin/cast" wallet sign --private-key "$signer_key" "$("$bin/cast" keccak "$op")")
cast send --private-key "$op_key" "$manager" "updateOperatorSigningKey(address,bytes)" "$signer" "$proof" >/dev/null
[[ $(cast call "$manager" "getLatestOperatorForSigningKey(address)(address)" "$signer") == "$op" ]] || fail "key binding"

# A trigger: topic0 of NewTrigger(bytes).
receipt=$(cast send --json --private-key "$owner_key" "$trigger" "addTrigger(bytes)" 0xdeadbeef)
[[ $receipt == *"$("$bin/cast" keccak 'NewTrigger(bytes)')"* ]] || fail "NewTrigger event"

# The envelope, its digest keccak256(abi.encode(envelope)), the operator's signature.
event_id=0x1111111111111111111111111111111111111111
envelope="($event_id,0x000000000000000000000000,0xdeadbeef)"
digest=$("$bin/cast" keccak "$("$bin/cast" abi-encode 'f((bytes20,bytes12,bytes))' "$envelope")")
[[ $(cast call "$manager" "envelopeDigest((bytes20,bytes12,bytes))(bytes32)" "$envelope") == "$digest" ]] ||
  fail "envelope digest"
signature=$("$bin/cast" wallet sign --private-key "$signer_key" "$digest")
reference_block=$(($(cast block-number) - 1))
sigdata="([$signer],[$signature],$reference_block)"

cast call "$manager" "validate((bytes20,bytes12,bytes),(address[],bytes[],uint32))" "$envelope" "$sigdata" >/dev/null ||
  fail "validate"
cast send --private-key "$owner_key" "$submit" \
  "handleSignedEnvelope((bytes20,bytes12,bytes),(address[],bytes[],uint32))" "$envelope" "$sigdata" >/dev/null ||
  fail "handleSignedEnvelope"
[[ $(cast call "$submit" "getPayload(bytes20)(bytes)" "$event_id") == 0xdeadbeef ]] || fail "stored payload"
if cast send --private-key "$owner_key" "$submit" \
  "handleSignedEnvelope((bytes20,bytes12,bytes),(address[],bytes[],uint32))" "$envelope" "$sigdata" >/dev/null 2>&1; then
  fail "replay accepted"
fi
echo "anvil-smoke: ok (manager $manager, handler $submit, trigger $trigger)"
