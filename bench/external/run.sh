#!/usr/bin/env bash
# External learners: the protocol's cost per call, and flow BC in PyTorch (external) against flowbench's Java flow BC
# at the same configuration (3x256, batch 256, 1 thread each), on an idle machine. Usage:
#   PY=/path/to/python-with-torch-and-flowbench-client bench/external/run.sh [DATA_DIR]
# DATA_DIR holds jpointmaze-medium-navigate-v0.npz (default data/core; `flowbench datasets generate` makes it).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-python3}
DATA=${1:-data/core}
OUT=$(mktemp -d /tmp/flowbench-bench-external.XXXXXX)
export FLOWBENCH_PROGRESS=off OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
T="-t jpointmaze-medium-navigate-v0 --data $DATA --eval-every 0 --episodes 1 --checkpoint-every 0"
steps() { python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['timing']; print(f\"{t['trainSeconds']:.2f}\")" "$1"; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for le in 1 5000; do
  ./flowbench run --external "$PY bench/external/noop_agent.py" $T --train-steps 5000 --log-every $le --out "$OUT/noop-$le" >/dev/null
  echo "noop, 5000 steps, log every $le: train $(steps "$OUT"/noop-$le/*/noop/seed0/run.json) s"
done
./flowbench run -a flow-bc $T --train-steps 2000 --log-every 1000 --out "$OUT/java" >/dev/null
echo "java flow-bc, 2000 steps: train $(steps "$OUT"/java/*/flow-bc/seed0/run.json) s"
./flowbench run --external "$PY clients/python/examples/torch_flow_bc.py" $T --train-steps 2000 --log-every 1000 --out "$OUT/torch" >/dev/null
echo "torch flow-bc (external), 2000 steps: train $(steps "$OUT"/torch/*/torch-flow-bc/seed0/run.json) s"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT"
