"""Issue 16's ablation rows for the shipped SmolLM2-135M LoRA model, on the by-database validation split of Spider train
(where choices are made) and on Spider dev (the reported test): greedy → + schema grammar → beam search and the schema
check (one answer, no execution) → votes by execution.

    python nbs/scripts/constrained.py build GPU_OUT results/smollm2-135m-constrained   # answer files from the passes
    python nbs/scripts/constrained.py score results/smollm2-135m-constrained           # → summary.json
    python nbs/scripts/constrained.py cpu-speed results/smollm2-135m-constrained N     # → cpu_speed.json

GPU_OUT holds `simplesql generate` outputs (nbs/scripts/gpu/session6.sh): `constrained/SPLIT.jsonl` (greedy inside the
grammar) and `SPLIT.sampleK.jsonl` (T 0.8, seed K, 1-16), `free/SPLIT.sampleK.jsonl` (9-16; 1-8 and the free greedy
answers came from session 5 and stay in free/SPLIT.samples.jsonl.gz), `beam4/`, `beam4c/`, `beam8c/` SPLIT.jsonl (beam
search with 4 or 8 beams, free or constrained, every beam kept), and the CSpider and BIRD answers (`free`,
`constrained`, `beam4c` cspider|bird.jsonl). `build` writes MODE/SPLIT.samples.jsonl.gz (the greedy row, its
candidates the passes' answers) and copies the beam and CSpider/BIRD files, gzipped.

`score` writes the rows of `simplesql ablation` (chapter compare: `decoding_ablation`): one answer per question
without execution (greedy, the top beam, the first beam or the most written sample that SQLite compiles over the
schema), and the votes by execution, each with McNemar's test against the row it builds on, the execution errors
counted; `simplesql ablation RUN --check FILE` checks a committed file against them.
The CPU rows (the shipped Q8_0 GGUF in llama.cpp, results/export_fidelity/q8_0*.jsonl) are scored the same way; their
cost is measured apart: `cpu-speed` answers the first N executable Spider dev questions with the shipped model in
llama.cpp on this machine, free and then inside the grammar, in one process.

Gemma 3 270M with LoRA (nbs/scripts/gpu/session7.sh) is a pipeline run as well: its free Spider answers live in
`finetuned/` (`simplesql pipeline results/gemma3-270m-lora` scores them and the vote), the rest as above:

    python nbs/scripts/constrained.py build-run GPU_OUT results/gemma3-270m-lora      # pipeline and ablation files
    simplesql pipeline results/gemma3-270m-lora --benchmarks spider,cspider,bird    # scores, vote, ablation.json
"""
import os, sys, json, shutil
from pathlib import Path
from simplesql.core import load_config, read_jsonl, write_jsonl, project_root
from simplesql.eval import load_spider
from simplesql.compare import merge_sampled_passes, answers_file, run_answers, row_verdicts, decoding_ablation, _row

SPLITS, BEAMS, OTHER = ('valid', 'spider'), ('beam4', 'beam4c', 'beam8c'), ('cspider', 'bird')

def build(gpu: Path, run: Path):
    for split in SPLITS:
        merge_sampled_passes(gpu/'constrained'/f'{split}.jsonl', [gpu/'constrained'/f'{split}.sample{k}.jsonl' for k in range(1, 17)],
                             run/'constrained'/f'{split}.samples.jsonl.gz')
        free = run/'free'/f'{split}.samples.jsonl'  # session 5: the greedy answers and passes 1-8
        if free.exists():
            merge_sampled_passes(free, [gpu/'free'/f'{split}.sample{k}.jsonl' for k in range(9, 17)], str(free) + '.gz')
            free.unlink()
        (run/'constrained'/f'{split}.samples.jsonl').unlink(missing_ok=True)  # session 5's, inside the older grammar
        for b in BEAMS:
            if (gpu/b/f'{split}.jsonl').exists(): write_jsonl(run/b/f'{split}.jsonl.gz', read_jsonl(gpu/b/f'{split}.jsonl'))
    for b in OTHER:
        for mode in ('free', 'constrained', 'beam4c'): write_jsonl(run/mode/f'{b}.jsonl.gz', read_jsonl(gpu/mode/f'{b}.jsonl'))

def passes(folder: Path, split: str) -> list[Path]:
    "The sampled passes `SPLIT.sampleK.jsonl` in `folder`, by K."
    return sorted(folder.glob(f'{split}.sample*.jsonl'), key=lambda p: int(p.name.split('.sample')[1].split('.')[0]))

