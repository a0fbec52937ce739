#!/usr/bin/env bash
# The operator node as a whole process (docs/benchmarks.md, "Node"): node_load starts
# anvil, deploys Service Managers, runs `wavs node` with the example echo-c and a
# receiver standing in for the aggregators, and prints
#   - trigger → packet latency (POST /dev/triggers until the packet arrives) against
#     component::execute of the same program, measured in the same run;
#   - sustained triggers/s (NODE_TRIGGERS, 10,000, over 4 services);
#   - the same from the chain: NODE_CHAIN_TXS (2,500) SimpleTrigger events mined into
#     full blocks, each firing the 4 services (10,000 triggers);
#   - RSS with 0, 1 and NODE_MEMORY_SERVICES (200) registered services;
# then latency and throughput again with the node's state on tmpfs (/dev/shm), where
# fsync costs nothing: the bound that batching the commits (group commit) approaches.
# node_bench (NodeState alone, run by scripts/bench with the other *_bench binaries)
# measures the commits themselves.
# Usage: bench/node.sh [build-dir]   (NODE_TMPFS=0 skips the tmpfs run; node_load.cpp
# lists the other knobs)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-build/release}"
[[ $build_dir = /* ]] || build_dir="$root/$build_dir"
runner="$build_dir/bench/node/node_load"
if [[ ! -x $runner ]]; then
  echo "node.sh: $runner not built (cmake --build $build_dir --target node_load; needs the tests' support libraries)"
  exit 0
fi
[[ -x $root/node_modules/.bin/anvil ]] || { echo "node.sh: anvil not installed (scripts/setup); skipping"; exit 0; }

set +e
"$runner"
rc=$?
if ((rc == 0)) && [[ ${NODE_TMPFS:-1} != 0 && -d /dev/shm && -w /dev/shm ]]; then
  echo
  echo "#### The same with the node's state on tmpfs (fsync costs nothing)"
  TMPDIR=/dev/shm NODE_PHASES="${NODE_PHASES:-latency,throughput,chain}" "$runner"
  rc=$?
fi
set -e
# 2: something the runner needs is missing (it said what); not a failure of the bench.
((rc == 0 || rc == 2)) || exit "$rc"
