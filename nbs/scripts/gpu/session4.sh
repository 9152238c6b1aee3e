#!/usr/bin/env bash
# The fourth GPU session (2 H100s of one host, 2026-11-26): issue 8's resume test after the fix (stream M), then on
# separate cards SmolLM2 with LoRA (stream L, card 1) and Gemma 3 270M for 3 epochs (stream G, card 0), and Gemma's
# zero-shot predictions beside L (stream Z, card 1). `bash nbs/scripts/gpu/session4.sh M|L|G|Z`; the calls are at the end.
set -u
. "$(dirname "$0")/lib.sh"  # W C O MG, S keep ft gen tuned
passes() {  # RUN DATA FIRST LAST CARD OVERRIDES...: sampled passes FIRST..LAST (T 0.8, seed K) as concurrent processes on CARD
  local run=$1 data=$2 a=$3 b=$4 card=$5; shift 5
  for k in $(seq $a $b); do CUDA_VISIBLE_DEVICES=$card PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True \
    gen $run finetuned $data spider $(tuned $run) evaluation.temperature=0.8 evaluation.seed=$k --out $O/$run/finetuned/spider.sample$k.jsonl "$@" > $W/logs/$run-pass$k.log 2>&1 & done
  wait
}
gemma_ready() { until [ -f $W/gemma/gemma-3-270m-q4_k_m.gguf ]; do sleep 5; done; }

