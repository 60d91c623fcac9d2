#!/bin/bash
# Label smoothing at 100 per class (2026-12-06, thirty-eighth session). Validation only.
# Question: label smoothing 0.2 lifted own-label TSTR (+0.32) and the all-60 000 mix; does it lift the 100-per-class
# arms, whose GAN samples carry the subset labeller's (clf100, 98.6%) hard labels?
# Rule, written before any run: the gan+affine + LS row goes to the test set (seeds 0 1 2, once) only if its
# validation mean is (a) at least 0.10 above the same arm without LS, paired by seed, and (b) above 97.66, the best
# validation mean at 100 per class so far (kd-val, no GAN, distilled from clf100). Otherwise nothing here is run on
# the test set. The affine rows are the no-GAN controls, with and without LS.
# Two processes share the job list (evaluate.py's lock files); one thread each.
cd "$(dirname "$0")/../../.."; . .venv/bin/activate; export OMP_NUM_THREADS=1 GANAUG_DATA=/work/shared/data
O="--sizes 100 --seeds 0 1 2 --val --output-dir results/lowdata-val/ls"
G="--generator results/lowdata/weights/sub100-ada --labeller results/lowdata/weights/clf100 --relabel --ratio 0.25 --generator-id sub100-ada-clf100-relabel"
job() {
  python scripts/evaluate.py $O --arms affine
  python scripts/evaluate.py $O --arms affine --label-smoothing 0.2
  python scripts/evaluate.py $O --arms gan+affine $G
  python scripts/evaluate.py $O --arms gan+affine $G --label-smoothing 0.2
}
job > runs/logs/ls100_a.log 2>&1 &
sleep 20; job > runs/logs/ls100_b.log 2>&1 &
wait
