#!/usr/bin/env bash
# The whole system (docs/benchmarks.md, "System"): starts `wavs devnet` (anvil, the
# contracts, SYSTEM_OPERATORS operators' nodes, SYSTEM_AGGREGATORS aggregators), then runs
# system_latency against its state file: event → result on chain p50/p99 against the
# chain's own transaction round trip, measured in the same run, and the gas of the landed
# aggregated submissions. SYSTEM_TRIGGERS events (100), one at a time.
# Usage: bench/system.sh [build-dir]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-build/release}"
[[ $build_dir = /* ]] || build_dir="$root/$build_dir"
wavs="$build_dir/apps/wavs/wavs"
runner="$build_dir/bench/system/system_latency"
if [[ ! -x $runner || ! -x $wavs ]]; then
  echo "system.sh: $runner or $wavs not built; skipping"
  exit 0
fi
[[ -x $root/node_modules/.bin/anvil ]] || { echo "system.sh: anvil not installed (scripts/setup); skipping"; exit 0; }
"$wavs" devnet --help >/dev/null 2>&1 || { echo "system.sh: this build has no wavs devnet; skipping"; exit 0; }

work=$(mktemp -d)
state="$work/state.json"
"$wavs" --log-level warn devnet --operators "${SYSTEM_OPERATORS:-3}" --aggregators "${SYSTEM_AGGREGATORS:-1}" \
  --dir "$work/net" --state "$state" >"$work/devnet.out" 2>&1 &
devnet=$!
trap 'kill -TERM $devnet 2>/dev/null; wait $devnet 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do
  [[ -s $state ]] && break
  kill -0 $devnet 2>/dev/null || { echo "system.sh: the devnet exited:"; cat "$work/devnet.out"; exit 1; }
  sleep 0.1
done
[[ -s $state ]] || { echo "system.sh: the devnet did not come up within 60 s"; cat "$work/devnet.out"; exit 1; }
"$runner" "$state"
