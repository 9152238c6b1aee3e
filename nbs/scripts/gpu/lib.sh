# The helpers every GPU session script sources (`. "$(dirname "$0")/lib.sh"`). On the device machine the code is
# unpacked at $C, wheels at /tmp/site, prepared data at $W/d, models at $W/<name>; outputs go to $O and come back.
W=/tmp/w; C=$W/code; O=$W/out
export PYTHONPATH=/tmp/site:$C PYTHONUNBUFFERED=1 TQDM_DISABLE=1 TOKENIZERS_PARALLELISM=false
MG=$C/results/multigpu/config.yaml
S() { python3 -m simplesql.cli "$@"; }  # the simplesql command, from the unpacked code
keep() {  # FT_DIR RUN: keep a finetune's summary and loss log in the outputs, and show the GPUs' memory
  mkdir -p $O/$2 && cp $W/ft/$1/summary.json $W/ft/$1/log_history.json $O/$2/ 2>/dev/null
  nvidia-smi --query-gpu=index,memory.used --format=csv,noheader
}
ft() {  # RUN DATA OVERRIDES...: finetune RUN's config on a prepared data folder, merge, keep summary and loss log
  local run=$1 data=$2; shift 2
  S finetune --config $C/results/$run/config.yaml --data $W/d/$data --out $W/ft/$run --merge "$@" && keep $run $run
}
gen() {  # RUN PHASE DATA BENCHMARK OVERRIDES...: generate predictions for one benchmark's prompts
  local run=$1 phase=$2 data=$3 b=$4; shift 4
  mkdir -p $O/$run/$phase
  S generate --config $C/results/$run/config.yaml --prompts $W/d/$data/$b.prompts.jsonl.gz --out $O/$run/$phase/$b.predictions.jsonl "$@"
}
tuned() { echo model.name=$W/ft/$1/merged model.gguf_file=null; }  # overrides that point at RUN's merged model