case "${1:-}" in
  M)  # issue 8: the 2-GPU FSDP run (checkpoints at 60 and 120), then a plain `--resume` on one card, which starts
      # itself under accelerate with FSDP on that card and trains on to step 160
    S finetune --config $MG --data $W/d/smol_cv --out $W/ft/fsdp2 --launcher accelerate --num-gpus 2 --max-steps 120 model.name=$W/smol; keep fsdp2 fsdp2
    ls -la $W/ft/fsdp2/checkpoint-120; touch $W/fsdp2_done
    CUDA_VISIBLE_DEVICES=0 S finetune --config $MG --data $W/d/smol_cv --out $W/ft/fsdp2 --resume --max-steps 160 model.name=$W/smol; keep fsdp2 fsdp2-resumed ;;
  L)  # SmolLM2 with LoRA, the second run's recipe otherwise: greedy Spider, 8 samples, greedy CSpider and BIRD
    until [ -f $W/fsdp2_done ]; do sleep 5; done
    export CUDA_VISIBLE_DEVICES=1; r=smollm2-135m-lora
    ft $r smol_cv model.name=$W/smol
    gen $r finetuned smol_cv spider $(tuned $r)
    gen $r finetuned smol_cv spider $(tuned $r) --samples 8 --temperature 0.8 --out $O/$r/finetuned/spider.samples.jsonl
    for b in cspider bird; do gen $r finetuned smol_cv $b $(tuned $r); done ;;
  G)  # Gemma 3 270M, 3 epochs (beside M's resume on the same card): greedy Spider, 4 samples (each sampled pass
      # takes as long as the greedy one, 2.5 min here), then greedy CSpider and BIRD if the machine is still held
    gemma_ready; until [ -f $W/fsdp2_done ]; do sleep 5; done
    export CUDA_VISIBLE_DEVICES=0 PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True
    r=gemma3-270m-3ep; tk="model.tokenizer=$W/gemtok"
    ft $r gem_cv model.name=$W/gemma $tk
    gen $r finetuned gem_cv spider $(tuned $r) $tk
    gen $r finetuned gem_cv spider $(tuned $r) $tk --samples 4 --temperature 0.8 --out $O/$r/finetuned/spider.samples.jsonl
    for b in cspider bird; do gen $r finetuned gem_cv $b $(tuned $r) $tk; done ;;
  Z)  # Gemma 3 270M zero-shot (the base model, never shown the format) on Spider, beside stream L
    gemma_ready; until [ -f $W/fsdp2_done ]; do sleep 5; done
    export CUDA_VISIBLE_DEVICES=1 PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True
    gen gemma3-270m-3ep baseline gem_cv spider model.name=$W/gemma model.tokenizer=$W/gemtok ;;
  # The streams below were started during the session from files of the same content in /tmp/w (x.sh, y.sh, y2.sh,
  # z.sh, z3.sh, e.sh) once it showed that a sampled pass takes as long as the greedy one (Gemma: 2.5 min) and that
  # small models leave a card mostly idle: the passes ran as separate processes, one seed each, and were merged on
  # the CPU with `merge_sampled_passes` (chapter 05). Pass K's options equal those of `--samples`' pass K.
  X)  # Gemma's greedy CSpider and BIRD on card 1, as soon as the merged model exists
    r=gemma3-270m-3ep; until [ -f $O/$r/summary.json ]; do sleep 5; done
    for b in cspider bird; do CUDA_VISIBLE_DEVICES=1 gen $r finetuned gem_cv $b $(tuned $r) model.tokenizer=$W/gemtok; done ;;
  Y)  # Gemma's sampled passes 1-4 together on card 0 after its greedy Spider (stream G stopped there), then 5-8
    r=gemma3-270m-3ep; until grep -q "questions in.*$r/finetuned/spider.predictions" $W/logs/G.log; do sleep 3; done
    kill $(pgrep -f "session4[.]sh G")
    passes $r gem_cv 1 4 0 model.tokenizer=$W/gemtok; passes $r gem_cv 5 8 0 model.tokenizer=$W/gemtok ;;
  Z2) # SmolLM2 LoRA's sampled passes 1-8 (4 a card) after its greedy Spider (stream L stopped there), then CSpider
      # and BIRD; passes 9-16 on card 1 afterwards (the 16-sample vote of chapter 05)
    r=smollm2-135m-lora; until grep -q "questions in.*$r/finetuned/spider.predictions" $W/logs/L.log; do sleep 3; done
    kill $(pgrep -f "session4[.]sh L")
    passes $r smol_cv 1 4 0 & passes $r smol_cv 5 8 1; wait
    CUDA_VISIBLE_DEVICES=0 gen $r finetuned smol_cv cspider $(tuned $r) & CUDA_VISIBLE_DEVICES=1 gen $r finetuned smol_cv bird $(tuned $r); wait
    passes $r smol_cv 9 16 1 ;;
  E)  # the epochs ablation on card 0 once free: the second run's recipe (full) with 3 epochs instead of 5, greedy Spider
    r=ablation/compact-3ep; export CUDA_VISIBLE_DEVICES=0
    S finetune --config $C/results/$r/config.yaml --data $W/d/smol_cv --out $W/ft/$r --merge model.name=$W/smol && keep $r $r
    gen $r finetuned smol_cv spider $(tuned $r) ;;
  *) echo "usage: session4.sh M|L|G|Z|X|Y|Z2|E"; exit 2 ;;
esac
echo "stream ${1} done"

# The calls (device tool, nvidia-h100-x2). The two GGUFs travel as one byte stream (SmolLM2's 98,362,432 bytes,
# then Gemma's 253,113,024) cut into .carry/k0 (34 MB, with the checksums) and k1..k7 (46 MB): the repository
# itself takes about 18 MB of each call's 64 MiB.
# 1 carry [.whl .carry/dsets .carry/gemtok .carry/k0]: wheels into /tmp/site; data, tokenizer, code into /tmp/w
# 2-3 carry [.carry/k1], [.carry/k2]: append to /tmp/w/both.bin; after k2 cut out the SmolLM2 GGUF, start M, L
# 4-8 carry [.carry/k3] ... [.carry/k7]: append; after k7 cut out the Gemma GGUF (checksums), start G and Z
# then poll calls that tar /tmp/w/out and the logs into $OUT, starting X, Y, Z2 and E on the way (see above).
# Logs, without progress bars and warnings: results/gpu/logs/session4/. On the CPU afterwards, in each run folder:
#   python -c "from simplesql.compare import merge_sampled_passes; ..." (finetuned/spider.sample1..8.jsonl → spider.samples.jsonl)
#   simplesql pipeline results/RUN          (scores, the vote, the comparison; no phase generates or trains)
