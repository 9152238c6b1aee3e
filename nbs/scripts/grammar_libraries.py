"""llguidance vs xgrammar for simplesql's schema grammar (`sql_grammar`: SPIDER_SQL_LARK plus one database's names),
on the CPU, over the bundled SmolLM2-135M-Instruct tokenizer (49,152 tokens).

1. Support: what xgrammar's own EBNF (GBNF-like) can say of our grammar (case-insensitive literals, `%ignore`), and
   whether its Lark front end (`Grammar.from_lark`, xgrammar 0.2.x) takes SPIDER_SQL_LARK unchanged. That front end
   is the translation used here: it spells `"x"i` as `[xX]` classes, `/re/i` as `Regex("(?i)re")` and threads the
   `%ignore` whitespace after every terminal. It has no lexer, so no longest match: probe strings show where the two
   languages differ, and masks are compared bit for bit along every walked position.
2. Correctness: of the 1,034 Spider dev golds, how many each accepts over the same token ids (llguidance:
   `grammar_accepts`; xgrammar: `accept_token` for each id, then EOS, then `is_terminated`).
3. Speed: compile time per database (median of 5; both libraries also do work at matcher creation and first mask, so
   the time to the first mask is given too), and the time of one next-token mask (llguidance
   `unsafe_compute_mask_ptr`, xgrammar `fill_next_token_bitmask`) at every token of the golds of concert_singer and
   of the largest dev database (student_transcripts_tracking: 11 tables, 56 columns), and of 200 golds drawn across
   all databases. One new matcher per query, as when decoding.

Run it alone (2 cores; about 10 minutes), from the project root, in a venv that adds xgrammar on top of the
project's packages (llguidance, transformers, CPU torch are only read), so the project's environment is untouched:

    python -m venv --system-site-packages /tmp/xg && /tmp/xg/bin/pip install xgrammar==0.2.9
    /tmp/xg/bin/python nbs/scripts/grammar_libraries.py

Writes results/grammar_libraries.json and results/grammar_libraries.md.
"""
import json, os, random, statistics, time, importlib.metadata as md
from pathlib import Path
import numpy as np, llguidance, xgrammar as xgr
from simplesql.core import project_root
from simplesql.eval import load_benchmark
from simplesql.grammar import sql_grammar, ll_tokenizer, compile_grammar, grammar_accepts
from simplesql.ollama import bundled_model, load_hf_tokenizer

ns, DBS, THREADS = time.perf_counter_ns, ('concert_singer', 'student_transcripts_tracking'), 2
out = project_root()/'results'
exs = load_benchmark('spider', 'dev', Path('/work/shared/data'))
schemas = {e.db_id: e.schema for e in exs}
grammars = {db: sql_grammar(s) for db, s in schemas.items()}
tok = load_hf_tokenizer(str(bundled_model()))
ids_of = lambda sql: tok(sql, add_special_tokens=False)['input_ids']
t = ns(); llt = ll_tokenizer(tok); t1 = ns(); ti = xgr.TokenizerInfo.from_huggingface(tok); t2 = ns()
V, WORDS = ti.vocab_size, (ti.vocab_size + 31) // 32
compiler = lambda: xgr.GrammarCompiler(ti, max_threads=THREADS, cache_enabled=False)
xg_compiled = {db: compiler().compile_lark(g) for db, g in grammars.items()}
R = dict(versions={p: md.version(p) for p in ('llguidance', 'xgrammar', 'transformers')}, cpus=os.cpu_count(),
         vocab=V, tokenizer_wrap_ms=dict(llguidance=(t1 - t) / 1e6, xgrammar=(t2 - t1) / 1e6))

# 1. support
def tries(fn):
    try: return dict(ok=True, out=str(fn())[:200])
    except Exception as e: return dict(ok=False, error=str(e).splitlines()[0][-120:])
