#!/bin/bash
# Written before its runs (2026-12-06, thirty-first session): TSTR of the shipped default with a teacher's soft
# labels (results/tstr-val/tstr_kd.py). Validation (teacher kd-val/labellers/5000, scored on the 10 000 training images
# it never saw), seeds 0 and 1, four settings:
#   own 1.6 --filter --affine   the best own-label setting (97.98 ± 0.15 on test), the like-for-like reference
#   kd default                  the samples as shipped (truncation 1.0; "0.8" when written, a slip), no filter, no augmentation
#   kd 1.6 --affine             wider latents, no filter (the teacher labels every sample), RandomAffine
#   kd 1.6 --filter --affine    the own-label setting's images, the teacher's labels
# Then the test set (teacher: the shipped reference classifier), seeds 0, 1, 2, once, for the kd setting with the
# best validation mean; reported whatever it gives. No other setting (T, scale, steps) is tried after seeing these.
. .venv/bin/activate; export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
P="python results/tstr-val/tstr_kd.py"
for s in 0 1; do
  $P own 1.6 $s --filter --affine > runs/logs/tkd_own_$s.log 2>&1 &
  $P kd default $s > runs/logs/tkd_plain_$s.log 2>&1; wait
  $P kd 1.6 $s --affine > runs/logs/tkd_aff_$s.log 2>&1 &
  $P kd 1.6 $s --filter --affine > runs/logs/tkd_faff_$s.log 2>&1; wait
done
echo ALLDONE
