#!/bin/bash
# kd_val.py now distils through ganaug.evaluation.fit(teacher=, pool=): four recorded validation runs again,
# expected 0.9296 / 0.9385 / 0.9362 / 0.9376 (results/kd-val/results.jsonl); the lines appended are removed afterwards
. .venv/bin/activate; export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
until grep -q ALLDONE runs/logs/recipe10_more.log; do sleep 10; done
E=runs/labellers/10-augf-s0,runs/labellers/10-augf-s1,runs/labellers/10-augf-s2
G=results/lowdata/weights/sub10-ada
printf '%s\n' "10 kdreal 0 0 3 $G $E" "10 kdmix 0.5 0 3 $G $E pool=10000" \
  "10 kdmix 0.25 2 3 results/lowdata/weights/seed-sub10-x4 results/lowdata/weights/clf10" \
  "10 kdmixup 0 1 3 $G runs/labellers/10-real-s2" | xargs -P 2 -L 1 python results/kd-val/kd_val.py > runs/logs/kdval_identity.log 2>&1
git checkout results/kd-val/results.jsonl
echo ALLDONE
