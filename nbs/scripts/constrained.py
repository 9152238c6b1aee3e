"""Issue 16's ablation rows for the shipped SmolLM2-135M LoRA model: greedy → + schema grammar → + vote over 9, on the
by-database validation split of Spider train (where the choice is made) and on Spider dev (the reported test).

    python nbs/scripts/constrained.py build GPU_OUT results/smollm2-135m-constrained   # samples files from the passes
    python nbs/scripts/constrained.py score results/smollm2-135m-constrained           # → summary.json
    python nbs/scripts/constrained.py cpu-speed results/smollm2-135m-constrained N     # → cpu_speed.json

GPU_OUT holds `free/` and `constrained/` folders of `simplesql generate` outputs (nbs/scripts/gpu/session5.sh): SPLIT.jsonl
(greedy) and SPLIT.sampleK.jsonl (T 0.8, seed K; 8 free passes, 16 constrained), SPLIT spider (dev) or valid. `build` merges each mode's greedy answers
and passes into MODE/SPLIT.samples.jsonl (the greedy row, its candidates the passes' answers); `score` runs the scorer on
the greedy answers and on the answer chosen by execution among the greedy one and the first 8 samples, and for the constrained answers all
16 (`choose_by_execution`),
with McNemar's test against the row each builds on, and counts the execution errors the grammar is meant to remove.
The CPU rows (the shipped Q8_0 GGUF in llama.cpp, results/export_fidelity/q8_0*.jsonl) are scored the same way; their
answers were made on different machines, so their cost is measured apart: `cpu-speed` answers the first N executable
Spider dev questions with the shipped model in llama.cpp on this machine, free and then inside the grammar, in one
process (the grammar's compilation and llguidance's view of the vocabulary are counted in the constrained time).
"""
import os, sys, json
from pathlib import Path
from simplesql.core import load_config, read_jsonl, project_root
from simplesql.eval import evaluate, load_spider
from simplesql.compare import merge_sampled_passes, mcnemar
from simplesql.predict import choose_by_execution
from simplesql.finetune import train_valid_split

MODES, SPLITS, PASSES = ('free', 'constrained'), ('valid', 'spider'), {'free': 8, 'constrained': 16}

def build(gpu: Path, run: Path):
    for mode in MODES:
        (run/mode).mkdir(parents=True, exist_ok=True)
        for split in SPLITS:
            merge_sampled_passes(gpu/mode/f'{split}.jsonl', [gpu/mode/f'{split}.sample{k}.jsonl' for k in range(1, PASSES[mode] + 1)],
                                 run/mode/f'{split}.samples.jsonl')

def verdicts(sqls: list[str], exs: list) -> dict:
    "Per-question execution match (None where not executable) and the execution errors of the answers."
    df = evaluate(sqls, examples=exs, workers=2).examples
    ok = df['exec_match'].dropna().astype(bool)
    err = df.loc[df['exec_match'].notna(), 'pred_error'].fillna('')
    return dict(execution_accuracy=round(float(ok.mean()), 4), exact_match=round(float(df['exact_match'].astype(float).mean()), 4),
                right=int(ok.sum()), executable=len(ok), no_such_table=int(err.str.contains('no such table').sum()),
                no_such_column=int(err.str.contains('no such column').sum()),
                other_errors=int((err.ne('') & ~err.str.contains('no such (?:table|column)')).sum()),
                wrong_rows=int((err.eq('') & ~ok).sum()), _match=df['exec_match'])

def row(name, v, base=None, **kw):
    r = {'row': name, **{k: x for k, x in v.items() if not k.startswith('_')}, **kw}
    if base is not None: r['mcnemar_vs'] = {'row': base[0], **mcnemar(base[1]['_match'], v['_match'])}
    return r

def score(run: Path):
    cfg = load_config(run/'config.yaml')
    exs = {'valid': train_valid_split(cfg)[1], 'spider': load_spider('dev')}
    out = {}
    for split in SPLITS:
        byid = {e.id: e for e in exs[split]}
        rows, res = [], {}
        for mode in MODES:
            recs = read_jsonl(run/mode/f'{split}.samples.jsonl')
            assert [r['id'] for r in recs] == [e.id for e in exs[split]], (mode, split)
            res[mode, 'greedy'] = verdicts([r['sql'] for r in recs], exs[split])
            for n in sorted({8, PASSES[mode]}):  # the vote over the greedy answer and the first n samples
                voted = [choose_by_execution(byid[r['id']], [r['sql'], *r['candidates'][:n]], 'vote',
                                             cfg.evaluation.query_timeout) for r in recs]
                res[mode, f'vote{n + 1}'] = verdicts(voted, exs[split])
        rows.append(row('greedy', res['free', 'greedy']))
        rows.append(row('+ constraint', res['constrained', 'greedy'], ('greedy', res['free', 'greedy'])))
        rows.append(row('+ vote over 9', res['free', 'vote9'], ('greedy', res['free', 'greedy'])))
        rows.append(row('+ constraint and vote over 9', res['constrained', 'vote9'], ('+ vote over 9', res['free', 'vote9'])))
        rows.append(row('+ constraint and vote over 17', res['constrained', 'vote17'],
                        ('+ constraint and vote over 9', res['constrained', 'vote9'])))
        out[split] = rows
    fid = project_root()/'results'/'export_fidelity'
    dev = [e for e in exs['spider'] if e.db_path]
    cpu = {}
    for name, f in [('greedy', 'q8_0.jsonl'), ('+ constraint', 'q8_0-constrained.jsonl')]:
        recs = {r['id']: r for r in read_jsonl(fid/f)}
        v = verdicts([recs[e.id]['sql'] for e in dev], dev)
        cpu[name] = v
    out['cpu_q8_0_spider_executable'] = [row('greedy', cpu['greedy']), row('+ constraint', cpu['+ constraint'], ('greedy', cpu['greedy']))]
    (run/'summary.json').write_text(json.dumps(out, indent=1, default=float) + '\n')
    for k, rows in out.items():
        print(k)
        for r in rows: print(f"  {r['row']:30} EX {r['execution_accuracy']:.3f}  no such table {r['no_such_table']:3}  "
                             f"no such column {r['no_such_column']:3}  p {r.get('mcnemar_vs', {}).get('p_value', float('nan')):.3g}")

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
    for mode in MODES:
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
    elif cmd == 'score': score(Path(args[0]))
    else: cpu_speed(Path(args[0]), int(args[1]))
