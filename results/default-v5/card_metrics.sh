#!/bin/bash
# The card figures of the generator shipped as v5, measured while it was shipped.
exec bash "$(dirname "$0")/../card_metrics.sh"