def build_run(gpu: Path, run: Path):
    "A pipeline run's files from one session's outputs (session7.sh): greedy answers with every pass, beams, dev sets."
    (run/'finetuned').mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        for mode in ('free', 'constrained'):
            merge_sampled_passes(gpu/mode/f'{split}.jsonl', passes(gpu/mode, split), answers_file(run, mode, f'{split}.samples'))
        if (gpu/'beam8c'/f'{split}.jsonl').exists() or split == 'spider':
            rows = read_jsonl(gpu/'beam8c'/f'{split}.jsonl') if split == 'valid' else \
                   [r for i in range(4) for r in read_jsonl(gpu/'beam8c'/f'spider{i}.jsonl')]  # Spider dev in 4 shards
            write_jsonl(run/'beam8c'/f'{split}.jsonl.gz', rows)
    write_jsonl(run/'finetuned'/'spider.predictions.jsonl', read_jsonl(gpu/'free'/'spider.jsonl'))
    for b in OTHER:
        for mode in ('free', 'constrained', 'beam8c'):
            if (gpu/mode/f'{b}.jsonl').exists(): write_jsonl(answers_file(run, mode, b), read_jsonl(gpu/mode/f'{b}.jsonl'))
    ep = run/'epochs'; ep.mkdir(exist_ok=True)  # the epoch choice: constrained greedy on validation after each epoch
    for f in sorted((gpu/'epochs').glob('valid.e*.jsonl')):
        write_jsonl(ep/(f.name + '.gz'), read_jsonl(f))
    shutil.copy(gpu/'epochs'/'chosen.json', ep/'chosen.json')

def score(run: Path, out_name: str = 'summary.json'):
    "Every row the run has answers for (`simplesql ablation`'s) into run/OUT_NAME; SmolLM2's with the shipped model's CPU rows."
    cfg = load_config(run/'config.yaml')
    out = decoding_ablation(cfg, run)
    if out_name == 'summary.json':
        fid, dev, cpu, v = project_root()/'results'/'export_fidelity', [e for e in load_spider('dev') if e.db_path], [], {}
        for name, f, base in [('greedy', 'q8_0.jsonl', None), ('+ constraint', 'q8_0-constrained.jsonl', 'greedy')]:
            v[name] = row_verdicts(cfg, [r['sql'] for r in run_answers(fid/f, dev)], dev)
            cpu.append(_row(name, v[name], v, base, 'one'))
        out['cpu_q8_0_spider_executable'] = cpu
    (run/out_name).write_text(json.dumps(out, indent=1, default=float) + '\n')
    for k, rows in out.items():
        print(k)
        for r in rows:
            m = r.get('execution_accuracy', r.get('exact_match'))
            print(f"  {r['row']:42} {m:.3f}  no such table {r.get('no_such_table', '-'):>3}  no such column "
                  f"{r.get('no_such_column', '-'):>3}  p {r.get('mcnemar_vs', {}).get('p_value', float('nan')):.3g}")

def cpu_speed(run: Path, n: int):
    import time
    from simplesql.ship import shipped_gguf, TRAINING_FORMAT
    from simplesql.ollama import LlamaCppBackend, gen_options, generate
    from simplesql.predict import prompt_item, item_grammars
    from simplesql.core import apply_overrides
    cfg = load_config(None, TRAINING_FORMAT)
    items = [prompt_item(e, cfg.benchmark) for e in load_spider('dev') if e.db_path][:n]
    backend, res = LlamaCppBackend(shipped_gguf('q8_0', cfg), gen_options(cfg)), {}
    generate([items[0]['messages']], backend)  # the model loaded before either timing
    for mode in ('free', 'constrained'):
        grammars = item_grammars(apply_overrides(cfg, [f'evaluation.constrained={mode == "constrained"}']), items)
        t = time.perf_counter(); preds = generate([i['messages'] for i in items], backend, progress=False, grammars=grammars)
        secs, toks = time.perf_counter() - t, sum(p.completion_tokens for p in preds)
        res[mode] = dict(questions=n, seconds_per_question=round(secs / n, 3), completion_tokens=toks,
                         completion_tokens_per_s=round(toks / secs, 1))
    res['threads'], res['machine'] = backend.llm.n_threads if hasattr(backend.llm, 'n_threads') else None, f'{os.cpu_count()} cores'
    (run/'cpu_speed.json').write_text(json.dumps(res, indent=1) + '\n'); print(res)

if __name__ == '__main__':
    cmd, *args = sys.argv[1:]
    if cmd == 'build': build(Path(args[0]), Path(args[1]))
    elif cmd == 'build-run': build_run(Path(args[0]), Path(args[1]))
    elif cmd == 'score': score(Path(args[0]), *args[1:])
    else: cpu_speed(Path(args[0]), int(args[1]))
