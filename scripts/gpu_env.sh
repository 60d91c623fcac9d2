# Sourced by the scripts run on a lent GPU machine (scripts/gpu_check.sh, results/gpu-teacher/run*.sh), from
# the repo root: nothing is installed there, so the machine's own torch is used and ganaug comes from src/;
# MNIST travels gzipped in .mnist_gz/ (../shared does not travel) and is unpacked into .mnist/.
OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT" .mnist/MNIST/raw
export PYTHONPATH=$PWD/src PYTHONUNBUFFERED=1 GANAUG_DATA=$PWD/.mnist HF_HUB_OFFLINE=1
for f in .mnist_gz/*.gz; do gunzip -c "$f" > ".mnist/MNIST/raw/$(basename "$f" .gz)"; done
