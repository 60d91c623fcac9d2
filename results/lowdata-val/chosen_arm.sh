# The chosen subset arm's labelling for N per class, sourced by eval_ms.sh and eval_lecam.sh (N and USAGE set):
# at 10 per class the clf10 filter at 0.9, at 100 relabelled by clf100. Sets W (the subset weights), L and how.
W=results/lowdata/weights
case $N in
  10) L="--labeller $W/clf10 --min-confidence 0.9"; how=clf10-filtered ;;
  100) L="--labeller $W/clf100 --relabel"; how=clf100-relabel ;;
  *) echo "usage: $USAGE" >&2; exit 2 ;;
esac
