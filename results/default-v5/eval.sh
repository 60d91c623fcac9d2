#!/bin/bash
# Final figures of the generator shipped from 2026-11-29 (eighth session): the copy of the SN
# projection-D teacher at epoch 47 (results/default-v4/generator), fine-tuned with a GAN term (distill.sh). Run after copying the
# student to src/ganaug/weights/generator. Two processes share the job list (each run claims a lock).
exec bash "$(dirname "$0")/../eval_shipped.sh" v5
