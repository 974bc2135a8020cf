#!/usr/bin/env bash
# The GPU checks, in one run on a CUDA machine (no install needed where torch, torchvision, opencv,
# scipy, pandas, matplotlib and tqdm are present; pycocotools is only needed for --protocol coco):
#   1. the CLI loop on CUDA: synth -> train (fp32, then --amp) -> predict -> eval-spatial, and
#      extract-features -> train --features, each checked for exit status 0;
#   2. benchmarks/bench_extract.py: is ResNet-50 extraction GPU-bound (vs a bare torchvision forward)?
#   3. benchmarks/bench_model.py and bench_predict.py on CUDA (fp32 and bf16 autocast).
# Usage: OUT=results/ bash benchmarks/cuda_check.sh      (logs land in $OUT)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-cuda_check_out}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
W=$(mktemp -d)
DEV=${DEVICE:-cuda}  # DEVICE=cpu BENCH=0: a smoke test of the CLI steps on a machine without a GPU
BENCH=${BENCH:-1}
status=0
step() {  # step NAME CMD...: run, log to $OUT/NAME.log, report time and exit status
  local name=$1; shift
  local t0=$(date +%s%N)
  "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  printf '[cuda_check] %-16s rc=%d  %d ms\n' "$name" "$rc" "$(( ($(date +%s%N) - t0) / 1000000 ))"
  [ $rc -eq 0 ] || { status=1; tail -5 "$OUT/$name.log"; }
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null
$PY -c "import torch, torchvision, cv2; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'cv2', cv2.__version__, 'cuda', torch.cuda.is_available())"

LB="$PY -m locbench"
S=$W/data/spatial/ucf101_24
step synth $LB synth --out $W/data/spatial --kind ucf --seed 0 --train-per-class 6 --test-per-class 3
step train-cuda $LB train --data $S --classes $S/classes.txt --out $W/run --device $DEV --epochs 2 \
  --input-size 256 --frames 4 --no-progress
step train-amp $LB train --data $S --classes $S/classes.txt --out $W/run_amp --device $DEV --epochs 2 \
  --input-size 256 --frames 4 --amp --no-progress
step predict-cuda $LB predict --checkpoint $W/run/last.pt --videos $S/videos --split $S/testlist01.txt \
  --out $W/att --device $DEV
step eval-spatial $LB eval-spatial --gt $S/pyannot_with_class_names.pkl --split $S/testlist01.txt \
  --attention $W/att --videos $S/videos --out $W/eval
step extract-r50 $LB extract-features --data $S --out $W/feats --backbone resnet50 --frames 8 --device $DEV \
  --no-progress
step train-features $LB train --data $S --classes $S/classes.txt --features $W/feats --backbone resnet50 \
  --frames 8 --out $W/run_feats --device $DEV --epochs 2 --no-progress
[ "$BENCH" = 1 ] || { rm -rf "$W"; exit $status; }
step bench-extract $PY benchmarks/bench_extract.py --workers 2,4,8
step bench-model $PY benchmarks/bench_model.py --device $DEV --batch-r50 8
step bench-model-amp $PY benchmarks/bench_model.py --device $DEV --batch-r50 8 --amp
step bench-predict $PY benchmarks/bench_predict.py --device $DEV --quick
for f in bench-extract bench-model bench-model-amp bench-predict; do
  echo "== $f"; grep -E '^\||torch|NVIDIA' "$OUT/$f.log"
done
cp $W/eval/*.md "$OUT/" 2>/dev/null
rm -rf "$W"
exit $status
