"""plant.py SRC DST SHIFT SEED: copy an honest gen.py folder and raise 40 VPR cells (RU/MA, grades 5-7,
year 2024, >= 15 works) by SHIFT SD of the test's primary scores: each work gets round(SHIFT*sd) more points,
added one at a time to random tasks below their maximum. truth.csv lists the cells."""
import csv, random, sys, os, shutil, statistics, collections
src, dst, shift, seed = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
shutil.rmtree(dst, ignore_errors=True); shutil.copytree(src, dst)
maxes = {}
for r in csv.DictReader(open(os.path.join(src, 'tasks.csv'))):
    maxes[(r['exam'], r['year'], r['subject'], r['grade'], int(r['task']))] = float(r['max'])
path = os.path.join(dst, 'results_2024.csv')
rows = list(csv.reader(open(path)))
h = rows[0]; body = rows[1:]
ix = {c: i for i, c in enumerate(h)}
cells = collections.defaultdict(list)
for i, r in enumerate(body):
    if r[ix['exam']] == 'VPR' and r[ix['subject']] in ('RU', 'MA') and r[ix['grade']] in ('5', '6', '7'):
        cells[(r[ix['subject']], r[ix['grade']], r[ix['school']])].append(i)
sd = {}
for (s, g, _), idx in cells.items():
    sd.setdefault((s, g), []).extend(float(body[i][ix['primary']]) for i in idx)
sd = {k: statistics.pstdev(v) for k, v in sd.items()}
cand = sorted(k for k, v in cells.items() if len(v) >= 15)
chosen = rng.sample(cand, min(40, len(cand)))
for key in chosen:
    s, g, school = key
    add = round(shift * sd[(s, g)])
    for i in cells[key]:
        r = body[i]
        tasks = [k for k in range(1, 28) if r[ix['t%d' % k]] != '' and ('VPR', '2024', s, g, k) in maxes]
        for _ in range(add):
            room = [k for k in tasks if float(r[ix['t%d' % k]]) < maxes[('VPR', '2024', s, g, k)]]
            if not room: break
            k = rng.choice(room)
            v = float(r[ix['t%d' % k]]) + 1
            r[ix['t%d' % k]] = str(int(v)) if v == int(v) else str(v)
        r[ix['primary']] = ''
        r[ix['mark']] = ''
with open(path, 'w', newline='') as f:
    w = csv.writer(f); w.writerow(h); w.writerows(body)
with open(os.path.join(dst, 'truth.csv'), 'w', newline='') as f:
    w = csv.writer(f); w.writerow(['year', 'exam', 'subject', 'grade', 'school'])
    for s, g, school in chosen: w.writerow([2024, 'VPR', s, g, school])
