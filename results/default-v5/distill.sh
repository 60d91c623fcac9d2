#!/bin/bash
# How the generator shipped from 2026-11-29 (eighth session) was made. The teacher is
# results/default-v4/generator (its training: results/default-v4/train_teacher_e47_e55.sh). The first
# command made results/default-v4/student (the copy shipped before; 527 s on a 2-core CPU); the second
# fine-tunes it with a GAN term (a teacher-vs-student SN projection discriminator; 517 s).
set -ex
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export GANAUG_DATA=${GANAUG_DATA:-../shared/data}
T="--teacher results/default-v4/generator"
python scripts/distill_gan.py $T --channels 64 48 16 --steps 6000 --output-dir runs/distill-psb47
F="$T --init runs/distill-psb47/generator --lr 5e-4 --steps 2000"
python scripts/distill_gan.py $F --adversarial 0.05 --lr-d 1e-3 --output-dir runs/dadv-005   # shipped
python scripts/distill_gan.py $F --adversarial 0.01 --output-dir runs/dadv-001                # lr-d 2e-4
python scripts/distill_gan.py $F --adversarial 0.2 --lr-d 1e-3 --output-dir runs/dadv-02
python scripts/distill_gan.py $F --adversarial 0 --output-dir runs/dadv-0                     # control: L1 only
# the choice: 10 000 held-out training images (never the test set), two draws (--seed 0 and 1)
python scripts/gen_metrics.py --generator runs/distill-psb47/generator --reference train --seed 1 --name psb47-student-s1 \
    --json results/metrics/sn-projection/ref_psb47_student_seed1_t1.0.json   # seed 0: ref_psb47_student_t1.0.json
for n in 0 001 005 02; do
  for s in 0 1; do
    python scripts/gen_metrics.py --generator runs/dadv-$n/generator --reference train --seed $s --name dadv$n-s$s \
        --json results/metrics/sn-projection/ref_dadv${n}_seed${s}_t1.0.json
  done
done
# two probes after the choice (not shipped; results/metrics/README.md, last section)
python scripts/distill_gan.py $F --adversarial 0.1 --lr-d 1e-3 --output-dir runs/dadv-01
python scripts/distill_gan.py ${F/--steps 2000/--steps 4000} --adversarial 0.05 --lr-d 1e-3 --output-dir runs/dadv-005-4k
for n in 01 005-4k; do
  for s in 0 1; do
    python scripts/gen_metrics.py --generator runs/dadv-$n/generator --reference train --seed $s --name dadv$n-s$s \
        --json results/metrics/sn-projection/ref_dadv${n}_seed${s}_t1.0.json
  done
done
# the shipped fine-tuning with another seed (the seed spread; results/metrics/README.md, last section)
python scripts/distill_gan.py $F --adversarial 0.05 --lr-d 1e-3 --seed 1 --output-dir runs/dadv-005-s1
for s in 0 1; do
  python scripts/gen_metrics.py --generator runs/dadv-005-s1/generator --reference train --seed $s \
      --name dadv005-train1-s$s --json results/metrics/sn-projection/ref_dadv005-train1_seed${s}_t1.0.json
done
