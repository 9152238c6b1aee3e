#!/usr/bin/env bash
# The seventh GPU session (one H200, 2026-11-30), issue 16's second lever: Gemma 3 270M with the LoRA recipe that moved
# SmolLM2-135M (results/gemma3-270m-lora/config.yaml: r 32, alpha 64, lr 1e-3, 5 epochs), its epoch chosen on the
# by-database validation split of Spider train (constrained greedy EX after each epoch, scored here on the validation
# databases), then the ablation rows with the chosen epoch's model as in session6.sh: free and constrained greedy,
# beam 8 inside the grammar (every beam kept for the schema check), free and constrained sampled passes (the votes),
# CSpider and BIRD. `bash nbs/scripts/gpu/session7.sh I|T|E|A`; the calls are listed at the end.
set -u
. "$(dirname "$0")/lib.sh"  # W C O MG, S keep ft gen tuned
RUN=gemma3-270m-lora; R=$C/results/$RUN/config.yaml; TK=model.tokenizer=$W/gemtok
CON=evaluation.constrained=true; STEPS=416  # steps per epoch: 6,648 training records at batch 16
run() {  # DIR FILE SPLIT MODEL OVERRIDES...: one pass of MODEL (in bf16) over SPLIT's prompts into $O/DIR/FILE.jsonl
  local dir=$1 file=$2 split=$3 model=$4; shift 4; mkdir -p $O/$dir
  S generate --config $R --prompts $W/d/$split.prompts.jsonl.gz --out $O/$dir/$file.jsonl model.name=$model \
    model.gguf_file=null model.dtype=bfloat16 $TK paths.cache=$W/cache/$dir-$file "$@" > $W/logs/$dir-$file.log 2>&1
}
chosen() { cat $W/chosen; }  # the merged model of the epoch chosen on validation
sampled() {  # MODE SPLIT K: sampled pass K (T 0.8, seed K), free or constrained
  local c=(); [ $1 = constrained ] && c=($CON)
  run $1 $2.sample$3 $2 $(chosen) evaluation.temperature=0.8 evaluation.seed=$3 "${c[@]}"
}
beams() {  # NAME K SPLIT OVERRIDES...: beam search with K beams (batch 64: K rows per question)
  local name=$1 k=$2 split=$3; shift 3
  run $name $split $split $(chosen) evaluation.num_beams=$k evaluation.batch_size=64 "$@"
}
score() {  # PREDICTIONS OUT: execution accuracy over the validation split (its 8 databases are in $W/data)
  python3 -c "
import json; from simplesql.eval import evaluate
r = evaluate('$1', 'spider', 'train', data_root='$W/data', subset=True, workers=8).summary.loc['all']
json.dump({'n': int(r['count']), 'EX': float(r['EX'])}, open('$2', 'w'))" 2> /dev/null
}
case "${1:-}" in
  I)  # the GGUF from its chunks, checked against the package's SHA256SUMS
    mkdir -p $W/gemma && cat $W/gguf.* > $W/gemma/gemma-3-270m-q4_k_m.gguf && sha256sum $W/gemma/*.gguf |
      grep -q a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818 && echo GGUF ok ;;
  T)  # 5 epochs, a checkpoint (the adapter) at each, merged at the end
    export PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True
    S finetune --config $R --data $W/d --out $W/ft/$RUN --merge model.name=$W/gemma $TK && keep $RUN $RUN ;;
  E)  # each epoch's adapter as soon as its checkpoint is written (only the last two are kept): merged into the base,
      # constrained greedy over the validation split, scored; then the best epoch (the earlier on a tie) is chosen
    mkdir -p $O/epochs
    for n in 1 2 3 4 5; do
      ck=$W/ft/$RUN/checkpoint-$((n * STEPS)); until [ -f $ck/trainer_state.json ]; do sleep 3; done; sleep 5
      mkdir -p $W/ep/$n && cp -r $ck/adapter_config.json $ck/adapter_model.safetensors $W/ep/$n/
      python3 -c "
from simplesql.core import load_config; from simplesql.finetune import bf16_with_adapter, merge_and_save, load_tokenizer
cfg = load_config('$R', ['model.name=$W/gemma', '$TK'])
merge_and_save(bf16_with_adapter(cfg, '$W/ep/$n'), load_tokenizer(cfg), '$W/ep/$n/merged')" > $W/logs/merge$n.log 2>&1
      run epochs valid.e$n valid $W/ep/$n/merged $CON && score $O/epochs/valid.e$n.jsonl $O/epochs/e$n.json &
    done; wait
    python3 -c "
import json; ex = {n: json.load(open(f'$O/epochs/e{n}.json'))['EX'] for n in range(1, 6)}
best = max(ex, key=lambda n: (ex[n], -n)); print('validation EX by epoch', ex, 'chosen', best)
json.dump({'EX_by_epoch': ex, 'chosen': best}, open('$O/epochs/chosen.json', 'w'))
open('$W/chosen', 'w').write(f'$W/ep/{best}/merged')" ;;
  A)  # the rows with the chosen epoch's model, most wanted first, 12 processes at most (16 ran the card out of
      # memory in session 6), a new one as soon as one ends
    until [ -f $W/chosen ]; do sleep 3; done
    mkdir -p $O/constrained && n=$(python3 -c "import json; print(json.load(open('$O/epochs/chosen.json'))['chosen'])") &&
      cp $O/epochs/valid.e$n.jsonl $O/constrained/valid.jsonl
    q() { while [ $(pgrep -fc "simplesql[.]cli generate") -ge 12 ]; do sleep 3; done; "$@" & sleep 1; }
    q run free spider spider $(chosen); q run constrained spider spider $(chosen) $CON; q run free valid valid $(chosen)
    q beams beam8c 8 valid $CON; for i in 0 1 2 3; do q beams beam8c 8 spider$i $CON; done
    for k in 1 2 3 4 5 6 7 8; do for s in valid spider; do q sampled constrained $s $k; q sampled free $s $k; done; done
    for s in cspider bird; do q run free $s $s $(chosen); q run constrained $s $s $(chosen) $CON; q beams beam8c 8 $s $CON; done
    for k in $(seq 9 16); do for s in valid spider; do q sampled constrained $s $k; q sampled free $s $k; done; done
    wait ;;
  *) echo "usage: session7.sh I|T|E|A"; exit 2 ;;
esac
echo "stream ${1} done"

# The calls (device tool, nvidia-h200), the working tree without results/ (but this run's config) and simplesql/models/:
# 1 [.carry/whl .carry/g7/w .carry/g7/c0]: wheels (now with trl, datasets, dill, multiprocess: the H200 image has
#   neither trl nor datasets) into /tmp/site; the code to $C, Gemma's prepared data (prepare-data with this config,
#   spider0-3 = Spider dev's prompts in four shards, in file order) to $W/d, the tokenizer saved by transformers 5.24
#   to $W/gemtok, the validation databases to $W/data, the first GGUF chunk to $W/gguf.0
# 2-5 [.carry/g7/c1] ... [.carry/g7/c4]: the other chunks to $W/gguf.N; then `I`, and `T`, `E`, `A` under setsid,
#   polled: each poll tars $O and the logs into $OUT. On the CPU afterwards: nbs/scripts/constrained.py scores them.
