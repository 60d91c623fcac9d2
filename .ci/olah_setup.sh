#!/usr/bin/env bash
# Install olah (a self-hosted Hugging Face mirror) in its own virtual environment, .olah-venv in the
# repo root, for tests/test_hub_olah.py (which skips itself when olah is absent). Kept apart from
# .venv so the server's dependencies never mix with ganaug's. Run from anywhere:
#   .ci/olah_setup.sh            # OLAH_VERSION=0.5.4 by default
set -euo pipefail
cd "$(dirname "$0")/.."
OLAH_VERSION="${OLAH_VERSION:-0.5.4}"
if [ ! -x .olah-venv/bin/olah-cli ]; then
    python3 -m venv .olah-venv
    .olah-venv/bin/pip install -q "olah==${OLAH_VERSION}"
fi
.olah-venv/bin/olah-cli --help > /dev/null
echo "olah installed: $(pwd)/.olah-venv/bin/olah-cli"
