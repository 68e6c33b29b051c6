"""mixed.py SRC DST: half of the schools (odd number) issue their codes anew each year: every
(year, school) numbers its works 1001, 1002, ... in a random order."""
import csv, random, sys, os, shutil
src, dst = sys.argv[1], sys.argv[2]
shutil.rmtree(dst, ignore_errors=True); shutil.copytree(src, dst)
rng = random.Random(5)
for y in (2023, 2024, 2025):
    p = os.path.join(dst, 'results_%d.csv' % y)
    rows = list(csv.reader(open(p))); h = rows[0]; body = rows[1:]
    ix = {c: i for i, c in enumerate(h)}
    by = {}
    for r in body:
        if int(r[ix['school']][-1]) % 2 == 1:
            by.setdefault(r[ix['school']], set()).add(r[ix['student']])
    new = {}
    for sch, codes in by.items():
        codes = sorted(codes); rng.shuffle(codes)
        for k, c in enumerate(codes): new[(sch, c)] = str(1001 + k)
    for r in body:
        k = (r[ix['school']], r[ix['student']])
        if k in new: r[ix['student']] = new[k]
    with open(p, 'w', newline='') as f:
        w = csv.writer(f); w.writerow(h); w.writerows(body)
