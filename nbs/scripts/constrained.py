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

`score` scores every row with the official-scorer port: one answer per question without execution (greedy, the top beam,
the first beam or the most written sample that SQLite compiles over the schema: `choose_by_schema`), and the votes by
execution (`choose_by_execution`), each with McNemar's test against the row it builds on, the execution errors counted.
The CPU rows (the shipped Q8_0 GGUF in llama.cpp, results/export_fidelity/q8_0*.jsonl) are scored the same way; their
cost is measured apart: `cpu-speed` answers the first N executable Spider dev questions with the shipped model in
llama.cpp on this machine, free and then inside the grammar, in one process.

Gemma 3 270M with LoRA (nbs/scripts/gpu/session7.sh) is a pipeline run as well: its free Spider answers live in
`finetuned/` (`simplesql pipeline results/gemma3-270m-lora` scores them and the vote), the rest as above:

    python nbs/scripts/constrained.py build-run GPU_OUT results/gemma3-270m-lora      # pipeline and ablation files
    python nbs/scripts/constrained.py score results/gemma3-270m-lora ablation.json    # rows of whatever was run
"""
import os, sys, json, shutil
from pathlib import Path
from simplesql.core import load_config, read_jsonl, write_jsonl, project_root
from simplesql.eval import evaluate, load_spider, load_benchmark
from simplesql.compare import merge_sampled_passes, mcnemar
from simplesql.predict import choose_by_execution, choose_by_schema
from simplesql.grammar import schema_names
from simplesql.finetune import train_valid_split

def scored(sqls: list[str], exs: list):
    "The scorer's rows for `sqls` on `exs` (kept in SCORE_CACHE, if set, by a digest of both: a rerun rescoring nothing)."
    import hashlib, pickle
    cache = os.environ.get('SCORE_CACHE')
    f = cache and Path(cache)/(hashlib.sha256(json.dumps([sqls, [e.id for e in exs]]).encode()).hexdigest() + '.pkl')
    if f and f.exists(): return pickle.loads(f.read_bytes())
    df = evaluate(sqls, examples=exs, workers=2).examples
    if f: f.parent.mkdir(parents=True, exist_ok=True); f.write_bytes(pickle.dumps(df))
    return df

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

PIPELINE_FILES = {'spider.samples': 'spider.samples.jsonl', 'cspider': 'cspider.predictions.jsonl',
                  'bird': 'bird.predictions.jsonl'}

def answers_path(run: Path, mode: str, name: str) -> Path:
    "MODE's answers NAME (`SPLIT.samples`, `cspider`, `bird`): a pipeline run keeps its free dev answers in finetuned/."
    if mode == 'free' and name in PIPELINE_FILES and (run/'finetuned').is_dir(): return run/'finetuned'/PIPELINE_FILES[name]
    return run/mode/f'{name}.jsonl.gz'

def passes(folder: Path, split: str) -> list[Path]:
    "The sampled passes `SPLIT.sampleK.jsonl` in `folder`, by K."
    return sorted(folder.glob(f'{split}.sample*.jsonl'), key=lambda p: int(p.name.split('.sample')[1].split('.')[0]))

def build_run(gpu: Path, run: Path):
    "A pipeline run's files from one session's outputs (session7.sh): greedy answers with every pass, beams, dev sets."
    (run/'finetuned').mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        for mode in ('free', 'constrained'):
            merge_sampled_passes(gpu/mode/f'{split}.jsonl', passes(gpu/mode, split), answers_path(run, mode, f'{split}.samples'))
        if (gpu/'beam8c'/f'{split}.jsonl').exists() or split == 'spider':
            rows = read_jsonl(gpu/'beam8c'/f'{split}.jsonl') if split == 'valid' else \
                   [r for i in range(4) for r in read_jsonl(gpu/'beam8c'/f'spider{i}.jsonl')]  # Spider dev in 4 shards
            write_jsonl(run/'beam8c'/f'{split}.jsonl.gz', rows)
    write_jsonl(run/'finetuned'/'spider.predictions.jsonl', read_jsonl(gpu/'free'/'spider.jsonl'))
    for b in OTHER:
        for mode in ('free', 'constrained', 'beam8c'):
            if (gpu/mode/f'{b}.jsonl').exists(): write_jsonl(answers_path(run, mode, b), read_jsonl(gpu/mode/f'{b}.jsonl'))
    ep = run/'epochs'; ep.mkdir(exist_ok=True)  # the epoch choice: constrained greedy on validation after each epoch
    for f in sorted((gpu/'epochs').glob('valid.e*.jsonl')):
        write_jsonl(ep/(f.name + '.gz'), read_jsonl(f))
    shutil.copy(gpu/'epochs'/'chosen.json', ep/'chosen.json')

def verdicts(sqls: list[str], exs: list) -> dict:
    "Per-question execution match (None where not executable) and the execution errors of the answers."
    df = scored(sqls, exs)
    ok = df['exec_match'].dropna().astype(bool)
    err = df.loc[df['exec_match'].notna(), 'pred_error'].fillna('')
    return dict(execution_accuracy=round(float(ok.mean()), 4), exact_match=round(float(df['exact_match'].astype(float).mean()), 4),
                right=int(ok.sum()), executable=len(ok), no_such_table=int(err.str.contains('no such table').sum()),
                no_such_column=int(err.str.contains('no such column').sum()),
                other_errors=int((err.ne('') & ~err.str.contains('no such (?:table|column)')).sum()),
                wrong_rows=int((err.eq('') & ~ok).sum()), _match=df['exec_match'])

def row(name, v, base=None, answers='one', **kw):
    r = {'row': name, 'answers': answers, **{k: x for k, x in v.items() if not k.startswith('_')}, **kw}
    if base is not None: r['mcnemar_vs'] = {'row': base, **mcnemar(ROWS[base]['_match'], v['_match'])}
    return r

ROWS = {}
def split_rows(run: Path, split: str, exs: list, timeout: float) -> list[dict]:
    "The ablation rows of one split that the run has the answers for, each built on an earlier one."
    byid = {e.id: e for e in exs}; ROWS.clear()
    tables = {e.id: schema_names(e.schema) for e in exs}
    recs = {m: read_jsonl(answers_path(run, m, f'{split}.samples')) for m in ('free', 'constrained')}
    beams = {b: read_jsonl(run/b/f'{split}.jsonl.gz') for b in BEAMS if (run/b/f'{split}.jsonl.gz').exists()}
    for rs in [*recs.values(), *beams.values()]: assert [r['id'] for r in rs] == [e.id for e in exs], split
    k = {m: min(len(r['candidates']) for r in rs) for m, rs in recs.items()}  # sampled passes per question
    out = []
    def add(name, sqls, base=None, answers='one', **kw):
        ROWS[name] = v = verdicts(sqls, exs); out.append(row(name, v, base, answers, **kw))
    top = lambda b: [r['beams'][0] for r in beams[b]]
    schema_first = lambda b: [choose_by_schema(r['beams'], tables[r['id']]) for r in beams[b]]
    schema_vote = lambda rs, n: [choose_by_schema([r['sql'], *r['candidates'][:n]], tables[r['id']], 'vote') for r in rs]
    exec_vote = lambda rs, n, extra=lambda r: []: [choose_by_execution(byid[r['id']], [r['sql'], *r['candidates'][:n], *extra(r)],
                                                                       'vote', timeout) for r in rs]
    add('greedy', [r['sql'] for r in recs['free']])
    add('+ constraint', [r['sql'] for r in recs['constrained']], 'greedy')
    if 'beam4' in beams:
        add('beam 4, top beam', top('beam4'), 'greedy')
        add('beam 4 + schema check', schema_first('beam4'), 'beam 4, top beam')
    if 'beam4c' in beams:
        add('+ constraint, beam 4, top beam', top('beam4c'), '+ constraint')
        add('+ constraint, beam 4 + schema check', schema_first('beam4c'), '+ constraint, beam 4, top beam')
    if 'beam8c' in beams:
        if 'beam4c' not in beams: add('+ constraint, beam 8, top beam', top('beam8c'), '+ constraint')
        add('+ constraint, beam 8 + schema check', schema_first('beam8c'),
            '+ constraint, beam 4 + schema check' if 'beam4c' in beams else '+ constraint, beam 8, top beam')
    n = max(size for size in (0, 8, 16) if k['constrained'] >= size)  # the vote sizes: 9 or 17 answers, never in between
    add(f'+ constraint, {n + 1} samples + schema vote', schema_vote(recs['constrained'], n), '+ constraint',
        answers=f'{n + 1} sampled, no execution')
    for size, prev in [(9, None), (17, 9)]:
        if k['free'] >= size - 1:
            add(f'vote over {size}', exec_vote(recs['free'], size - 1), f'vote over {prev}' if prev else 'greedy',
                answers=f'{size}, by execution')
    for size, prev in [(9, None), (17, 9)]:
        if n >= size - 1:
            add(f'+ constraint, vote over {size}', exec_vote(recs['constrained'], size - 1),
                f'+ constraint, vote over {prev}' if prev else 'vote over 9', answers=f'{size}, by execution')
    if 'beam4c' in beams and n >= 16:
        bc = {r['id']: r['beams'] for r in beams['beam4c']}
        add('+ constraint, vote over 17 + 4 beams', exec_vote(recs['constrained'], 16, lambda r: bc[r['id']]),
            '+ constraint, vote over 17', answers='21, by execution')
    return out

def other_rows(run: Path) -> dict:
    "Exact match on CSpider dev and BIRD mini-dev (no usable databases) of the answers the run has: free, constrained, beams + check."
    out = {}
    for b in OTHER:
        exs = load_benchmark(b, 'dev')
        tables = {e.id: schema_names(e.schema) for e in exs}
        files = {'greedy': ('free', None), '+ constraint': ('constrained', 'greedy'),
                 '+ constraint, beam 4 + schema check': ('beam4c', '+ constraint'),
                 '+ constraint, beam 8 + schema check': ('beam8c', '+ constraint')}
        answers = {name: ([choose_by_schema(r['beams'], tables[r['id']]) for r in rs] if mode.startswith('beam')
                          else [r['sql'] for r in rs], base)
                   for name, (mode, base) in files.items() if answers_path(run, mode, b).exists()
                   for rs in [read_jsonl(answers_path(run, mode, b))]}
        em = {k: scored(v, exs)['exact_match'] for k, (v, _) in answers.items()}  # None where the gold does not parse
        out[b] = [dict(row=k, questions=len(exs), exact_match=round(float(em[k].astype(float).mean()), 4),
                       **({'mcnemar_vs': {'row': base, **mcnemar(em[base], em[k])}} if base in em else {}))
                  for k, (_, base) in answers.items()]
    return out

def score(run: Path, out_name: str = 'summary.json'):
    "Every row the run has answers for into run/OUT_NAME; SmolLM2's (summary.json) with the shipped model's CPU rows."
    cfg = load_config(run/'config.yaml')
    exs = {'valid': train_valid_split(cfg)[1], 'spider': load_spider('dev')}
    out = other_rows(run)
    out.update({split: split_rows(run, split, exs[split], cfg.evaluation.query_timeout) for split in SPLITS})
    if out_name == 'summary.json':
        fid, dev, cpu = project_root()/'results'/'export_fidelity', [e for e in exs['spider'] if e.db_path], []
        for name, f, base in [('greedy', 'q8_0.jsonl', None), ('+ constraint', 'q8_0-constrained.jsonl', 'greedy')]:
            recs = {r['id']: r for r in read_jsonl(fid/f)}
            ROWS[name] = v = verdicts([recs[e.id]['sql'] for e in dev], dev)
            cpu.append(row(name, v, base))
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
