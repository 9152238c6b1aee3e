#!/usr/bin/env bash
# The ninth GPU session (one H200, 2026-12-01): 292 seconds of device time were left, enough for one call. Issue 18's
# first measurement through `finetune` (trl) on the GPU: `simplesql bench-train --data` runs FINETUNE_OPTIONS (chapter
# 04c) on a random-weight Llama-7B shape with SmolLM2's tokenizer (49,152 tokens), LoRA rank 16 on all linear
# projections, over real prompt/completion records (600 of results/smollm2-135m-user's prepared training records,
# shuffled with seed 0), each row on top of the one before, written to $OUT/throughput.jsonl as it is measured.
# Carried in .carry/t9: the wheels the GPU image lacks (trl 1.16.0, datasets 5.2.0, liger-kernel 0.8.5, ...), the
# tokenizer saved from the bundled GGUF (`smoltok`), the records (`d`). The call: `bash nbs/scripts/gpu/session9.sh`.
set -u
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .carry/t9/whl/*.whl || exit
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 TQDM_DISABLE=1 TOKENIZERS_PARALLELISM=false
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
timeout ${LIMIT:-130} python3 -m simplesql.cli bench-train --data .carry/t9/d --shapes 7b --steps 12 --warmup 2 \
  model.tokenizer=.carry/t9/smoltok --out $OUT/throughput.jsonl > $OUT/bench-train.log 2>&1
echo "rc $?"; grep "^7b |\|rror" $OUT/bench-train.log | tail -12

# What happened (one call, 163 s held of the 292 s left; 130 s of it the command): five of the six rows measured
# (results/throughput.jsonl, the rows with "through": "finetune"; log: results/gpu/logs/session9-bench-train.log):
# padded 2.4k tokens/s, packed 4.4k, no checkpointing 7.9k (21.4% MFU), + Liger 8.1k (21.8%), micro-batch 2 7.3k.
# The sixth, torch.compile over Liger, was still compiling when `timeout` stopped it: dynamo traced into Liger's
# Triton kernels and their compilation failed ("'float' object has no attribute 'to'"). 126 s of device time were
# left afterwards, below the 4 minutes a machine needs to be started: no further call this session.
