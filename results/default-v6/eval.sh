# Final figures of the generator shipped from 2026-11-29 (ninth session): the copy of the SN
# projection-D teacher at epoch 47 (results/default-v4/generator), copied for 12 000 steps, then fine-tuned with a GAN term (distill.sh). Run from the repo root after copying the
# student to src/ganaug/weights/generator. Two processes share the job list (each run claims a lock).
set -x
. .venv/bin/activate
export OMP_NUM_THREADS=1
G="--output-dir results/default-v6"     # no --generator: the shipped one
run_all() {
  python scripts/evaluate.py --sizes 6000 --arms tstr gan $G --generator-id v6
  python scripts/evaluate.py --sizes 6000 --arms tstr $G --relabel --generator-id v6-relabel
  python scripts/evaluate.py --sizes 10 100 --arms gan+affine $G --generator-id v6
}
run_all > runs/logs/eval_v6_1.log 2>&1 &
sleep 10
run_all > runs/logs/eval_v6_2.log 2>&1
wait
