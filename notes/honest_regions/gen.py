#!/usr/bin/env python3
"""Independent HONEST region generator for obektiv false-positive tests.

Usage: gen.py DEPARTURE SEED OUTDIR [--schools N]
DEPARTURE in: base tracking tiny ceiling correctional lenient_region teacher
              harder_year lyceum heavy_tail allornothing curve variants all
              munibase (big region for municipal tests)

Model (no manipulation anywhere):
 * pupil ability theta = school effect + cohort effect + class effect + e, e~N(0,1);
   pupils persist across years (grade g in year y -> g+1 in y+1); per-subject
   persistent component and per-occasion noise.
 * tasks: graded response model per task (discrimination a, ordered step
   thresholds by level: basic/advanced/high), maxima & levels from the real
   VPR/OGE/EGE task lists of data/sample/tasks.csv (2025).
 * marks: real cut scores (data/sample/scales.csv 2025), EGE test score by the
   real primary->test conversion.
 * journal mark: cut of (ability + teacher noise + school habit) at cut points fixed
   per test (matched to the baseline mark distribution), i.e. honest marking.
"""
import sys, math, random, csv, os, bisect

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'data', 'sample')
YEARS = [2023, 2024, 2025]
TESTS = [('VPR', s, g) for g in (4, 5, 6, 7, 8) for s in ('RU', 'MA')] + \
        [('OGE', 'RU', 9), ('OGE', 'MA', 9), ('EGE', 'RU', 11), ('EGE', 'MA', 11)]
NT = 27

EGE_CONV = {
    'RU': [0, 3, 5, 7, 10, 12, 14, 17, 19, 22, 24, 26, 28, 30, 31, 33, 35, 37, 39, 41, 43, 45, 46, 48, 50, 52, 54,
           56, 58, 59, 61, 63, 65, 67, 69, 71, 73, 74, 76, 78, 80, 82, 84, 86, 88, 90, 92, 94, 96, 98, 100],
    'MA': [0, 5, 11, 16, 22, 27, 30, 32, 35, 37, 40, 42, 45, 47, 50, 52, 55, 57, 60, 62, 65, 67, 70, 72, 75, 77, 80,
           83, 87, 90, 93, 97, 100],
}
EGE_MIN = {'RU': (24, 36), 'MA': (27, 27)}
# pseudo 'annual mark' bands for EGE (test score)
EGE_BANDS = {'RU': (24, 50, 72), 'MA': (27, 45, 65)}


def load_tasks():
    t = {}
    for r in csv.DictReader(open(os.path.join(SAMPLE, 'tasks.csv'))):
        if r['year'] != '2025' or r['subject'] not in ('RU', 'MA'):
            continue
        k = (r['exam'], r['subject'], int(r['grade']))
        t.setdefault(k, []).append((int(r['task']), int(r['max']), r['level'], r['label']))
    for k in t:
        t[k].sort()
    return t


def load_scales():
    s = {}
    for r in csv.DictReader(open(os.path.join(SAMPLE, 'scales.csv'))):
        if r['year'] != '2025' or r['subject'] not in ('RU', 'MA') or r['exam'] == 'EGE':
            continue
        k = (r['exam'], r['subject'], int(r['grade']))
        s.setdefault(k, {})[int(r['mark'])] = int(r['min_score'])
    return {k: (v[3], v[4], v[5]) for k, v in s.items()}


TASKS = load_tasks()
SCALES = load_scales()


def logistic(x):
    if x > 30: return 1.0
    if x < -30: return 0.0
    return 1.0 / (1.0 + math.exp(-x))


