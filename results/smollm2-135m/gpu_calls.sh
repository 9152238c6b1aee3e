# The device-tool calls that made this run (one H100, 2026-11-26), in order, each a separate `run` with the
# `carry` shown. What they need was prepared here first:
#   simplesql prepare-data .carry/data model.name=<dir of the bundled GGUF>      (prompts + training records)
#   the GGUF split in two 49 MB chunks (.carry/a, .carry/b); wheels the GPU image lacks in .whl
# 1  carry [.whl, .carry/a, .carry/data]
set -e; mkdir -p /tmp/w/smol; cp .carry/a/smolpart.00 /tmp/w/smol/; cp -r .carry/data /tmp/w/
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
# 2  carry [.carry/b]: join the GGUF, zero-shot generation (greedy) on Spider dev, CSpider dev, BIRD mini-dev
cat .carry/b/smolpart.01 .carry/b/smolpart.02 >> /tmp/w/smol/smolpart.00; mv /tmp/w/smol/smolpart.00 /tmp/w/smol/SmolLM2-135M-Instruct.Q4_1.gguf
export PYTHONPATH=/tmp/site:$PWD; S="python3 -c 'from simplesql.core import main; main()'"
for b in spider cspider bird; do $S generate --config results/smollm2-135m/config.yaml --prompts /tmp/w/data/$b.prompts.jsonl.gz --out $OUT/base-$b.jsonl model.name=/tmp/w/smol; done
# 3  full finetune, 3 epochs, merged model kept on the machine
$S finetune --config results/smollm2-135m/config.yaml --data /tmp/w/data --out /tmp/w/ft --merge model.name=/tmp/w/smol
# 4  finetuned generation: greedy + 8 samples (T=0.7) on Spider dev, greedy on CSpider and BIRD
$S generate --config results/smollm2-135m/config.yaml --prompts /tmp/w/data/spider.prompts.jsonl.gz --out $OUT/ft-spider.jsonl --samples 8 model.name=/tmp/w/ft/merged model.gguf_file=null
