set -x
# the subset GAN at 100 per class trained 3x longer (1500 epochs, resumed from sub100-ada): validation (a), validation + test-set TSTR (b); run a and b as two processes
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export OMP_NUM_THREADS=1
W=results/lowdata/weights
G=$W/sub100-ada-long
O="--sizes 100 --seeds 0 1 --val --output-dir results/lowdata-val --arms gan+affine --generator $G"
case $1 in
a) python scripts/evaluate.py $O --generator-id sub100-ada-long-clf100-relabel --ratio 0.25 --labeller $W/clf100 --relabel
   python scripts/evaluate.py $O --generator-id sub100-ada-long-clf100-relabel --labeller $W/clf100 --relabel ;;
b) python scripts/evaluate.py $O --generator-id sub100-ada-long-clf100-filtered --ratio 0.25 --labeller $W/clf100 --min-confidence 0.9
   python scripts/evaluate.py --sizes 100 --output-dir results/lowdata --arms tstr --generator $G \
       --labeller $W/clf100 --relabel --generator-id subset-gan-ada-long-clf100-relabel ;;
esac