class Test:
    def __init__(self, key, rng, dep):
        self.key = key
        exam, subj, grade = key
        self.tasks = TASKS[key]
        self.max = sum(m for _, m, _, _ in self.tasks)
        self.params = []
        aon = dep.get('allornothing') and subj == 'MA' and exam in ('VPR', 'OGE')
        for _, m, lev, _ in self.tasks:
            base = {'basic': -1.0, 'advanced': 0.3, 'high': 1.1}[lev] + rng.gauss(0, 0.5)
            if aon:
                a = 4.0
                steps = [base] * m        # all-or-nothing: every step at the same threshold
            else:
                a = 1.4 if dep.get('rasch') else rng.uniform(0.9, 2.0)
                spread = 0.5 if m > 1 else 0
                steps = [base + spread * (j - (m - 1) / 2) for j in range(m)]
                if m >= 10:  # long essay-type task: smooth partial credit
                    steps = [base + 2.2 * (j - (m - 1) / 2) / (m - 1) for j in range(m)]
            self.params.append((a, steps))
        self.delta = 0.0

    def score(self, theta, rng, shift=0.0):
        th = theta - self.delta - shift
        out = []
        for a, steps in self.params:
            u = rng.random()
            s = 0
            for b in steps:
                if u < logistic(a * (th - b)):
                    s += 1
                else:
                    break
            out.append(s)
        return out

    def mark(self, prim):
        exam, subj, grade = self.key
        if exam == 'EGE':
            return None
        c3, c4, c5 = SCALES[self.key]
        return 5 if prim >= c5 else 4 if prim >= c4 else 3 if prim >= c3 else 2

    def test_score(self, prim):
        return EGE_CONV[self.key[1]][prim]

    def pseudo_mark(self, prim):
        """mark on the 2..5 scale used to calibrate journal cut points"""
        if self.key[0] != 'EGE':
            return self.mark(prim)
        ts = self.test_score(prim)
        b = EGE_BANDS[self.key[1]]
        return 5 if ts >= b[2] else 4 if ts >= b[1] else 3 if ts >= b[0] else 2

    def calibrate(self, rng, target_fn, sd=1.15, mean=0.0, n=1500):
        pop = [rng.gauss(mean, sd) for _ in range(n)]
        lo, hi = -4.0, 4.0
        for _ in range(18):
            mid = (lo + hi) / 2
            self.delta = mid
            prims = [sum(self.score(t, rng)) for t in pop]
            if target_fn(self, prims) > 0:   # too easy -> make harder
                lo = mid
            else:
                hi = mid
        self.delta = (lo + hi) / 2
        # journal cut points on the latent scale, matched to the mark distribution
        prims = [sum(self.score(t, rng)) for t in pop]
        marks = [self.pseudo_mark(p) for p in prims]
        lat = sorted(t + rng.gauss(0, 0.55) for t in pop)
        cuts = []
        for k in (3, 4, 5):
            share_below = sum(1 for m in marks if m < k) / n
            q = lat[min(n - 1, max(0, int(share_below * n)))]
            cuts.append(q - 0.15)   # journal marks slightly more lenient than the test
        self.jcuts = cuts


def target_default(test, prims):
    exam, subj, _ = test.key
    if exam == 'EGE':
        mn = EGE_MIN[subj][0]
        share = sum(1 for p in prims if test.test_score(p) < mn) / len(prims)
        return (0.04 if subj == 'RU' else 0.12) - share
    share2 = sum(1 for p in prims if test.mark(p) == 2) / len(prims)
    return 0.12 - share2


def target_ceiling(test, prims):
    share = sum(1 for p in prims if p == test.max) / len(prims)
    return share - 0.30


def target_floor(test, prims):
    share = sum(1 for p in prims if p == 0) / len(prims)
    return 0.15 - share


