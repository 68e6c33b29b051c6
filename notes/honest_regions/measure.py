#!/usr/bin/env python3
"""measure.py OUTDIR [--json] : false-positive summary of an obektiv report on honest data"""
import csv, sys, collections, json

out = sys.argv[1]
cells = list(csv.DictReader(open(out + '/cells.csv', encoding='utf-8-sig')))
sy = {(c['year'], c['school']) for c in cells}
marked = [c for c in cells if c['marker'] == 'true']
risk = list(csv.DictReader(open(out + '/risk_list.csv', encoding='utf-8-sig')))
stats = collections.defaultdict(lambda: [0, 0, 0, 0, 0, 0, 0, 0])
for r in csv.DictReader(open(out + '/findings.csv', encoding='utf-8-sig')):
    if r['evaluated'] != 'true' or r['p_value'] == '':
        continue
    p = float(r['p_value'])
    pc = float(r['p_calibrated']) if r.get('p_calibrated') else p
    s = stats[r['sign']]
    s[0] += 1
    s[1] += p <= 0.05
    s[2] += p <= 0.01
    s[3] += p <= 0.001
    s[4] += r['fired'] == 'true'
    s[5] += pc <= 0.01
    s[6] += pc <= 0.001
sign_in_marked = collections.Counter()
for c in marked:
    for s in c['signs'].split(';'):
        if s:
            sign_in_marked[s] += 1
res = dict(out=out, school_years=len(sy), listed=len(risk), cells=len(cells), marked=len(marked))
print('%s: school-years listed %d/%d (%.2f%%), cells marked %d/%d (%.2f%%)' % (
    out, len(risk), len(sy), 100 * len(risk) / max(1, len(sy)), len(marked), len(cells),
    100 * len(marked) / max(1, len(cells))))
print('  sign   eval   p<=.05   p<=.01  p<=.001  fired  pcal<=.01 pcal<=.001')
worst = (0, '')
for k in sorted(stats, key=lambda x: (len(x), x)):
    s = stats[k]
    n = s[0]
    print('  %-5s %6d  %6.2f%%  %6.2f%%  %6.3f%%  %5d  %6.2f%%  %6.3f%%' % (
        k, n, 100 * s[1] / n, 100 * s[2] / n, 100 * s[3] / n, s[4], 100 * s[5] / n, 100 * s[6] / n))
    if n >= 50 and s[2] / n > worst[0]:
        worst = (s[2] / n, k)
print('  worst p<=.01: %s %.2f%%' % (worst[1], 100 * worst[0]))
print('  signs in marked cells:', dict(sign_in_marked))
for r in risk[:15]:
    print('  LISTED', r['year'], r['school'], 'markers=', r['markers'], 'p=', r['p_value'], 'q=', r['q_value'], '|',
          r['reasons'][:300].replace('\n', ' '))
