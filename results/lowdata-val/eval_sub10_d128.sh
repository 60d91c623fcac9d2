set -x
# the D-128 subset GAN at 10 per class: validation (a), validation + test-set TSTR (b); run a and b as two processes
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export OMP_NUM_THREADS=1
W=results/lowdata/weights
G=${G:-$W/sub10-ada-d128}
O="--sizes 10 --seeds 0 1 --val --output-dir results/lowdata-val --arms gan+affine --generator $G --ratio 0.25"
case $1 in
a) python scripts/evaluate.py $O --generator-id sub10-ada-d128-clf10-filtered --labeller $W/clf10 --min-confidence 0.9 ;;
b) python scripts/evaluate.py $O --generator-id sub10-ada-d128
   python scripts/evaluate.py --sizes 10 --output-dir results/lowdata --arms tstr --generator $G \
       --labeller $W/clf10 --min-confidence 0.9 --generator-id subset-gan-ada-d128-clf10-filtered ;;
esac