DEPS = {
    'base': {},
    'tracking': {'tracking': True},
    'tiny': {'tiny': True},
    'ceiling': {'ceiling': True},
    'correctional': {'correctional': True},
    'lenient_region': {'lenient_region': True},
    'teacher': {'teacher': True},
    'harder_year': {'harder_year': True},
    'lyceum': {'lyceum': True},
    'heavy_tail': {'heavy_tail': True},
    'allornothing': {'allornothing': True},
    'curve': {'curve': True},
    'variants': {'variants': True},
    'munibase': {},
    'big': {'big': True},
    'elite': {'elite': True},
    'floor_school_harder': {'floor_school': True, 'harder_year': True},
    'big_rasch': {'big': True, 'rasch': True},
    'floor_harder': {'heavy_tail': True, 'harder_year': True, 'ceiling': True},
    'curve_tail': {'curve': True, 'heavy_tail': True},
}
DEPS['all'] = {k: True for k in ('tracking', 'tiny', 'ceiling', 'correctional', 'lenient_region', 'teacher',
                                 'harder_year', 'lyceum', 'heavy_tail', 'allornothing', 'curve', 'variants')}

LETTERS = 'АБВГДЕЖИКЛМНОПРСТУФХ'


def write_side_files(out, schools):
    """schools.csv, tasks.csv and scales.csv of a region (shared with gen2.py)."""
    with open(os.path.join(out, 'schools.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['school', 'name', 'municipality', 'kind', 'advanced_subjects', 'locality'])
        for s in schools:
            w.writerow([s['id'], s['name'], s['mun'], s['kind'], s['adv'], s['loc']])

    with open(os.path.join(out, 'tasks.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['exam', 'year', 'subject', 'grade', 'task', 'max', 'level', 'label'])
        for y in YEARS:
            for key in TESTS:
                for (k, m, lev, lab) in TASKS[key]:
                    w.writerow([key[0], y, key[1], key[2], k, m, lev, lab])
    with open(os.path.join(out, 'scales.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['exam', 'year', 'subject', 'grade', 'mark', 'min_score'])
        for y in YEARS:
            for key in TESTS:
                if key[0] == 'EGE':
                    w.writerow([key[0], y, key[1], key[2], 'pass', EGE_MIN[key[1]][0]])
                    w.writerow([key[0], y, key[1], key[2], 'university', EGE_MIN[key[1]][1]])
                else:
                    for mk, c in zip((3, 4, 5), SCALES[key]):
                        w.writerow([key[0], y, key[1], key[2], mk, c])


def main():
    dep_name, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    nsch = 200
    if '--schools' in sys.argv:
        nsch = int(sys.argv[sys.argv.index('--schools') + 1])
    dep = DEPS[dep_name]
    rng = random.Random(seed * 7919 + hash(dep_name) % 1000 if False else seed * 7919 + sum(map(ord, dep_name)))
    os.makedirs(out, exist_ok=True)

    # --- tests
    tests = {}
    for key in TESTS:
        t = Test(key, rng, dep)
        fn = target_default
        if dep.get('ceiling') and key in (('VPR', 'MA', 4), ('VPR', 'RU', 6)):
            fn = target_ceiling
        if dep.get('ceiling') and key in (('VPR', 'MA', 8), ('VPR', 'MA', 7)):
            fn = target_floor
        t.calibrate(rng, fn)
        tests[key] = t

    # --- schools
    nmun = max(1, nsch // 25)
    schools = []
    for i in range(nsch):
        sid = 'edu%06d' % (900001 + i)
        mun = 'Муниципальный округ %s' % ('Северный Южный Западный Восточный Центральный Озёрный Лесной Речной '
                                            'Горный Степной Полевой Луговой Заречный Приморский Нагорный '
                                            'Сосновый'.split()[i % nmun] if nmun <= 16 else 'М%d' % (i % nmun))
        r = rng.random()
        kind = 'СОШ'
        adv = ''
        if r < 0.06:
            kind, adv = 'лицей', 'MA;PH'
        elif r < 0.10:
            kind, adv = 'гимназия', 'RU;EN'
        elif r < 0.30:
            kind = 'ООШ'
        rural = rng.random() < (0.1 if kind in ('лицей', 'гимназия') else 0.45)
        # size: pupils per grade
        if dep.get('big'):
            size = rng.randint(120, 200)
        elif dep.get('tiny'):
            if kind not in ('лицей', 'гимназия') and rng.random() < 0.65:
                rural = True
                size = rng.randint(3, 8)
            elif rng.random() < 0.3 or kind in ('лицей', 'гимназия'):
                rural = False
                size = rng.randint(100, 160)
            else:
                size = int(math.exp(rng.gauss(math.log(40), 0.4)))
        else:
            size = min(220, max(6, int(math.exp(rng.gauss(math.log(45 if not rural else 18), 0.5)))))
        if dep.get('heavy_tail'):
            # t with 3 df, scaled to the same SD as the normal case (0.45)
            z = rng.gauss(0, 1) / math.sqrt(sum(rng.gauss(0, 1) ** 2 for _ in range(3)) / 3)
            u = 0.45 * z / math.sqrt(3.0)
        else:
            u = rng.gauss(0, 0.45)
        if kind in ('лицей', 'гимназия'):
            u += 1.5 if dep.get('lyceum') else 0.6
        if rural:
            u -= 0.2
        if dep.get('elite') and i < 3:
            # a few honest elite schools far above everyone (4-6 SD of the school distribution)
            kind, adv, rural = 'лицей', 'MA;PH', False
            u = (1.8, 2.2, 2.6)[i]
            size = rng.randint(100, 150)
        if dep.get('floor_school') and i < 2:
            # honest special (correctional) boarding schools far below everyone
            kind, adv, rural = 'школа-интернат', '', False
            u = (-2.5, -3.0)[i]
            size = rng.randint(30, 50)
        habit = rng.gauss(0, 0.25)   # honest, consistent school marking leniency
        schools.append(dict(id=sid, name='МБОУ "%s № %d"' % (kind, i + 1), mun=mun, kind=kind, adv=adv,
                            loc='rural' if rural else 'urban', u=u, size=size, habit=habit,
                            corr=dep.get('correctional') and rng.random() < 0.35,
                            teacher_sign=rng.choice((-1, 1)), adv_skill=0.5 if dep.get('lyceum') and adv else 0.0))

    write_side_files(out, schools)

    # --- pupils: cohorts per school, identified by the grade-4 year (VPR grades 4..9)
    # and separate senior cohorts for grade 11.
    pid = [100000]
    lenient_region = dep.get('lenient_region')
    rows = {y: [] for y in YEARS}
    header = ['year', 'exam', 'subject', 'grade', 'school', 'class', 'student', 'variant'] + \
             ['t%d' % k for k in range(1, NT + 1)] + ['primary', 'mark', 'test_score', 'journal_mark']

    def make_cohort(s, n, senior=False):
        """returns list of pupils: dict(theta, subj comps, class letter, flags)"""
        coh = rng.gauss(0, 0.15)
        nclass = max(1, math.ceil(n / 25))
        pupils = []
        # class effects
        ceff = [rng.gauss(0, 0.12) for _ in range(nclass)]
        if dep.get('tracking') and nclass >= 2:
            # class А is the strong (gymnasium) class, the others weak: means differ by 1 SD
            ceff = [0.5 + rng.gauss(0, 0.05)] + [-0.5 + rng.gauss(0, 0.05)] * (nclass - 1)
        for c in range(nclass):
            size_c = n // nclass + (1 if c < n % nclass else 0)
            for _ in range(size_c):
                pid[0] += 1
                th = s['u'] + coh + ceff[c] + rng.gauss(0, 1.0) + (0.4 if senior else 0.0)
                pupils.append(dict(id=pid[0], th=th, RU=rng.gauss(0, 0.45), MA=rng.gauss(0, 0.45),
                                   cls=LETTERS[c], corr=False, lenient=rng.random() < 0.4))
        if s['corr'] and not senior:
            letter = LETTERS[nclass]
            for _ in range(rng.randint(7, 12)):
                pid[0] += 1
                pupils.append(dict(id=pid[0], th=s['u'] - 2.0 + rng.gauss(0, 0.7), RU=rng.gauss(0, 0.45),
                                   MA=rng.gauss(0, 0.45), cls=letter, corr=True, lenient=rng.random() < 0.4))
        return pupils

    for s in schools:
        top = 9 if s['kind'] == 'ООШ' else 11
        cohorts = {}
        for y in YEARS:
            for key in TESTS:
                exam, subj, g = key
                if g > top:
                    continue
                if g == 11:
                    ck = ('sen', y)
                    if ck not in cohorts:
                        cohorts[ck] = make_cohort(s, max(2, int(s['size'] * rng.uniform(0.45, 0.65))), senior=True)
                else:
                    ck = ('jun', y - g)
                    if ck not in cohorts:
                        n = max(2, int(s['size'] * math.exp(rng.gauss(0, 0.12))))
                        cohorts[ck] = make_cohort(s, n)
                pupils = cohorts[ck]
                t = tests[key]
                shift = 0.0
                if dep.get('harder_year') and y == 2024:
                    shift = 0.8   # a much harder version of the same test in 2024
                if exam == 'EGE' and subj == 'MA':
                    # profile maths: only the stronger ~55 % choose it
                    takers = [p for p in pupils if p['th'] + p['MA'] + rng.gauss(0, 0.8) > s['u'] * 0.3 + 0.2]
                else:
                    takers = pupils
                for p in takers:
                    if rng.random() < 0.05:
                        continue   # absent
                    ab = p['th'] + p[subj] + rng.gauss(0, 0.3)
                    extra = 0.0
                    var = rng.randint(1, 2) if exam == 'VPR' else rng.randint(1, 8)
                    vshift = 0.0
                    if dep.get('variants') and exam == 'VPR' and var == 2:
                        vshift = 0.35   # variant 2 honestly harder
                    sc = t.score(ab, rng, shift + vshift)
                    if s['adv_skill'] and subj in s['adv'].split(';'):
                        # in-depth curriculum: more success on advanced/high tasks at equal ability
                        sc2 = t.score(ab + s['adv_skill'], rng, shift + vshift)
                        sc = [sc2[i] if t.tasks[i][2] != 'basic' else sc[i] for i in range(len(sc))]
                    prim = sum(sc)
                    mark = t.mark(prim)
                    ts = t.test_score(prim) if exam == 'EGE' else ''
                    # journal mark: teacher noise on persistent ability (not the test occasion)
                    lat = p['th'] + p[subj] + rng.gauss(0, 0.55) + s['habit']
                    if dep.get('curve'):
                        lat -= 0.7 * s['u']   # teachers grade relative to their own school's level
                    j = 2 + sum(1 for c in t.jcuts if lat >= c)
                    if p['corr']:
                        j = max(j, 3) if dep.get('correctional_floor') else j
                    if lenient_region and p['lenient']:
                        j = min(5, j + 1)
                    if dep.get('teacher') and p['cls'] == 'Б' and 5 <= g <= 9:
                        # one teacher per school teaching the Б classes, consistent leniency/strictness
                        if rng.random() < 0.7:
                            j = min(5, max(2, j + s['teacher_sign']))
                    task_cells = [str(x) for x in sc] + [''] * (NT - len(sc))
                    rows[y].append([y, exam, subj, g, s['id'], '%d%s' % (g, p['cls']), p['id'], var] + task_cells +
                                   [prim, '' if mark is None else mark, ts, j])
    for y in YEARS:
        with open(os.path.join(out, 'results_%d.csv' % y), 'w', newline='') as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows[y])
    # truth file outside the input naming scheme: nothing is manipulated
    with open(os.path.join(out, 'GEN_INFO.txt'), 'w') as f:
        f.write('departure=%s seed=%d schools=%d honest=all\n' % (dep_name, seed, nsch))
        for s in schools:
            f.write('%s %s %s u=%.2f size=%d habit=%.2f corr=%s tsign=%d\n' % (
                s['id'], s['kind'], s['loc'], s['u'], s['size'], s['habit'], s['corr'], s['teacher_sign']))


if __name__ == '__main__':
    main()
