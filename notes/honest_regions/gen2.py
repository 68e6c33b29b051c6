#!/usr/bin/env python3
"""Second independent HONEST region generator (pure Python 3) for obektiv false-positive tests.

Usage: gen2.py DEPARTURE SEED OUTDIR [--schools N]

Borrowed from notes/honest_regions/gen.py: the file layout, data/sample task lists (2025),
cut-offs and the EGE primary->test conversion. Everything else is modelled differently:

 * pupils have a TWO-dimensional ability (RU: writing/spelling vs reading/text work;
   MA: algebra/arithmetic vs geometry/word problems), correlated rho=0.75 within pupils,
   plus a persistent 'conscientiousness' trait that enters school marks but not the exam;
 * tasks load on one dimension; multi-point tasks follow a PARTIAL CREDIT model
   (adjacent-category logits, steps not necessarily ordered), 1-point tasks a 2PL
   (a 3PL with a 25 % floor under --guessing);
 * school effects: a school level and its own slow trend; cohorts and classes persist;
 * variants: by desk (alternate) in the base model;
 * journal marks: honest, from ability + conscientiousness + noise with the school's
   marking habit (shift) fixed over years and subjects.

DEPARTURES (one per folder; 'all' combines them):
  base drill twodim guessing multigrade selective classvariants trend journalscale
  egeselect bigtracked all
"""
import sys, math, random, csv, os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen import (EGE_BANDS, EGE_CONV, EGE_MIN, LETTERS, NT, SCALES, TASKS, TESTS, YEARS,  # noqa: E402
                 write_side_files)
exp = math.exp


class Test:
    def __init__(self, key, rng, dep):
        self.key = key
        exam, subj, grade = key
        self.tasks = TASKS[key]
        self.max = sum(m for _, m, _, _ in self.tasks)
        n = len(self.tasks)
        # dimension of each task: RU first ~45 % writing (dim 0), rest reading (dim 1);
        # MA: geometry/word problems (dim 1) a random ~35 %, always incl. some advanced ones
        self.dim = []
        for i, (_, m, lev, _) in enumerate(self.tasks):
            if subj == 'RU':
                d = 0 if i < 0.45 * n else 1
            else:
                d = 1 if rng.random() < (0.5 if lev != 'basic' else 0.3) else 0
            self.dim.append(d)
        self.params = []
        for i, (_, m, lev, _) in enumerate(self.tasks):
            b = {'basic': -0.9, 'advanced': 0.4, 'high': 1.2}[lev] + rng.gauss(0, 0.6)
            a = math.exp(rng.gauss(0, 0.3))  # discrimination, lognormal around 1
            if m == 1:
                c = 0.25 if dep.get('guessing') and lev == 'basic' else 0.0
                self.params.append(('2pl', a, b, c))
            else:
                # partial credit: step difficulties b + d_j, steps may be disordered
                if m >= 10:
                    ds = [b + 2.0 * (j - (m - 1) / 2) / (m - 1) + rng.gauss(0, 0.3) for j in range(m)]
                else:
                    ds = [b + rng.gauss(0, 0.7) for j in range(m)]
                self.params.append(('pcm', a * 0.8, ds, 0))
        self.delta = 0.0

    def score(self, th, rng, shifts=None):
        """th: (dim0, dim1) abilities. shifts: per task extra ability (drill)"""
        out = []
        dl = self.delta
        rnd = rng.random
        for i, p in enumerate(self.params):
            t = th[self.dim[i]] - dl
            if shifts is not None:
                t += shifts[i]
            if p[0] == '2pl':
                x = p[1] * (t - p[2])
                pr = 1.0 / (1.0 + exp(-x)) if x > -30 else 0.0
                pr = p[3] + (1 - p[3]) * pr
                out.append(1 if rnd() < pr else 0)
            else:
                a, ds = p[1], p[2]
                cum = 0.0
                ws = [1.0]
                mx = 0.0
                logs = [0.0]
                for d in ds:
                    cum += a * (t - d)
                    logs.append(cum)
                mx = max(logs)
                ws = [exp(v - mx) for v in logs]
                tot = sum(ws)
                u = rnd() * tot
                k = 0
                acc = ws[0]
                while u > acc and k < len(ws) - 1:
                    k += 1
                    acc += ws[k]
                out.append(k)
        return out

    def mark(self, prim):
        if self.key[0] == 'EGE':
            return None
        c3, c4, c5 = SCALES[self.key]
        return 5 if prim >= c5 else 4 if prim >= c4 else 3 if prim >= c3 else 2

    def test_score(self, prim):
        return EGE_CONV[self.key[1]][min(prim, len(EGE_CONV[self.key[1]]) - 1)]

    def pseudo_mark(self, prim):
        if self.key[0] != 'EGE':
            return self.mark(prim)
        ts = self.test_score(prim)
        b = EGE_BANDS[self.key[1]]
        return 5 if ts >= b[2] else 4 if ts >= b[1] else 3 if ts >= b[0] else 2

    def calibrate(self, rng, n=1200):
        exam, subj, _ = self.key
        pop = []
        for _ in range(n):
            g = rng.gauss(0, 1.1)
            pop.append((g + rng.gauss(0, 0.5), g + rng.gauss(0, 0.5)))
        lo, hi = -4.0, 4.0
        for _ in range(15):
            mid = (lo + hi) / 2
            self.delta = mid
            prims = [sum(self.score(t, rng)) for t in pop]
            if exam == 'EGE':
                share = sum(1 for p in prims if self.test_score(p) < EGE_MIN[subj][0]) / n
                tgt = 0.04 if subj == 'RU' else 0.10
            else:
                share = sum(1 for p in prims if self.mark(p) == 2) / n
                tgt = 0.11
            if share < tgt:
                lo = mid
            else:
                hi = mid
        self.delta = (lo + hi) / 2
        prims = [sum(self.score(t, rng)) for t in pop]
        marks = [self.pseudo_mark(p) for p in prims]
        lat = sorted((t[0] + t[1]) / 2 + rng.gauss(0, 0.5) for t in pop)
        self.jcuts = []
        for k in (3, 4, 5):
            sb = sum(1 for m in marks if m < k) / n
            self.jcuts.append(lat[min(n - 1, max(0, int(sb * n)))] - 0.2)


