# TSTR on validation (10 000 training images the CNN never sees; no test set): the shipped generator
# against the SN projection-D teacher. Two processes share the job list.
# usage: bash results/metrics/sn-projection/tstr_val.sh NEW_GENERATOR_DIR
cd "$(dirname "$0")/../../.." && . .venv/bin/activate
OUT=results/metrics/sn-projection/tstr-val
job() {
  OMP_NUM_THREADS=1 python scripts/evaluate.py --sizes 6000 --arms tstr --val --seeds 0 1 --output-dir $OUT "$@"
}
run_all() {
  job --truncation 1.0 --relabel --generator-id shipped-t1.0-relabel
  job --truncation 1.0 --relabel --generator "$1" --generator-id psb-t1.0-relabel
  job --truncation 1.0 --generator-id shipped-t1.0
  job --truncation 1.0 --generator "$1" --generator-id psb-t1.0
}
run_all "$1" > $OUT.log.1 2>&1 &
sleep 5
run_all "$1" > $OUT.log.2 2>&1
wait
