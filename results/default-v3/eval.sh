#!/bin/bash
# Final figures of the generator shipped from 2026-11-29 (sixth session): the 6 000-step copy of the
# SN projection-D teacher (results/default-v3/generator). Run after copying the
# student to src/ganaug/weights/generator. Two processes share the job list (each run claims a lock).
exec bash "$(dirname "$0")/../eval_shipped.sh" v3
