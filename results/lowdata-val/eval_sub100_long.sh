# the 3x-longer subset GAN at 100 per class (weights results/lowdata/weights/sub100-ada-long); see eval_subset_gan.sh
bash "$(dirname "$0")/eval_subset_gan.sh" 100 ada-long "$1"
