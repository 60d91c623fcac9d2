# the 3x-longer subset GAN at 10 per class (weights results/lowdata/weights/sub10-ada-long); see eval_subset_gan.sh
bash "$(dirname "$0")/eval_subset_gan.sh" 10 ada-long "$1"
