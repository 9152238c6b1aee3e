"""Show that a refactoring changed no behaviour (issue #15, the chapters redesign).

    python nbs/scripts/check_behaviour.py rescore [RESULTS_DIR]
        Re-score every committed run from its predictions with today's code (nothing read back from saved rows) and
        compare each question's verdicts (execution match, exact match, hardness) with the committed ones; and the
        export-fidelity scores from each form's committed answers (`rescore-fidelity`: that part alone).
    python nbs/scripts/check_behaviour.py slice CHECKOUT LABEL [N]
        Regenerate the first N (50) Spider dev questions with each CPU backend (llama.cpp in-process, transformers,
        and the official Ollama client against the project's Ollama-compatible server) using the simplesql package of
        CHECKOUT (a git worktree of any commit), into RESULTS_DIR/behaviour_check/slice-LABEL-BACKEND.jsonl.
    python nbs/scripts/check_behaviour.py compare BEFORE AFTER
        Compare two slices question by question (same SQL, same raw text).

Summaries go to RESULTS_DIR/behaviour_check/*.json. Data: $SIMPLESQL_DATA_ROOT or the project's paths.data.
"""
import sys, os, json, subprocess, tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
OUT = HERE/'results'/'behaviour_check'
BACKENDS = ('llamacpp', 'transformers', 'ollama')

def _rate(rows: dict, key: str):
    v = [r[key] for r in rows.values() if r.get(key) is not None]
    return round(sum(v) / len(v), 4) if v else None

def rescore(root: Path):
    "Per run: questions, and how many verdicts differ from the committed ones."
    from simplesql.core import read_jsonl
    from simplesql.eval import load_benchmark, evaluate
    benchmarks, report = {}, {}
    for ev in sorted(root.rglob('*.eval.jsonl')):
        bench = ev.name.split('.')[0]
        pred = ev.with_name(f'{bench}.predictions.jsonl')
        if not pred.exists(): report[str(ev.relative_to(root))] = 'no predictions file'; continue
        exs = benchmarks.setdefault(bench, load_benchmark(bench, 'dev'))
        old = {r['id']: r for r in read_jsonl(ev)}
        with tempfile.TemporaryDirectory() as d:
            evaluate(pred, bench, examples=exs, out=Path(d)/'eval.jsonl', subset=True)
            new = {r['id']: r for r in read_jsonl(Path(d)/'eval.jsonl')}
        keys = ('exec_match', 'exact_match', 'hardness')
        diff = {k: [i for i in old if old[i].get(k) != new.get(i, {}).get(k)] for k in keys}
        report[str(ev.relative_to(root))] = dict(questions=len(old), **{f'{k}_different': len(v) for k, v in diff.items()},
                                                 EX=_rate(new, 'exec_match'), EM=_rate(new, 'exact_match'),
                                                 first_different={k: v[:5] for k, v in diff.items() if v})
        print(ev.relative_to(root), report[str(ev.relative_to(root))], flush=True)
    return report

def rescore_fidelity(root: Path) -> dict:
    "The export-fidelity scores recomputed from the committed answers of each form, against the committed ones."
    from simplesql.eval import load_benchmark
    from simplesql.ship import fidelity_scores
    files = {p.stem: p for p in sorted((root/'export_fidelity').glob('*.jsonl'))}
    old = json.loads((root/'export_fidelity.json').read_text())
    exs = [e for e in load_benchmark('spider', 'dev') if e.db_path]
    new = fidelity_scores(files, exs)
    keys = ('n', 'execution_accuracy', 'identical_sql_vs_hf')
    return dict(same={k: new[k] == old[k] for k in keys}, execution_accuracy=new['execution_accuracy'])

_SLICE = r'''
import sys, json
from simplesql.core import Config, apply_overrides, data_root, write_jsonl
try: from simplesql.server import OllamaAPIServer
except ImportError: from simplesql.ollama import OllamaAPIServer
try: from simplesql.predict import generate_predictions
except ImportError: from simplesql.eval import generate_predictions
from simplesql.eval import load_benchmark, example_messages
from simplesql.ollama import bundled_model
out, n = sys.argv[1], int(sys.argv[2])
with OllamaAPIServer({'simplesql': bundled_model()}) as srv:
    for backend in ('llamacpp', 'transformers', 'ollama'):
        cfg = apply_overrides(Config(), [f'evaluation.backend={backend}', f'paths.cache={out}-cache', 'evaluation.batch_size=4',
              f'ollama.base_url={srv.url}', 'ollama.model_name=simplesql', 'ollama.concurrency=1',
              f'model.name={bundled_model().parent}', f'model.gguf_file={bundled_model().name}'])
        exs = load_benchmark('spider', 'dev', data_root(cfg), n)
        rows = generate_predictions(cfg, [e.id for e in exs], [example_messages(e, cfg.benchmark) for e in exs])
        write_jsonl(f'{out}-{backend}.jsonl', rows)
        print(backend, len(rows), flush=True)
'''

def slice_(checkout: Path, label: str, n: int = 50):
    "Run the slice in a fresh interpreter that imports CHECKOUT's simplesql."
    OUT.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, 'PYTHONPATH': str(checkout)}
    env.setdefault('SIMPLESQL_DATA_ROOT', str(HERE.parent/'shared'/'data'))
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, '-c', _SLICE, str(Path(d)/'slice'), str(n)], env=env, check=True, cwd=d)
        for b in BACKENDS:
            rows = [json.loads(l) for l in (Path(d)/f'slice-{b}.jsonl').read_text().splitlines()]
            keep = [{k: r[k] for k in ('id', 'sql', 'text') if k in r} for r in rows]
            (OUT/f'slice-{label}-{b}.jsonl').write_text(''.join(json.dumps(r, ensure_ascii=False) + '\n' for r in keep))

def compare(before: str, after: str) -> dict:
    "Per backend: questions, same SQL, same raw text."
    report = {}
    for b in BACKENDS:
        rd = lambda l: [json.loads(x) for x in (OUT/f'slice-{l}-{b}.jsonl').read_text().splitlines()]
        x, y = rd(before), rd(after)
        report[b] = dict(questions=len(x), same_ids=[r['id'] for r in x] == [r['id'] for r in y],
                         same_sql=sum(p['sql'] == q['sql'] for p, q in zip(x, y)),
                         same_text=sum(p.get('text') == q.get('text') for p, q in zip(x, y)))
    return report

if __name__ == '__main__':
    cmd, *args = sys.argv[1:]
    OUT.mkdir(parents=True, exist_ok=True)
    if cmd == 'rescore':
        root = Path(args[0]) if args else HERE/'results'
        rep = rescore(root)
        if (root/'export_fidelity.json').exists(): rep['export_fidelity'] = rescore_fidelity(root)
        (OUT/'rescore.json').write_text(json.dumps(rep, indent=1) + '\n')
    elif cmd == 'rescore-fidelity':
        rep = {**json.loads((OUT/'rescore.json').read_text()), 'export_fidelity': rescore_fidelity(HERE/'results')}
        (OUT/'rescore.json').write_text(json.dumps(rep, indent=1) + '\n'); print(rep['export_fidelity'])
    elif cmd == 'slice': slice_(Path(args[0]).resolve(), args[1], int(args[2]) if len(args) > 2 else 50)
    elif cmd == 'compare':
        rep = compare(*args); print(json.dumps(rep, indent=1))
        (OUT/f'slice-{args[0]}-vs-{args[1]}.json').write_text(json.dumps(rep, indent=1) + '\n')
    else: sys.exit(__doc__)
