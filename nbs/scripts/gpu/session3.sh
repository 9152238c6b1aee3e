#!/usr/bin/env bash
# The third GPU session (2 H100s of one host, 2026-11-26): issue 8's multi-GPU runs (stream M) and, on the second
# card once M no longer needs it, Gemma 3 270M again (stream G) with the tokenizer saved by transformers 5.24 here:
# the GPU image's transformers 5.17 read the Gemma GGUF's tokenizer into 3.4 times as many tokens (604 for a prompt
# of 179) and its generations were garbled, so session 2's Gemma numbers were discarded.
# `bash nbs/scripts/gpu/session3.sh M|G`; the calls are listed at the end.
set -u
. "$(dirname "$0")/lib.sh"  # W C O MG, S keep ft gen tuned

case "${1:-}" in
  M)  # the same recipe: 2 GPUs with FSDP, 1 GPU with FSDP, then launcher vs plain on 1 GPU, then resume on 1 GPU
    S finetune --config $MG --data $W/d/smol_cv --out $W/ft/fsdp2 --launcher accelerate --num-gpus 2 --max-steps 120 model.name=$W/smol; keep fsdp2 fsdp2
    touch $W/fsdp2_done
    export CUDA_VISIBLE_DEVICES=0
    S finetune --config $MG --data $W/d/smol_cv --out $W/ft/fsdp1 --launcher accelerate --num-gpus 1 --max-steps 120 model.name=$W/smol; keep fsdp1 fsdp1
    S finetune --config $MG --data $W/d/smol_cv --out $W/ft/acc1 --launcher accelerate --num-gpus 1 --no-fsdp --max-steps 60 model.name=$W/smol; keep acc1 acc1
    S finetune --config $MG --data $W/d/smol_cv --out $W/ft/plain1 --max-steps 60 model.name=$W/smol; keep plain1 plain1
    # the 2-GPU FSDP run's checkpoint (step 120) resumed by a plain run on one GPU, 40 steps further
    S finetune --config $MG --data $W/d/smol_cv --out $W/ft/fsdp2 --resume --max-steps 160 model.name=$W/smol; keep fsdp2 fsdp2-resumed ;;
  G)  # Gemma 3 270M on the second card: 1 epoch, greedy Spider, then zero-shot Spider
    until [ -f $W/fsdp2_done ]; do sleep 5; done
    export CUDA_VISIBLE_DEVICES=1 PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True
    r=gemma3-270m; tk="model.tokenizer=$W/gemtok"
    S finetune --config $C/results/$r/config.yaml --data $W/d/gem_cv --out $W/ft/$r --merge model.name=$W/gemma $tk finetuning.num_epochs=1 && keep $r $r
    mkdir -p $O/$r/finetuned $O/$r/baseline
    S generate --config $C/results/$r/config.yaml --prompts $W/d/gem_cv/spider.prompts.jsonl.gz --out $O/$r/finetuned/spider.predictions.jsonl model.name=$W/ft/$r/merged model.gguf_file=null $tk
    S generate --config $C/results/$r/config.yaml --prompts $W/d/gem_cv/spider.prompts.jsonl.gz --out $O/$r/baseline/spider.predictions.jsonl model.name=$W/gemma $tk ;;
  M2) # the 2-GPU run again, once the model is placed on each process's own card (the first try put both ranks'
      # models on cuda:0: "Inconsistent compute device and device_id on rank 1"), after G has freed the second card
    until grep -q "stream G done" $W/logs/G.log; do sleep 5; done
    rm -rf $W/ft/fsdp2
    S finetune --config $MG --data $W/d/smol_cv --out $W/ft/fsdp2 --launcher accelerate --num-gpus 2 --max-steps 120 model.name=$W/smol; keep fsdp2 fsdp2
    CUDA_VISIBLE_DEVICES=0 S finetune --config $MG --data $W/d/smol_cv --out $W/ft/fsdp2 --resume --max-steps 160 model.name=$W/smol; keep fsdp2 fsdp2-resumed ;;
  *) echo "usage: session3.sh M|G|M2"; exit 2 ;;
esac
echo "stream ${1} done"

# The calls (device tool, nvidia-h100-x2):
# 1 carry [.whl .carry/a .carry/dsets .carry/gemtok]: wheels into /tmp/site, SmolLM2 chunk 1, data, code, tokenizer
# 2 carry [.carry/b]: join the SmolLM2 GGUF, start stream M (setsid bash nbs/scripts/gpu/session3.sh M > logs/M.log)
# 3-7 carry [.carry/g0] ... [.carry/g4]: the Gemma GGUF; after the last, join and start stream G
# then poll calls that tar /tmp/w/out and the logs into $OUT
