"Install simplesql from settings.ini (no pkg_resources: current setuptools lacks it)."
from configparser import ConfigParser
from pathlib import Path
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read(Path(__file__).parent / 'settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

reqs = cfg.get('requirements', '').split() + ['torch>=2.2']
dev_reqs = cfg.get('dev_requirements', '').split()
scripts = [s.strip() for s in cfg.get('console_scripts', '').split(';') if s.strip()]
readme = Path(__file__).parent / 'README.md'

setuptools.setup(
    name=cfg['lib_name'], version=cfg['version'], description=cfg['description'],
    long_description=readme.read_text(encoding='utf-8') if readme.exists() else '',
    long_description_content_type='text/markdown',
    author=cfg['author'], author_email=cfg['author_email'], license=cfg['license'],
    url=cfg['git_url'], keywords=cfg['keywords'].split(), python_requires=f">={cfg['min_python']}",
    packages=setuptools.find_packages(include=[cfg['lib_name'], cfg['lib_name'] + '.*']),
    package_data={cfg['lib_name']: ['*.yaml', 'models/*/*', 'data/spider_sample/*', 'data/spider_sample/spider/*',
                                       'data/spider_sample/spider/database/*/*']}, include_package_data=True,
    classifiers=['Development Status :: 3 - Alpha', 'Intended Audience :: Developers', 'Programming Language :: Python :: 3',
                 'License :: OSI Approved :: Apache Software License', 'Topic :: Scientific/Engineering :: Artificial Intelligence'],
    project_urls={'Documentation': cfg['doc_host'] + cfg['doc_baseurl'], 'Source': cfg['git_url']},
    install_requires=reqs,
    extras_require={'dev': dev_reqs, 'train': ['peft>=0.13', 'trl>=0.12', 'datasets'], 'gpu': ['bitsandbytes']},
    entry_points={'console_scripts': scripts, 'nbdev': [f"{cfg['lib_name']}={cfg['lib_name']}._modidx:d"]},
    zip_safe=False)
