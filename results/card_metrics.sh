#!/bin/bash
# The test-set figures of whichever generator is shipped, into its card (model_cards/default.md: metadata
# and table) and model_cards/default_metrics*.json. Each results/default-vN/card_metrics.sh records that
# this made that generator's card figures. --overwrite (since 2026-12-07 gen_metrics.py refuses to replace an
# existing --json or a card entry measured otherwise without it): a rerun re-measures whichever generator is shipped.
set -x
cd "$(dirname "$0")/.."; . .venv/bin/activate
export OMP_NUM_THREADS=1 GANAUG_DATA=${GANAUG_DATA:-../shared/data}
python scripts/gen_metrics.py --card model_cards/default.md --name "truncation 1.0 (config default)" --overwrite --json model_cards/default_metrics.json
python scripts/gen_metrics.py --truncation 0.9 --card model_cards/default.md --name "truncation 0.9" --overwrite --json model_cards/default_metrics_truncation0.9.json
python scripts/gen_metrics.py --truncation 0.85 --card model_cards/default.md --name "truncation 0.85" --overwrite --json model_cards/default_metrics_truncation0.85.json
python scripts/gen_metrics.py --min-confidence 0.9 --card model_cards/default.md --name "truncation 1.0, min_confidence 0.9" --overwrite --json model_cards/default_metrics_filtered.json
