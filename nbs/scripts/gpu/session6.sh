#!/usr/bin/env bash
# The sixth GPU session (one H200, 2026-11-30), issue 16: the shipped SmolLM2-135M LoRA adapter merged into its base as
# in session5.sh, then, with the grammar whose keywords carry their own whitespace (chapter 00a, commit e44aff5):
# constrained greedy answers, beam search (4 and 8 beams, free and constrained: every beam kept for the schema check),
# 16 constrained sampled passes, free passes 9-16 (the free vote over 17 beside session 5's passes 1-8), and the
# CSpider and BIRD rows, on Spider dev (`spider`) and the by-database validation split of Spider train (`valid`).
# `bash nbs/scripts/gpu/session6.sh I|A|B|C|D`; the calls are listed at the end.
set -u
. "$(dirname "$0")/lib.sh"  # W C O MG, S keep ft gen tuned
R=$C/results/smollm2-135m-lora/config.yaml  # the LoRA run's prompts and decoding (batch 256, 160 new tokens)
CON=evaluation.constrained=true
run() {  # DIR FILE SPLIT OVERRIDES...: one pass over SPLIT's prompts into $O/DIR/FILE.jsonl
  local dir=$1 file=$2 split=$3; shift 3; mkdir -p $O/$dir
  S generate --config $R --prompts $W/d/$split.prompts.jsonl.gz --out $O/$dir/$file.jsonl model.name=$W/merged \
    model.gguf_file=null paths.cache=$W/cache/$dir-$file "$@" > $W/logs/$dir-$file.log 2>&1
}
sampled() {  # MODE SPLIT K: sampled pass K (T 0.8, seed K), free or constrained
  local c=(); [ $1 = constrained ] && c=($CON)
  run $1 $2.sample$3 $2 evaluation.temperature=0.8 evaluation.seed=$3 "${c[@]}"
}
beams() {  # NAME K SPLIT OVERRIDES...: beam search with K beams (batch 64: K rows per question)
  local name=$1 k=$2 split=$3; shift 3
  run $name $split $split evaluation.num_beams=$k evaluation.batch_size=64 "$@"
}
case "${1:-}" in
  I)  # the GGUF from its chunks, then the merged model (as session5.sh I)
    cat $W/gguf.* > $W/smol/SmolLM2-135M-Instruct.Q4_1.gguf && sha256sum $W/smol/*.gguf
    python3 -c "
import torch; from peft import PeftModel
from simplesql.ollama import load_hf_model, load_hf_tokenizer; from simplesql.finetune import merge_and_save
from simplesql.download import drop_gguf_quantizer
g = ('$W/smol', 'SmolLM2-135M-Instruct.Q4_1.gguf')
base = drop_gguf_quantizer(load_hf_model(*g, dtype=torch.bfloat16))
merge_and_save(PeftModel.from_pretrained(base, '$W/adapter'), load_hf_tokenizer(*g), '$W/merged')" ;;
  A)  # four waves of at most 16 processes (18 ran the card out of memory in session 5), most wanted first
    for s in spider valid; do
      run constrained $s $s $CON & beams beam4c 4 $s $CON & beams beam4 4 $s &
      for k in 1 2 3 4; do sampled constrained $s $k & done
    done; wait; echo wave 1 done
    for s in spider valid; do for k in $(seq 5 12); do sampled constrained $s $k & done; done; wait; echo wave 2 done
    for s in spider valid; do for k in 13 14 15 16; do sampled constrained $s $k & done
                              for k in 9 10 11 12; do sampled free $s $k & done; done; wait; echo wave 3 done
    for s in spider valid; do for k in 13 14 15 16; do sampled free $s $k & done; beams beam8c 8 $s $CON & done
    for s in cspider bird; do run free $s $s & run constrained $s $s $CON & beams beam4c 4 $s $CON & done; wait ;;
  B)  # A's waves waited on their slowest process (beam search over Spider dev, ~10 min): during wave 1 A was stopped
      # and the rest queued by priority, 16 processes at most, a new one as soon as one ends
    q() { while [ $(pgrep -fc "simplesql[.]cli generate") -ge 16 ]; do sleep 3; done; "$@" & sleep 1; }
    for s in cspider bird; do q run constrained $s $s $CON; q beams beam4c 4 $s $CON; q run free $s $s; done
    for s in spider valid; do for k in 5 6 7 8; do q sampled constrained $s $k; done; done
    q beams beam8c 8 valid $CON
    for s in valid spider; do for k in $(seq 9 16); do q sampled constrained $s $k; done; done
    for s in valid spider; do for k in $(seq 9 16); do q sampled free $s $k; done; done
    wait ;;
  C)  # B's 16 processes ran the card out of memory (a beam-search process takes 19 GB): B was stopped and C runs again,
      # 12 at most, each pass that wrote nothing and is not running, by priority
    q() { while [ $(pgrep -fc "simplesql[.]cli generate") -ge 12 ]; do sleep 3; done; "$@" & sleep 1; }
    due() { [ ! -s $O/$1/$2.jsonl ] && ! pgrep -f -- "--out $O/$1/$2.jsonl " > /dev/null; }
    for k in 5 6 7 8; do due constrained spider.sample$k && q sampled constrained spider $k; done
    for s in valid spider; do for k in $(seq 9 16); do due constrained $s.sample$k && q sampled constrained $s $k; done; done
    due beam8c valid && q beams beam8c 8 valid $CON
    for s in valid spider; do for k in $(seq 9 16); do due free $s.sample$k && q sampled free $s $k; done; done
    wait ;;
  D)  # beam 8 (chosen over 4 on the validation split) on Spider dev, on a second machine at the end of the session
      # (calls 1-3 and I again): the dev prompts in four shards (.carry/d/spider0-3, in file order), one process each
    for i in 0 1 2 3; do beams beam8c 8 spider$i $CON & done; wait ;;
  *) echo "usage: session6.sh I|A|B|C|D"; exit 2 ;;
esac
echo "stream ${1} done"

# The calls (device tool, nvidia-h200), the working tree without results/ and simplesql/models/ as in session 5:
# 1 [.carry/whl .carry/d .carry/adapter .carry/k0]: wheels into /tmp/site; the code to $C, prompts to $W/d, the adapter
#   to $W/adapter, the first GGUF chunk to $W/gguf.0
# 2 [.carry/k1], 3 [.carry/k2]: the other chunks; then `I`, then `A` under setsid, polled: each poll tars $O and the
#   logs into $OUT. On the CPU afterwards: nbs/scripts/constrained.py scores them.
