#!/usr/bin/env bash
# The first GPU session (results/smollm2-135m/).
# The device-tool calls that made this run (one H100, 2026-11-26), in order, each a separate `run` with the
# `carry` shown; the machine stayed warm between them, so /tmp/w carried over. Prepared here first:
#   simplesql prepare-data .carry/data model.name=<folder of the bundled GGUF>   (prompts + training records, 0.6 MB)
#   the 98 MB GGUF split in two chunks (.carry/a, .carry/b); wheels the GPU image lacks in .whl
#   (trl datasets dill multiprocess xxhash gguf sqlglot fastcore ollama pydantic pydantic-core annotated-types typing-inspection)
S='python3 -m simplesql.cli'
# 1  carry [.whl, .carry/a, .carry/data]                                                      19 s
mkdir -p /tmp/w/smol; cp .carry/a/smolpart.00 /tmp/w/smol/; cp -r .carry/data /tmp/w/
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:$PWD
# 2  carry [.carry/b]: join the GGUF; zero-shot greedy generation, batch 64                 429 s
cat .carry/b/smolpart.01 .carry/b/smolpart.02 >> /tmp/w/smol/smolpart.00; mv /tmp/w/smol/smolpart.00 /tmp/w/smol/SmolLM2-135M-Instruct.Q4_1.gguf
for b in spider cspider bird; do eval $S generate --config results/smollm2-135m/config.yaml --prompts /tmp/w/data/$b.prompts.jsonl.gz --out $OUT/base-$b.jsonl model.name=/tmp/w/smol; done
# 3  full finetune, 3 epochs (1056 steps, 5 min of training), merged model kept on the machine   367 s
eval $S finetune --config results/smollm2-135m/config.yaml --data /tmp/w/data --out /tmp/w/ft --merge model.name=/tmp/w/smol
# 4  carry [.carry/bnb]: finetuned greedy generation (batch 256), then 150 LoRA steps; QLoRA failed here   373 s
#    ("cannot combine quantization and loading from GGUF": fixed since, by dequantizing to a folder first)
for b in spider cspider bird; do eval $S generate --config results/smollm2-135m/config.yaml --prompts /tmp/w/data/$b.prompts.jsonl.gz --out $OUT/ft-$b.jsonl model.name=/tmp/w/ft/merged model.gguf_file=null evaluation.batch_size=256; done
for m in lora qlora; do eval $S finetune --config results/smollm2-135m/config.yaml --data /tmp/w/data --out /tmp/w/$m --max-steps 150 model.name=/tmp/w/smol finetuning.method=$m finetuning.learning_rate=5e-4 finetuning.save_steps=100; done
# 5  4 sampled candidates (T=0.7) on Spider dev: the backend then ignored temperature (4 greedy copies), so the
#    result was discarded; the bug is fixed and tested in 02_ollama.                            241 s
# Back here: the predictions went to baseline/ and finetuned/ as <benchmark>.predictions.jsonl, then
#   simplesql pipeline results/smollm2-135m      (scores them: <benchmark>.eval.jsonl, and compares)
