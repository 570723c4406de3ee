#!/usr/bin/env bash
# The GPU pass of issue 12, as one script for a lent GPU machine (15 minutes of device time in all):
#   1. the device-parametrised tests on the real 'cuda' device (about 6 minutes at most; nothing skipped
#      silently: -rs lists every skip with its reason; a per-test timeout where pytest-timeout is installed);
#   2. the MLP and CNN epochs, the op-overhead chain and the batch-size sweep with --device cuda, each next
#      to torch CUDA in the same run.
# Everything (logs, JSON, junit XML, nvidia-smi) goes under $OUT (default ./gpu-out). Each step has its own
# time limit and a failing step does not stop the next, so one run always brings back what it measured.
#   usage: OUT=/path bash benchmarks/gpu_check.sh [--quick]
# --quick: tiny sizes, for rehearsing the script on a machine without a GPU (the tests then run on the fake
# CuPy of tests/fake_cuda.py and the benchmarks on the CPU).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-gpu-out}"
mkdir -p "$OUT"
QUICK=0; [ "${1:-}" = "--quick" ] && QUICK=1
export AUTOGRAD_DATA_DIR="${AUTOGRAD_DATA_DIR:-$(pwd)/shared/data}"
export PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}"

step() {   # step NAME SECONDS COMMAND...: run with a time limit, log to $OUT/NAME.log, record the status
    local name=$1 limit=$2; shift 2
    echo "== $name (limit ${limit}s): $*" | tee -a "$OUT/steps.txt"
    local start=$(date +%s)
    timeout --kill-after=10 "$limit" "$@" >"$OUT/$name.log" 2>&1
    local rc=$?
    echo "   rc=$rc in $(( $(date +%s) - start ))s" | tee -a "$OUT/steps.txt"
    tail -n 3 "$OUT/$name.log"
}

{ date -u; nvidia-smi 2>&1 | head -20; python -c "import cupy, torch; print('cupy', cupy.__version__, 'torch', \
torch.__version__, 'torch cuda', torch.version.cuda, torch.cuda.is_available())" 2>&1; } >"$OUT/machine.txt"
python -c "import autograd; print('autograd sees CUDA:', autograd.cuda.is_available()); \
import autograd.backend as b; print(b._check())" >>"$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"

TIMEOUT_OPT=(); python -c "import pytest_timeout" 2>/dev/null && TIMEOUT_OPT=(--timeout=60)
if [ $QUICK = 1 ]; then
    step tests 300 python -m pytest -q -p no:cacheprovider -rs "${TIMEOUT_OPT[@]}" -k "cuda and not property" \
        tests/test_loss.py --junitxml="$OUT/tests.xml"
    DEV=cpu; LIMIT=(--limit 512); SWEEP=(--batch-sizes 64 --steps 2 --repeats 1); OPS=(--ops 40 --repeats 2)
else
    step tests 390 python -m pytest -q -p no:cacheprovider -rs "${TIMEOUT_OPT[@]}" -k cuda --durations=15 \
        --junitxml="$OUT/tests.xml"
    DEV=cuda; LIMIT=(--limit 12800); SWEEP=(--steps 10 --repeats 3); OPS=(--repeats 5)
fi
step mlp_epoch 150 python benchmarks/mlp_epoch.py --device $DEV "${LIMIT[@]}" --batch-sizes 64 256 --repeats 3 \
    --json "$OUT/mlp_epoch.json"
step cnn_epoch 150 python benchmarks/cnn_epoch.py --device $DEV "${LIMIT[@]}" --repeats 3 --json "$OUT/cnn_epoch.json"
step op_overhead 60 python benchmarks/op_overhead.py --device $DEV "${OPS[@]}" --json "$OUT/op_overhead.json"
step gpu_sweep 120 python benchmarks/gpu_sweep.py "${SWEEP[@]}" --json "$OUT/gpu_sweep.json"
echo "done: $(ls "$OUT" | tr '\n' ' ')"
