# the D-128 subset GAN at 100 per class (weights results/lowdata/weights/sub100-ada-d128); see eval_subset_gan.sh
bash "$(dirname "$0")/eval_subset_gan.sh" 100 ada-d128 "$1"
