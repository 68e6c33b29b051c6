"""Municipal analysis vs whole region, with and without the region's reference.csv.

Usage (after cargo build --release): python3 notes/municipal_measure.py 3 4 5
Writes scratch folders under /tmp/mu; prints marked cells and listed schools per analysis.
"""
import csv, os, subprocess, sys, collections, shutil
B = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'target', 'release', 'obektiv')
os.makedirs('/tmp/mu', exist_ok=True)
def run(*a):
    subprocess.run([B, '--quiet', *a], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def markers(out):
    m = {}
    for r in csv.DictReader(open(f'{out}/cells.csv')):
        m[(r['year'], r['exam'], r['subject'], r['grade'], r['school'])] = r['marker'] == 'true'
    return m
def listed(out):
    return {(r['year'], r['school']) for r in csv.DictReader(open(f'{out}/risk_list.csv'))}
tot = collections.Counter()
for seed in map(int, sys.argv[1:]):
    sim = f'/tmp/mu/sim{seed}'
    if not os.path.exists(sim):
        run('simulate', '--schools', '300', '--years', '1', '--seed', str(seed), '--out', sim)
    run('analyze', sim, '--out', f'{sim}_whole')
    run('reference', sim, '--out', f'{sim}_ref.csv')
    truth = {}
    for r in csv.DictReader(open(f'{sim}/truth.csv')):
        truth[(r['year'], r['exam'], r['subject'], r['grade'], r['school'])] = r['manipulation']
    manip_school = {(k[0], k[4]) for k, v in truth.items() if v != 'none'}
    schools = list(csv.DictReader(open(f'{sim}/schools.csv')))
    munis = sorted({s['municipality'] for s in schools})
    res = {'whole': markers(f'{sim}_whole')}
    lst = {'whole': listed(f'{sim}_whole')}
    for variant in ['own', 'ref']:
        res[variant] = {}; lst[variant] = set()
        for i, m in enumerate(munis):
            d = f'{sim}_m{i}_{variant}'
            shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
            ids = {s['school'] for s in schools if s['municipality'] == m}
            for f in os.listdir(sim):
                if f in ('truth.csv',): continue
                src = f'{sim}/{f}'
                if f.startswith('results') or f == 'schools.csv':
                    with open(src, newline='', encoding='utf-8') as fi, open(f'{d}/{f}', 'w', newline='', encoding='utf-8') as fo:
                        rd = csv.reader(fi); w = csv.writer(fo)
                        h = next(rd); w.writerow(h); ci = h.index('school')
                        for row in rd:
                            if row[ci] in ids: w.writerow(row)
                else:
                    shutil.copy(src, d)
            if variant == 'ref':
                shutil.copy(f'{sim}_ref.csv', f'{d}/reference.csv')
            run('analyze', d, '--out', d + '_out')
            res[variant].update(markers(d + '_out'))
            lst[variant] |= listed(d + '_out')
            shutil.rmtree(d)
    for v in res:
        for k, kind in truth.items():
            if k not in res[v]: continue
            key = 'manip' if kind != 'none' else 'honest'
            tot[(v, key, 'n')] += 1
            tot[(v, key, 'flag')] += res[v][k]
        for sy in lst[v]:
            tot[(v, 'listed', 'manip' if sy in manip_school else 'honest')] += 1
    tot['manip_schools'] += len(manip_school)
for v in ['whole', 'own', 'ref']:
    print(f"{v:6} manipulated cells flagged {tot[(v,'manip','flag')]}/{tot[(v,'manip','n')]} = {tot[(v,'manip','flag')]/max(1,tot[(v,'manip','n')]):.3f};"
          f" honest cells flagged {tot[(v,'honest','flag')]}/{tot[(v,'honest','n')]};"
          f" listed: manipulating {tot[(v,'listed','manip')]}/{tot['manip_schools']}, honest {tot[(v,'listed','honest')]}")
