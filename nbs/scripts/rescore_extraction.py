"""Re-extract the SQL of every committed run from its saved raw model text with today's `extract_sql`, re-score what
changed, and say how many verdicts moved (issue #14).

    python nbs/scripts/rescore_extraction.py [RESULTS_DIR]

For each `*.predictions.jsonl` with a `text` field (voted runs only re-judged: their SQL is a chosen candidate, whose
text was not kept), the `sql` field is rewritten where extraction now differs, `*.eval.jsonl` beside it is re-scored for
those questions only (the others are read back), and the export-fidelity answers are re-scored into
export_fidelity.json. Every stored verdict is also re-judged with today's bounded result comparison, to show that it
changes none. The summary goes to RESULTS_DIR/rescore_extraction.json.
"""
import sys, json, shutil, tempfile
from pathlib import Path
from simplesql.core import extract_sql, read_jsonl, write_jsonl, project_root
from simplesql.eval import load_benchmark, evaluate, execute_many, judge, _job

root = Path(sys.argv[1] if len(sys.argv) > 1 else project_root()/'results')
benchmarks = {b: load_benchmark(b, 'dev') for b in ('spider', 'bird', 'cspider')}
report = {}

def verdicts(rows): return {r['id']: (r['exec_match'], r['exact_match']) for r in rows}

def rates(v: dict) -> dict:
    "EX over the executable questions and EM over all, from `verdicts`."
    ex = [x[0] for x in v.values() if x[0] is not None]; em = [x[1] for x in v.values() if x[1] is not None]
    return dict(EX=round(sum(ex) / max(1, len(ex)), 4), EM=round(sum(em) / max(1, len(em)), 4))

for pred in sorted(root.rglob('*.predictions.jsonl')):
    rows = read_jsonl(pred)
    if not rows or 'text' not in rows[0]: continue
    voted = 'voted' in pred.parts  # the SQL is a chosen candidate: only re-judged
    changed = [] if voted else [r['id'] for r in rows if extract_sql(r['text']) != r['sql']]
    bench = pred.name.split('.')[0]
    ev = pred.with_name(f'{bench}.eval.jsonl')
    entry = dict(questions=len(rows), sql_changed=len(changed))
    before = verdicts(read_jsonl(ev)) if ev.exists() else None
    # today's comparison on every stored verdict (no prediction changed yet)
    if before is not None:
        exs = {e.id: e for e in benchmarks[bench]}
        judged = execute_many([_job(exs[r['id']], r['sql']) for r in rows], workers=2, fn=judge)
        entry['exec_verdicts_rejudged'] = len(rows)
        entry['exec_verdicts_different_today'] = sum(j['exec_match'] != before[r['id']][0] for r, j in zip(rows, judged))
    if changed:
        for r in rows: r['sql'] = extract_sql(r['text'])
        write_jsonl(pred, rows)
        if ev.exists():
            with tempfile.TemporaryDirectory() as d:
                tmp = Path(d)/'eval.jsonl'; shutil.copy(ev, tmp)
                res = evaluate(pred, bench, examples=benchmarks[bench], out=tmp, subset=True)
                saved = {r['id']: r for r in read_jsonl(tmp)}  # the last row of each question wins
            write_jsonl(ev, [saved[i] for i in res.examples['id']])
            after = verdicts(read_jsonl(ev))
            moved = [i for i in after if after[i] != before[i]]
            entry.update(verdicts_moved=len(moved), exec_moved=sum(after[i][0] != before[i][0] for i in moved),
                         exact_moved=sum(after[i][1] != before[i][1] for i in moved), moved_ids=moved, before=rates(before), after=rates(after))
    report[str(pred.relative_to(root))] = entry
    print(pred.relative_to(root), {k: v for k, v in entry.items() if k != 'moved_ids'}, flush=True)

fid = root/'export_fidelity'
if fid.exists():
    from simplesql.ship import fidelity_scores
    files = {p.stem: p for p in sorted(fid.glob('*.jsonl'))}
    changed = {}
    for k, p in files.items():
        rows = read_jsonl(p); n = sum(extract_sql(r['text']) != r['sql'] for r in rows)
        if n:
            for r in rows: r['sql'] = extract_sql(r['text'])
            write_jsonl(p, rows)
        changed[k] = n
    exs = [e for e in benchmarks['spider'] if e.db_path]
    old = json.loads((root/'export_fidelity.json').read_text())
    new = {**old, **fidelity_scores(files, exs)} if any(changed.values()) else old
    if new is not old: (root/'export_fidelity.json').write_text(json.dumps(new, indent=1) + '\n')
    report['export_fidelity'] = dict(sql_changed=changed, EX_before=old['execution_accuracy'], EX_after=new['execution_accuracy'])
    print(report['export_fidelity'])

(root/'rescore_extraction.json').write_text(json.dumps(report, indent=1) + '\n')
