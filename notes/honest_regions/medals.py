"""Honest medals for a folder written by gen.py or gen2.py (a mechanism of its
own, not obektiv's simulator's): a graduate's medal follows the school's
annual marks. Gold needs «5» in every subject: «5» in EGE Russian and
mathematics (where taken; the folder's journal marks) and the other subjects
all «5» with probability expit(a + 1.6 z + 3 h), z the graduate's mean
standardized EGE score, h the school's marking habit (GEN_INFO.txt) plus a
part of its own for the other subjects (SD 0.12, lasting) and the year's
(SD 0.10). Silver: at most one «4» among Russian and mathematics and the
other subjects «5» but for a few (probability expit(a + 1 + 1.6 z + 3 h)).
From 2024 the rule of приказ № 730 (gold: Russian and another ≥ 70, else
silver: ≥ 60 and ≥ 60; a graduate without mathematics passes the unseen
subject's minimum with probability 0.8). a is set so that 8 % of graduates
hold a medal.
    python3 medals.py FOLDER OUT   (OUT: links to FOLDER's files + medals.csv)
"""
import csv, glob, math, os, random, re, sys

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for f in os.listdir(src):
    if not os.path.exists(os.path.join(out, f)):
        os.symlink(os.path.abspath(os.path.join(src, f)), os.path.join(out, f))
habit = {}
for line in open(os.path.join(src, 'GEN_INFO.txt')):
    m = re.match(r'(edu\d+) .*habit=(-?[\d.]+)', line)
    if m:
        habit[m.group(1)] = float(m.group(2))
rng = random.Random(sum(map(ord, os.path.basename(os.path.normpath(src)))))
grads = {}   # (year, school, student) -> {'RU': (ts, j), 'MA': (ts, j)}
for f in sorted(glob.glob(os.path.join(src, 'results_*.csv'))):
    for r in csv.DictReader(open(f)):
        if r['exam'] != 'EGE' or not r['test_score'] or not r['journal_mark']:
            continue
        grads.setdefault((int(r['year']), r['school'], r['student']), {})[r['subject']] = (
            int(r['test_score']), int(r['journal_mark']))
stats = {}
for (y, _, _), g in grads.items():
    for subj, (ts, _) in g.items():
        stats.setdefault((y, subj), []).append(ts)
norm = {k: (sum(v) / len(v), (sum((x - sum(v) / len(v)) ** 2 for x in v) / len(v)) ** 0.5) for k, v in stats.items()}
own = {s: rng.gauss(0, 0.12) for s in sorted(habit)}
year_part = {}
rows = []
for key in sorted(grads):
    y, school, student = key
    g = grads[key]
    if 'RU' not in g:
        continue
    if (y, school) not in year_part:
        year_part[(y, school)] = rng.gauss(0, 0.10)
    z = sum((ts - norm[(y, s)][0]) / norm[(y, s)][1] for s, (ts, _) in g.items()) / len(g)
    h = habit.get(school, 0.0) + own.get(school, 0.0) + year_part[(y, school)]
    marks = [j for _, j in g.values()]
    rows.append((key, g, z, h, marks, rng.random(), rng.random(), rng.random()))

def award(a):
    res = []
    for key, g, z, h, marks, u1, u2, u3 in rows:
        if min(marks) < 4 or sum(1 for m in marks if m == 4) > 1:
            res.append(None); continue
        fours = sum(1 for m in marks if m == 4)
        gold_p = 1 / (1 + math.exp(-(a + 1.6 * z + 3 * h)))
        few_p = 1 / (1 + math.exp(-(a + 1.0 + 1.6 * z + 3 * h)))
        medal = None
        if fours == 0 and u1 < gold_p:
            medal = 'gold'
        elif u1 < few_p:
            medal = 'silver'
        if medal and key[0] >= 2024:
            ru = g['RU'][0]
            other = g['MA'][0] if 'MA' in g else (100 if u3 < 0.8 else 0)
            if medal == 'gold' and not (ru >= 70 and other >= 70):
                medal = 'silver'
            if medal == 'silver' and not (ru >= 60 and other >= 60):
                medal = None
        res.append(medal)
    return res

lo, hi = -12.0, 6.0
for _ in range(40):
    mid = (lo + hi) / 2
    share = sum(1 for m in award(mid) if m) / len(rows)
    lo, hi = (mid, hi) if share < 0.08 else (lo, mid)
with open(os.path.join(out, 'medals.csv'), 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['year', 'school', 'student', 'medal'])
    n = 0
    for (key, *_), m in zip(rows, award(hi)):
        if m:
            w.writerow([key[0], key[1], key[2], m]); n += 1
print(out, 'graduates', len(rows), 'medals', n)
