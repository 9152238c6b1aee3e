"""Check the report site without Quarto: process the notebooks exactly as `nbdev_docs` does before it hands them
to Quarto, render each processed notebook to HTML with nbconvert, load every page in headless Chromium and check
what it shows. Fails when a page is missing, a cell's stored output is an error, or a page does not render its
title and cells."""
import json, re, shutil, subprocess, sys, tempfile, yaml, nbformat
from pathlib import Path
from nbdev.config import get_config
from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
from nbdev.serve import proc_nbs
import nbdev.doclinks
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

CHROME_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                '--disable-component-update', '--disable-sync', '--virtual-time-budget=5000']

def chromium_dom(page: Path) -> str:
    "The DOM of `page` after headless Chromium has loaded it."
    with tempfile.TemporaryDirectory() as prof:
        r = subprocess.run([shutil.which('chromium') or 'chromium', *CHROME_FLAGS, f'--user-data-dir={prof}', '--dump-dom', page.as_uri()],
                           capture_output=True, text=True, timeout=120)
    if r.returncode: raise RuntimeError(f'chromium failed on {page}: {r.stderr[-500:]}')
    return r.stdout

def frontmatter(nb: dict) -> dict:
    "The YAML frontmatter nbdev put in the processed notebook's first raw cell."
    raw = next((''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'raw'), '')
    m = re.match(r'\s*---\n(.*?)\n---', raw, re.S)
    return yaml.safe_load(m.group(1)) if m else {}

def problems(src: Path, proc: Path, html_dir: Path) -> list[str]:
    "What is wrong with the page built from notebook `src` (processed copy at `proc`)."
    if not proc.exists(): return [f'{src.name}: no processed notebook (page missing)']
    nb = json.loads(proc.read_text())
    title = frontmatter(nb).get('title')
    errs = [f"{src.name}: cell output is an error: {o.get('ename')}: {o.get('evalue')}"
            for c in nb['cells'] for o in c.get('outputs', []) if o.get('output_type') == 'error']
    if not title: errs.append(f'{src.name}: no "# Title" heading (nbdev turns it into the page title)')
    # Quarto shows the frontmatter's title and description as the page's title block: so does this page.
    nb['cells'].insert(0, dict(cell_type='markdown', id='title', metadata={}, source=f"# {title}\n\n{frontmatter(nb).get('description', '')}"))
    for c in nb['cells']:  # as Quarto does: no frontmatter on the page, no source for `#| echo: false` cells
        if c['cell_type'] == 'code' and '#| echo: false' in ''.join(c['source']): c.setdefault('metadata', {})['tags'] = ['remove_input']
    nb['cells'] = [c for c in nb['cells'] if c['cell_type'] != 'raw']
    exporter = HTMLExporter(); exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    body, _ = exporter.from_notebook_node(nbformat.reads(json.dumps(nb), as_version=4))
    page = html_dir/(src.stem + '.html'); page.write_text(body)
    dom = chromium_dom(page)
    if title and not re.search(r'<h1[^>]*>\s*' + re.escape(title), dom): errs.append(f'{src.name}: title {title!r} not on the rendered page')
    n_code = sum(c['cell_type'] == 'code' and bool(''.join(c['source']).strip()) for c in nb['cells'])
    shown = len(re.findall(r'class="[^"]*jp-CodeCell', dom))
    if shown != n_code: errs.append(f'{src.name}: page shows {shown} code cells, notebook has {n_code}')
    if 'Traceback (most recent call last)' in dom: errs.append(f'{src.name}: page shows a traceback')
    return errs

def main():
    cfg = get_config()
    refresh_quarto_yml(); nbdev_sidebar.__wrapped__(); nbdev.doclinks._build_modidx()
    cache = proc_nbs(force=True, n_workers=1)
    html_dir = cache/'_html'; html_dir.mkdir(exist_ok=True)
    nbs = sorted(cfg.nbs_path.glob('*.ipynb'))
    errs = [e for nb in nbs for e in problems(nb, cache/nb.name, html_dir)]
    for e in errs: print('REPORT:', e)
    print(f'report: {len(nbs) - len({e.split(":")[0] for e in errs})}/{len(nbs)} pages render cleanly ({html_dir})')
    return 1 if errs else 0

if __name__ == '__main__': sys.exit(main())