ebnf = lambda s: lambda: xgr.Grammar.from_ebnf(s)
conv = str(xg_compiled['concert_singer'].grammar)
R['support'] = {
    'ebnf "select"i (case-insensitive literal)': tries(ebnf('root ::= "select"i')),
    'ebnf [sS] [eE] [lL] (one class a letter)': tries(ebnf('root ::= [sS] [eE] [lL]')),
    'ebnf Regex("(?i)sel")': tries(ebnf('root ::= Regex("(?i)sel")')),
    'ebnf %ignore': tries(ebnf('root ::= "a"\n%ignore " "')),
    'from_lark(sql_grammar(concert_singer)) unchanged': tries(lambda: xgr.Grammar.from_lark(grammars['concert_singer'])),
    'translated EBNF': dict(lark_chars=len(grammars['concert_singer']), ebnf_chars=len(conv), ebnf_rules=conv.count('\n'),
                            sample=[l[:160] for l in conv.splitlines() if l.startswith(('core ::=', 'lark_ignore', 'table_ref'))])}
def xg_accepts(cg, sql):
    m = xgr.GrammarMatcher(cg)
    return all(m.accept_token(i) for i in ids_of(sql)) and m.accept_token(tok.eos_token_id) and m.is_terminated()
g, cg = grammars['concert_singer'], xg_compiled['concert_singer']
PROBES = ['SELECT count(*) FROM singer', 'select NAME from "Singer" as s where s.age > 30;', 'SELECT [name] FROM `singer`',
          'SELECT name FROM singer ORDER\tBY age', 'SELECT count(*) FROM singers', 'SELECT nam FROM singer', 'SELECT count(*) FROM',
          ' SELECT name FROM singer', 'SELECT nameFROM singer', 'SELECT name FROM singer AS sWHERE age > 3',
          'SELECT name FROM singer WHERE age > 3 ORDERS.name = 1', '\u017fELECT name FROM singer']  # ſ: folds to s
R['probes_concert_singer'] = [dict(sql=s, llguidance=grammar_accepts(g, s, tok), xgrammar=xg_accepts(cg, s)) for s in PROBES]

# 2. correctness on all dev golds
acc = {'llguidance': [grammar_accepts(grammars[e.db_id], e.gold, tok) for e in exs],
       'xgrammar': [xg_accepts(xg_compiled[e.db_id], e.gold) for e in exs]}
R['golds_accepted'] = {k: dict(accepted=sum(v), of=len(v), rejected=[exs[i].id for i, a in enumerate(v) if not a][:20])
                       for k, v in acc.items()}

# 3. speed: compile, then masks along gold tokens
def compile_once(g):
    t0 = ns(); lg = llguidance.LLMatcher.grammar_from_lark(g); assert not llguidance.LLMatcher.validate_grammar(lg)
    t1 = ns(); m = llguidance.LLMatcher(llt, lg); t2 = ns(); buf = np.zeros(WORDS, np.int32)
    m.unsafe_compute_mask_ptr(buf.ctypes.data, buf.nbytes); t3 = ns()
    c = compiler(); t4 = ns(); cg = c.compile_lark(g); t5 = ns(); x = xgr.GrammarMatcher(cg); t6 = ns()
    x.fill_next_token_bitmask(xgr.allocate_token_bitmask(1, V)); t7 = ns()
    return dict(llguidance=dict(compile=t1 - t0, matcher=t2 - t1, first_mask=t3 - t2, to_first_mask=t3 - t0),
                xgrammar=dict(compile=t5 - t4, matcher=t6 - t5, first_mask=t7 - t6, to_first_mask=t7 - t4))
def compile_stats(db, reps=5):
    runs = [compile_once(grammars[db]) for _ in range(reps)]
    return {lib: {k: round(statistics.median(r[lib][k] for r in runs) / 1e6, 2) for k in runs[0][lib]} for lib in runs[0]}
R['compile_ms'] = {db: compile_stats(db) for db in DBS}
all_xg = [compile_stats(db, 1)['xgrammar']['compile'] for db in grammars]
R['compile_ms']['xgrammar compile, all 20 dev dbs'] = dict(mean=round(statistics.mean(all_xg), 2), max=max(all_xg))

