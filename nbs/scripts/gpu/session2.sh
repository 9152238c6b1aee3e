#!/usr/bin/env bash
# The second GPU session (one H100, 2026-11-26): SmolLM2-135M v2 and its ablations, QLoRA/LoRA, Gemma 3 270M.
# Small models leave an H100 mostly idle (each step waits on Python), so the jobs run as four background streams
# that share the GPU. `bash nbs/scripts/gpu/session2.sh STREAM` runs one stream; the device-tool calls that staged the
# files and started the streams are at the end of this file.
#
# Prepared here first, into ignored folders that the calls carry:
#   simplesql prepare-data .carry/dsets/smol_cv model.name=<bundled GGUF folder> benchmark.schema_format=compact benchmark.value_hints=true
#   simplesql prepare-data .carry/dsets/gem_cv  model.name=<Gemma GGUF folder>   benchmark.schema_format=compact benchmark.value_hints=true
#   .carry/data (the first run's DDL records), the SmolLM2 GGUF in 2 chunks, the Gemma GGUF in 5, bitsandbytes, .whl
set -u
. "$(dirname "$0")/lib.sh"  # W C O MG, S keep ft gen tuned


case "${1:-}" in
  A)  # the main SmolLM2 run: 5 epochs, then greedy on the three benchmarks and 8 sampled candidates on Spider;
      # then 150 QLoRA steps (the method's first GPU run: loss curve only)
    r=smollm2-135m-v2
    ft $r smol_cv model.name=$W/smol
    for b in spider cspider bird; do gen $r finetuned smol_cv $b $(tuned $r); done
    gen $r finetuned smol_cv spider $(tuned $r) --samples 8 --temperature 0.8 --out $O/$r/finetuned/spider.samples.jsonl
    S finetune --config $C/results/ablation/qlora-1ep/config.yaml --data $W/d/smol_cv --out $W/ft/qlora --max-steps 150 model.name=$W/smol &&
      mkdir -p $O/qlora && cp $W/ft/qlora/summary.json $W/ft/qlora/log_history.json $O/qlora/ ;;
  B)  # zero-shot with the compact prompt, then the prompt-format ablation (DDL+rows vs compact, 3 epochs each)
    for b in spider cspider bird; do gen smollm2-135m-v2 baseline smol_cv $b model.name=$W/smol; done
    ft ablation/ddl-3ep data model.name=$W/smol && gen ablation/ddl-3ep finetuned data spider $(tuned ablation/ddl-3ep)
    ft ablation/compact-3ep smol_cv model.name=$W/smol && gen ablation/compact-3ep finetuned smol_cv spider $(tuned ablation/compact-3ep) ;;
  C)  # LoRA and QLoRA on the same data
    ft ablation/lora-3ep smol_cv model.name=$W/smol && gen ablation/lora-3ep finetuned smol_cv spider $(tuned ablation/lora-3ep)
    ft ablation/qlora-1ep smol_cv model.name=$W/smol && gen ablation/qlora-1ep finetuned smol_cv spider $(tuned ablation/qlora-1ep) ;;
  D)  # Gemma 3 270M: full finetune (fp32 master weights), greedy, 8 sampled candidates on Spider; zero-shot last
    r=gemma3-270m
    ft $r gem_cv model.name=$W/gemma
    for b in spider cspider bird; do gen $r finetuned gem_cv $b $(tuned $r); done
    gen $r finetuned gem_cv spider $(tuned $r) --samples 8 --temperature 0.8 --out $O/$r/finetuned/spider.samples.jsonl
    for b in spider cspider bird; do gen $r baseline gem_cv $b model.name=$W/gemma; done ;;
  E)  # Gemma 3 270M, what fitted in the machine's last 15 minutes: 1 epoch, then greedy Spider
    r=gemma3-270m
    PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True ft $r gem_cv model.name=$W/gemma finetuning.num_epochs=1 &&
      gen $r finetuned gem_cv spider $(tuned $r) ;;
  *) echo "usage: session2.sh A|B|C|D|E"; exit 2 ;;
esac
echo "stream ${1} done"

# The calls (device tool, one H100; the machine stayed warm between them, so /tmp/w carried over):
# 1 carry [.whl .carry/a .carry/data .carry/dsets]: install the wheels into /tmp/site; stage chunk 1, data, code
#     pip install --no-index --no-deps --target /tmp/site .whl/*.whl; mkdir -p /tmp/w/{smol,gemma,d,logs}
#     cp .carry/a/* /tmp/w/smol/; cp -r .carry/data .carry/dsets/* /tmp/w/d/; cp -r simplesql results /tmp/w/code/
# 2 carry [.carry/b]: join the SmolLM2 GGUF; start streams A and B (setsid bash nbs/scripts/gpu/session2.sh A > logs/A)
# 3 carry [.carry/bnb]: install bitsandbytes; start stream C
# 4-8 carry [.carry/g0] ... [.carry/g4]: the Gemma GGUF in 5 chunks; after the last, join and start stream D
# 9 four streams left the H100 too thinly shared (stream A, then planned for 8 epochs, ran at 0.6 s a step): B and
#   C were stopped before they finished anything but B's zero-shot Spider predictions, A was restarted for 5 epochs
#   with QLoRA appended. D's zero-shot generation ran out of GPU memory (batch 256 beside three other jobs) and its
#   training, in pure bf16, went to NaN by step 20: D was restarted with fp32 master weights (bf16 autocast),
#   2 epochs, generation batch 64, zero-shot moved last. Its training ran out of memory again beside stream A's
#   (the allocators of four processes had filled the card), so stream E trained Gemma alone for the 1 epoch that the
#   machine's remaining time allowed, while D made the zero-shot predictions. E went to NaN as well, with fp32
#   weights: Gemma 3 needs eager attention to train (sdpa gives NaN gradients); E was restarted with
#   model.attn_implementation=eager and D stopped after its zero-shot Spider. B's and C's ablations are not in the report.
# then: poll calls that tar /tmp/w/out and the logs into $OUT (what is finished comes back each time)
# 10 carry [.carry/bench]: the training-throughput benchmark on the otherwise idle card, after the streams ended:
#     python3 .carry/bench/bench.py --shapes 7b,smollm2-135m --lengths results/smollm2-135m/finetuned/spider.predictions.jsonl \
#       --steps 15 --warmup 3 --out $OUT/throughput.jsonl            → results/throughput.jsonl
#     (.carry/bench/bench.py held the exported cells of 04_finetune's throughput section before they were in the
#     package; `simplesql bench-train` with the same arguments is the same code)

