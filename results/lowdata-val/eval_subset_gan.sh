set -x
# A subset GAN (weights results/lowdata/weights/subN-NAME) in the low-data protocol: validation (a),
# validation + test-set TSTR (b); run a and b as two processes:
#   bash results/lowdata-val/eval_subset_gan.sh N NAME a & bash results/lowdata-val/eval_subset_gan.sh N NAME b
# N = 100: relabelled by clf100 at ratio 0.25 and 0.5 (a); clf100 filter at 0.25, TSTR relabelled (b).
# N = 10:  clf10 filter at ratio 0.25 (a); unfiltered at 0.25, TSTR filtered (b).
# G=path overrides the weights (same generator from elsewhere, e.g. runs/.../generator).
N=$1; NAME=$2; PART=$3
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export OMP_NUM_THREADS=1
W=results/lowdata/weights
G=${G:-$W/sub$N-$NAME}
O="--sizes $N --seeds 0 1 --val --output-dir results/lowdata-val --arms gan+affine --generator $G"
L="--labeller $W/clf$N"
T="--sizes $N --output-dir results/lowdata --arms tstr --generator $G $L"
case $N$PART in
100a) python scripts/evaluate.py $O --generator-id sub$N-$NAME-clf$N-relabel --ratio 0.25 $L --relabel
      python scripts/evaluate.py $O --generator-id sub$N-$NAME-clf$N-relabel $L --relabel ;;
100b) python scripts/evaluate.py $O --generator-id sub$N-$NAME-clf$N-filtered --ratio 0.25 $L --min-confidence 0.9
      python scripts/evaluate.py $T --relabel --generator-id subset-gan-$NAME-clf$N-relabel ;;
10a)  python scripts/evaluate.py $O --ratio 0.25 --generator-id sub$N-$NAME-clf$N-filtered $L --min-confidence 0.9 ;;
10b)  python scripts/evaluate.py $O --ratio 0.25 --generator-id sub$N-$NAME
      python scripts/evaluate.py $T --min-confidence 0.9 --generator-id subset-gan-$NAME-clf$N-filtered ;;
*) echo "usage: eval_subset_gan.sh 10|100 NAME a|b" >&2; exit 2 ;;
esac