DEPNAMES = ['drill', 'twodim', 'guessing', 'multigrade', 'selective', 'classvariants', 'trend',
            'journalscale', 'egeselect', 'bigtracked']
DEPS = {'base': {}}
for d in DEPNAMES:
    DEPS[d] = {d: True}
DEPS['all'] = {d: True for d in DEPNAMES}
DEPS['twodim03'] = {'twodim': 0.3}
DEPS['trend_big'] = {'trend': True, 'bigtracked': True}
DEPS['trend_mixbig'] = {'trend': True, 'bigtracked': True, 'mixbig': True}
DEPS['selective_big'] = {'selective': True, 'bigtracked': True}
DEPS['all_no2d'] = {d: True for d in DEPNAMES if d != 'twodim'}
DEPS['all_2d03'] = dict(DEPS['all'], twodim=0.3)
DEPS['twodim02'] = {'twodim': 0.2}


def main():
    dep_name, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    nsch = 200
    if '--schools' in sys.argv:
        nsch = int(sys.argv[sys.argv.index('--schools') + 1])
    dep = DEPS[dep_name]
    rng = random.Random(seed * 104729 + sum(map(ord, dep_name)) * 31 + 5)
    os.makedirs(out, exist_ok=True)
    tests = {}
    for key in TESTS:
        t = Test(key, rng, dep)
        t.calibrate(rng)
        tests[key] = t

    nmun = 8
    schools = []
    for i in range(nsch):
        sid = 'edu%06d' % (700001 + i)
        mun = 'Район %d' % (i % nmun + 1)
        r = rng.random()
        kind, adv = 'СОШ', ''
        if r < 0.05:
            kind, adv = 'лицей', 'MA'
        elif r < 0.09:
            kind, adv = 'гимназия', 'RU'
        elif r < 0.27:
            kind = 'ООШ'
        rural = rng.random() < (0.05 if kind in ('лицей', 'гимназия') else 0.4)
        size = min(200, max(5, int(math.exp(rng.gauss(math.log(50 if not rural else 15), 0.55)))))
        multigrade = False
        big = False
        if dep.get('multigrade') and rural and rng.random() < 0.6:
            multigrade = True
            size = rng.randint(2, 6)
        mixed = dep_name == 'all' or dep.get('mixbig')
        if dep.get('bigtracked') and (not mixed or (not rural and rng.random() < 0.3)):
            if not rural or not mixed:
                big = True
                rural = False
                size = rng.randint(150, 250)
        u = rng.gauss(0, 0.4) + (0.5 if kind in ('лицей', 'гимназия') else 0) - (0.25 if rural else 0)
        # second dimension: school differs mostly on one dimension (twodim)
        tw = dep.get('twodim')
        v = rng.gauss(0, 0.6 if tw is True else tw) if tw else rng.gauss(0, 0.1)
        habit = rng.gauss(0, 0.2) if not multigrade else rng.gauss(0, 0.45)
        trend = 0.0
        if dep.get('trend'):
            trend = rng.choice((-0.3, -0.3, 0.0, 0.0, 0.3, 0.3))
        sel = dep.get('selective') and rng.random() < 0.15
        share5 = rng.uniform(0.10, 0.40)
        share2 = rng.uniform(0.0, 0.06)
        share3 = rng.uniform(0.15, 0.35)
        schools.append(dict(id=sid, name='МБОУ "%s № %d"' % (kind, i + 1), mun=mun, kind=kind, adv=adv,
                            loc='rural' if rural else 'urban', u=u, v=v, size=size, habit=habit, trend=trend,
                            sel=sel, sel_share=rng.uniform(0.6, 0.8), multigrade=multigrade, big=big,
                            share5=share5, share2=share2, share3=share3,
                            drills={}))

    write_side_files(out, schools)

    pid = [500000]
    header = ['year', 'exam', 'subject', 'grade', 'school', 'class', 'student', 'variant'] + \
             ['t%d' % k for k in range(1, NT + 1)] + ['primary', 'mark', 'test_score', 'journal_mark']
    rows = {y: [] for y in YEARS}

    def make_cohort(s, n, senior):
        coh = rng.gauss(0, 0.15)
        pupils = []
        for _ in range(n):
            pid[0] += 1
            g = rng.gauss(0, 1.0)
            # two dimensions, within-pupil correlation ~0.75; subject-specific components
            p = dict(id=pid[0], g=g + coh + (0.35 if senior else 0.0),
                     d={'RU': (rng.gauss(0, 0.5), rng.gauss(0, 0.5)), 'MA': (rng.gauss(0, 0.5), rng.gauss(0, 0.5))},
                     subj={'RU': rng.gauss(0, 0.35), 'MA': rng.gauss(0, 0.35)},
                     consc=rng.gauss(0, 1.0))
            pupils.append(p)
        if s['big'] and dep.get('bigtracked'):
            ncl = rng.randint(6, 8)
            # strong tracking: sort by noisy ability into classes; classes also get teacher effects
            pupils.sort(key=lambda p: -(p['g'] + rng.gauss(0, 0.35)))
            per = math.ceil(n / ncl)
            for k, p in enumerate(pupils):
                p['cls'] = LETTERS[min(ncl - 1, k // per)]
            ceff = {LETTERS[c]: rng.gauss(0, 0.15) + (0.25 if c == 0 else 0) for c in range(ncl)}
            for p in pupils:
                p['g'] += ceff[p['cls']]
        else:
            ncl = max(1, math.ceil(n / 27))
            ceff = [rng.gauss(0, 0.12) for _ in range(ncl)]
            order = list(range(n))
            rng.shuffle(order)
            for k, idx in enumerate(order):
                c = k % ncl
                pupils[idx]['cls'] = LETTERS[c]
                pupils[idx]['g'] += ceff[c]
        return pupils

    for s in schools:
        top = 9 if s['kind'] == 'ООШ' else 11
        cohorts = {}
        for y in YEARS:
            for key in TESTS:
                exam, subj, gr = key
                if gr > top:
                    continue
                if gr == 11:
                    ck = ('sen', y)
                    if ck not in cohorts:
                        cohorts[ck] = make_cohort(s, max(2, int(s['size'] * rng.uniform(0.4, 0.6))), True)
                else:
                    ck = ('jun', y - gr)
                    if ck not in cohorts:
                        cohorts[ck] = make_cohort(s, max(2, int(s['size'] * math.exp(rng.gauss(0, 0.1)))), False)
                pupils = cohorts[ck]
                t = tests[key]
                lvl = s['u'] + s['trend'] * (y - 2024)
                # who writes
                writers = [p for p in pupils if rng.random() >= 0.05]
                if s['sel'] and exam == 'VPR':
                    ranked = sorted(writers, key=lambda p: -(p['g'] + rng.gauss(0, 0.4)))
                    writers = ranked[:max(1, int(round(len(ranked) * s['sel_share'])))]
                if exam == 'EGE' and subj == 'MA':
                    if dep.get('egeselect'):
                        # profile maths: in weak schools only the strongest pupils take it
                        share = min(0.85, max(0.15, 0.5 + 0.8 * s['u']))
                        ranked = sorted(writers, key=lambda p: -(p['g'] + p['subj']['MA'] + rng.gauss(0, 0.3)))
                        writers = ranked[:max(1, int(round(len(ranked) * share)))]
                    else:
                        writers = [p for p in writers if rng.random() < 0.55]
                # drill: per (school, subject, class letter) teacher, 2-3 task positions per test
                for wi, p in enumerate(writers):
                    sd = p['d'][subj]
                    base = lvl + p['g'] + p['subj'][subj]
                    th = (base + sd[0] - s['v'] / 2, base + sd[1] + s['v'] / 2)
                    th = (th[0] + rng.gauss(0, 0.25), th[1] + rng.gauss(0, 0.25))  # occasion
                    shifts = None
                    if dep.get('drill'):
                        tk = (subj, p['cls'], key)
                        if tk not in s['drills']:
                            trng = random.Random(sum(map(ord, s['id'] + subj + p['cls'])) * 7919 + int(s['id'][3:]) * 131 + len(t.tasks) * 17 + gr)
                            pick = trng.sample(range(len(t.tasks)), trng.choice((2, 3)))
                            s['drills'][tk] = [1.0 if i in pick else 0.0 for i in range(len(t.tasks))]
                        shifts = s['drills'][tk]
                    # variants
                    if exam == 'VPR':
                        if dep.get('classvariants'):
                            nv = 4
                            var = (LETTERS.index(p['cls']) + y + gr) % nv + 1
                        else:
                            var = 1 + (wi % 2)
                    else:
                        var = rng.randint(1, 6)
                    vshift = 0.0
                    if dep.get('classvariants'):
                        vshift = {1: -0.5, 2: 0.5, 3: -0.25, 4: 0.25, 5: 0.0, 6: 0.1}[var]
                    if vshift:
                        th = (th[0] - vshift, th[1] - vshift)
                    sc = t.score(th, rng, shifts)
                    prim = sum(sc)
                    mark = t.mark(prim)
                    ts = t.test_score(prim) if exam == 'EGE' else ''
                    # journal mark: ability (not the occasion) + conscientiousness + teacher noise + habit
                    ab = base + (sd[0] + sd[1]) / 2
                    if dep.get('drill') and shifts is not None:
                        pass  # drilling raises the exam only, not general ability
                    lat = ab + 0.3 * p['consc'] + rng.gauss(0, 0.4) + s['habit']
                    if dep.get('journalscale'):
                        p.setdefault('jl', {})
                        p['jl_val'] = lat - s['habit'] - lvl  # within-school relative standing
                        j = None
                    else:
                        j = 2 + sum(1 for c in t.jcuts if lat >= c)
                    cls = '%d%s' % (gr, p['cls'])
                    if s['multigrade'] and gr <= 9:
                        cls = '%dК' % gr
                    row = [y, exam, subj, gr, s['id'], cls, p['id'], var] + [str(x) for x in sc] + \
                          [''] * (NT - len(sc)) + [prim, '' if mark is None else mark, ts, j]
                    if dep.get('journalscale'):
                        row.append(p['jl_val'])
                    rows[y].append(row)
                if dep.get('journalscale'):
                    # school-specific scale: '5' to the top share5 of the school's pupils (by
                    # within-school standing, stable thresholds over years), '2' to the bottom share2
                    myrows = [r for r in rows[y][-len(writers):]] if writers else []
                    # thresholds from the school's standard normal standing (stable across years)
                    z5 = inv_norm(1 - s['share5'])
                    z2 = inv_norm(s['share2'])
                    z3 = inv_norm(s['share2'] + s['share3'])
                    for r in myrows:
                        v = r[-1] / 1.15
                        r[-2] = 5 if v >= z5 else 4 if v >= z3 else 3 if v >= z2 else 2
                        r.pop()
    for y in YEARS:
        with open(os.path.join(out, 'results_%d.csv' % y), 'w', newline='') as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows[y])
    with open(os.path.join(out, 'GEN_INFO.txt'), 'w') as f:
        f.write('gen2 departure=%s seed=%d schools=%d honest=all\n' % (dep_name, seed, nsch))
        for s in schools:
            f.write('%s %s %s u=%.2f v=%.2f size=%d habit=%.2f trend=%.1f sel=%s multigrade=%s big=%s share5=%.2f\n' % (
                s['id'], s['kind'], s['loc'], s['u'], s['v'], s['size'], s['habit'], s['trend'], s['sel'],
                s['multigrade'], s['big'], s['share5']))


def inv_norm(p):
    lo, hi = -8.0, 8.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


if __name__ == '__main__':
    main()