bits = lambda a: np.unpackbits(np.ascontiguousarray(a).view(np.uint8), bitorder='little')[:V].astype(bool)
def walk(examples):
    "Mask times (µs) at every position of each gold (its tokens, then the end), and where the two masks differ."
    T = {'llguidance': [], 'xgrammar': []}; diff = dict(positions=0, differ=0, only_llguidance=0, only_xgrammar=0)
    buf, bm, slow = np.zeros(WORDS, np.int32), xgr.allocate_token_bitmask(1, V), []
    for e in examples:
        m, x = llguidance.LLMatcher(llt, compile_grammar(grammars[e.db_id])), xgr.GrammarMatcher(xg_compiled[e.db_id])
        ids = ids_of(e.gold)
        for k, i in enumerate(ids + [None]):
            t0 = ns(); m.unsafe_compute_mask_ptr(buf.ctypes.data, buf.nbytes); t1 = ns(); x.fill_next_token_bitmask(bm); t2 = ns()
            T['llguidance'].append((t1 - t0) / 1e3); T['xgrammar'].append((t2 - t1) / 1e3)
            slow.append((t2 - t1, tok.decode(ids[:k])[-32:] + ' ‸'))
            a, b = bits(buf), bits(bm[0].numpy()); diff['positions'] += 1; diff['differ'] += bool((a != b).any())
            diff['only_llguidance'] += int((a & ~b).sum()); diff['only_xgrammar'] += int((b & ~a).sum())
            if i is not None: assert m.consume_token(i) and x.accept_token(i), e.gold
    st = lambda v: dict(mean=round(float(np.mean(v)), 1), p50=round(float(np.percentile(v, 50)), 1),
                        p95=round(float(np.percentile(v, 95)), 1), max=round(float(np.max(v)), 1),
                        over_10ms=round(float(np.mean(np.array(v) > 1e4)), 3))
    return dict(golds=len(examples), tokens=len(T['xgrammar']), mask_us={k: st(v) for k, v in T.items()}, mask_diff=diff,
                xgrammar_slowest=[dict(ms=round(t / 1e6), after=c) for t, c in sorted(slow, reverse=True)[:8]])
sample = [exs[i] for i in sorted(random.Random(0).sample(range(len(exs)), 200))]
R['mask'] = {**{db: walk([e for e in exs if e.db_id == db]) for db in DBS}, '200 golds, all dbs (seed 0)': walk(sample)}
(out/'grammar_libraries.json').write_text(json.dumps(R, indent=1, ensure_ascii=False) + '\n')

# the short table
L = [f"# llguidance {R['versions']['llguidance']} vs xgrammar {R['versions']['xgrammar']}: the schema grammar, CPU ({R['cpus']} cores)",
     '', f"Tokenizer: SmolLM2-135M ({V} tokens). Made by nbs/scripts/grammar_libraries.py; numbers in grammar_libraries.json.", '',
     '| measure | llguidance | xgrammar |', '|---|---|---|',
     f"| Spider dev golds accepted | {R['golds_accepted']['llguidance']['accepted']}/1034 | {R['golds_accepted']['xgrammar']['accepted']}/1034 |"]
for db in DBS:
    c = R['compile_ms'][db]
    L += [f"| {db}: compile / to first mask (ms) | {c['llguidance']['compile']} / {c['llguidance']['to_first_mask']} "
          f"| {c['xgrammar']['compile']} / {c['xgrammar']['to_first_mask']} |"]
for k, w in R['mask'].items():
    f = lambda lib: '{mean} / {p95} / {max}'.format(**{a: round(b / 1e3, 2) for a, b in w['mask_us'][lib].items()})
    f10 = lambda lib: f"{w['mask_us'][lib]['over_10ms']:.1%}"
    L += [f"| {k} ({w['tokens']} tokens): mask ms mean / p95 / max | {f('llguidance')} | {f('xgrammar')} |",
          f"| {k}: masks over 10 ms | {f10('llguidance')} | {f10('xgrammar')} |"]
w = R['mask']['200 golds, all dbs (seed 0)']['mask_diff']
L += ['', f"Masks differ at {w['differ']} of {w['positions']} positions (200 golds): {w['only_xgrammar']} token-positions "
      f"allowed only by xgrammar, {w['only_llguidance']} only by llguidance. xgrammar's slowest masks come after: "
      + '; '.join(f"`{x['after'].strip()}` ({x['ms']} ms)" for x in R['mask']['200 golds, all dbs (seed 0)']['xgrammar_slowest'][:3]), '',
      '| probe (concert_singer) | llguidance | xgrammar |', '|---|---|---|']
L += [f"| `` {p['sql']!r} `` | {p['llguidance']} | {p['xgrammar']} |" for p in R['probes_concert_singer']]
(out/'grammar_libraries.md').write_text('\n'.join(L) + '\n')
print('\n'.join(L))
