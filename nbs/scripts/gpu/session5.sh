#!/usr/bin/env bash
# The fifth GPU session (one H200, 2026-11-30), issue 16: the shipped SmolLM2-135M LoRA adapter (simplesql/models/
# smollm2-135m-spider, bf16) merged into the bundled Q4_1 base as transformers loads it, then greedy and sampled
# answers with and without the schema grammar (`evaluation.constrained`, chapter 00a) on Spider dev and on the
# by-database validation split of Spider train (352 questions of 8 databases, `prepare-data`'s valid.prompts).
# `bash nbs/scripts/gpu/session5.sh I|T|P|C|F|V`; the calls are listed at the end.
set -u
. "$(dirname "$0")/lib.sh"  # W C O MG, S keep ft gen tuned
R=$C/results/smollm2-135m-lora/config.yaml  # the LoRA run's prompts and decoding (batch 256, 160 new tokens)
one() {  # MODE SPLIT SEED: one pass over SPLIT's prompts (seed 0: greedy, else T 0.8 with that seed), free or constrained
  local mode=$1 split=$2 seed=$3 name=$2; [ $seed -gt 0 ] && name=$split.sample$seed
  local t=(); [ $seed -gt 0 ] && t=(evaluation.temperature=0.8 evaluation.seed=$seed)
  mkdir -p $O/$mode
  S generate --config $R --prompts $W/d/$split.prompts.jsonl.gz --out $O/$mode/$name.jsonl model.name=$W/merged \
    model.gguf_file=null paths.cache=$W/cache/$mode-$name evaluation.constrained=$([ $mode = constrained ] && echo true || echo false) \
    "${t[@]}" > $W/logs/$mode-$name.log 2>&1
}
passes() {  # SPLIT FIRST LAST: sampled passes FIRST..LAST, free and constrained, as concurrent processes
  for k in $(seq $2 $3); do one free $1 $k & one constrained $1 $k & done; wait
}
case "${1:-}" in
  I)  # the GGUF from its chunks, then the merged model (peft is in the image)
    cat $W/gguf.* > $W/smol/SmolLM2-135M-Instruct.Q4_1.gguf && sha256sum $W/smol/*.gguf
    python3 -c "
import torch; from peft import PeftModel
from simplesql.ollama import load_hf_model, load_hf_tokenizer; from simplesql.finetune import merge_and_save
from simplesql.download import drop_gguf_quantizer
g = ('$W/smol', 'SmolLM2-135M-Instruct.Q4_1.gguf')
base = drop_gguf_quantizer(load_hf_model(*g, dtype=torch.bfloat16))  # transformers will not save a model read from a GGUF
merge_and_save(PeftModel.from_pretrained(base, '$W/adapter'), load_hf_tokenizer(*g), '$W/merged')" ;;
  T)  # the cost, alone on the machine: the validation prompts greedy, free then constrained (tokens/s in the logs)
    one free valid 0; one constrained valid 0 ;;
  P)  # then everything else: Spider dev greedy both ways, 16 sampled passes each way on both splits
    one free spider 0 & one constrained spider 0 & wait
    passes valid 1 8; passes spider 1 4; passes spider 5 8; passes valid 9 16; passes spider 9 12; passes spider 13 16 ;;
  # P's constrained answers had no spaces: llguidance misread the tokenizer transformers 5.17 saved (chapter 00a's
  # ll_tokenizer now fixes and checks that). The machine was then given back idle, losing the free passes; on a fresh
  # one (calls 1-3 again, then I) these two ran side by side: the constrained answers again, and 8 free passes
  C)  one constrained spider 0 & one constrained valid 0 & wait
      for k in $(seq 1 8); do one constrained spider $k & one constrained valid $k & done; wait ;;
  F)  for k in $(seq 1 8); do one free spider $k & one free valid $k & done; wait ;;
  V)  # at the end of the session, on a third machine (calls 1-3 and I again): passes 9-16 inside the grammar, for the
      # vote over 17 of the chosen recipe (16 processes at most: 18 ran the card out of memory)
      for k in $(seq 9 16); do one constrained spider $k & one constrained valid $k & done; wait ;;
  *) echo "usage: session5.sh I|T|P|C|F|V"; exit 2 ;;
esac
echo "stream ${1} done"

# The calls (device tool, nvidia-h200). The working tree travelled without results/ and simplesql/models/ (git rm
# --cached for the calls only, then restored: with them the tree is 61 of the 64 MiB a call may carry). Carried:
# 1 [.carry/whl .carry/d .carry/adapter .carry/k0]: wheels (pydantic, ollama, sqlglot, fastcore, gguf, llguidance) into
#   /tmp/site; the code to $C, prompts to $W/d, the adapter to $W/adapter, the first GGUF chunk to $W/gguf.0
# 2 [.carry/k1], 3 [.carry/k2]: the other chunks; then `I`, then `T` and `P` under setsid, polled: each poll tars
#   $O and the logs into $OUT. On the CPU afterwards: nbs/scripts/constrained.py scores them (results/constrained/).
