"""Oracle counts for weak_medals and gia_minimum (notes/procedures.md, stop 36).

ROOT holds folders s1..sN, each `obektiv simulate --schools 300 --years 3 --seed N
--intensity strong|moderate` analysed into s*/out. Per planted school:
* weak_medals: its medal holders over the years against the expected count S12 wrote
  (findings.csv: statistic − effect × graduates), Poisson with no school spread (τ = 0:
  every graduate's rate known) — a count test cannot do better than that; then the same
  with one lasting u ~ N(0, τ²) at the τ S12 fitted before the marks (0.55, 0.6).
* gia_minimum: S11's pooled window count (its note) against a binomial with the honest
  schools' pooled share at the minimums (no overdispersion).
    python3 notes/oracle_medals_minimums.py ROOT/
"""
import sys, re, glob, math
ROOT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/m36/"
import polars as pl
from math import lgamma, exp, log
def pois_sf(o, mu):  # P(X >= o), X ~ Poisson(mu)
    if o <= 0: return 1.0
    s = 0.0
    for k in range(0, o):
        s += exp(-mu + k*log(mu) - lgamma(k+1)) if mu > 0 else (1.0 if k == 0 else 0.0)
    return max(0.0, 1.0 - s)
def binom_sf(x, n, p):
    return sum(exp(lgamma(n+1)-lgamma(k+1)-lgamma(n-k+1)+k*log(p)+(n-k)*log(1-p)) for k in range(x, n+1))
wm, gm = [], []
for d in sorted(glob.glob(ROOT + "s*/")):
    o = d + "out/"
    try:
        f = pl.read_csv(o+"findings.csv", infer_schema_length=0)
    except Exception: continue
    t = pl.read_csv(d+"truth.csv").filter(pl.col("manipulation").is_in(["weak_medals","gia_minimum"]))
    ege = pl.concat([pl.read_csv(x, infer_schema_length=0, columns=["year","subject","school"]) for x in glob.glob(d+"results_*_ege.csv")])
    N = ege.filter(pl.col("subject")=="RU").group_by(["year","school"]).agg(pl.len().alias("n")).with_columns(pl.col("year").cast(pl.Int64))
    s12 = f.filter((pl.col("sign")=="S12")&(pl.col("evaluated")=="true")).select(pl.col("year").cast(pl.Int64),"school",pl.col("statistic").cast(pl.Float64).alias("O"),pl.col("effect").cast(pl.Float64).alias("eff"),pl.col("p_value").cast(pl.Float64).alias("p")).join(N,on=["year","school"]).with_columns((pl.col("O")-pl.col("eff")*pl.col("n")).alias("E"))
    fired = f.filter(pl.col("fired")=="true").select(pl.col("year").cast(pl.Int64),"school","exam","subject","grade")
    marked = set((r[0], r[1], r[2], r[3]) for r in fired.iter_rows())
    tw = t.filter(pl.col("manipulation")=="weak_medals")
    for school in tw["school"].unique().to_list():
        rows = s12.filter(pl.col("school")==school)
        cells = tw.filter(pl.col("school")==school)
        O, E = int(rows["O"].sum()), float(rows["E"].sum())
        changed = int(cells["changed"].sum())
        best_year = min((pois_sf(int(r["O"]), r["E"]) for r in rows.iter_rows(named=True)), default=1)
        k = sum(1 for r in cells.iter_rows(named=True) if (r["year"], school, "EGE", "RU") in marked)
        wm.append((d.split('/')[-2], school, cells.height, k, changed, O, round(E,1), pois_sf(O, E), best_year))
    # S11 pooled notes: "работ на границе X из W"
    s11 = f.filter((pl.col("sign")=="S11")&(pl.col("evaluated")=="true"))
    pooled = {}
    for r in s11.iter_rows(named=True):
        m = re.search(r"работ на границе (\d+) из (\d+)", r["note"] or "")
        if m: pooled[r["school"]] = (int(m.group(1)), int(m.group(2)))
    tg = t.filter(pl.col("manipulation")=="gia_minimum")
    gs = set(tg["school"].to_list())
    hx = sum(v[0] for k,v in pooled.items() if k not in gs); hw = sum(v[1] for k,v in pooled.items() if k not in gs)
    pi = hx/hw
    for school in sorted(gs):
        cells = tg.filter(pl.col("school")==school)
        x, w = pooled.get(school, (0,0))
        k = sum(1 for r in cells.iter_rows(named=True) if (r["year"], school, r["exam"], r["subject"]) in marked)
        ch = int(cells.group_by("year").agg(pl.col("changed").max())["changed"].sum())
        gm.append((d.split('/')[-2], school, cells.height, k, ch, x, w, round(pi,3), binom_sf(x, w, pi) if w else 1.0))
print("weak_medals, strong: seed school cells marked changed O E p_pooled(tau=0) p_best_year(tau=0)")
for r in wm: print(*r)
for thr in (1e-3, 1e-4):
    c = sum(r[2] for r in wm); a = sum(r[2] for r in wm if r[7] <= thr)
    print(f"weak_medals cells whose school's pooled oracle p <= {thr}: {a}/{c} = {a/max(c,1):.3f}; marked now {sum(r[3] for r in wm)}/{c}")
print("gia_minimum, strong: seed school cells marked changed(sum of yearly max) X W pi p_binom")
for r in gm: print(*r)
for thr in (1e-3, 1e-4):
    c = sum(r[2] for r in gm); a = sum(r[2] for r in gm if r[8] <= thr)
    print(f"gia_minimum cells whose school's binomial p <= {thr}: {a}/{c} = {a/max(c,1):.3f}; marked now {sum(r[3] for r in gm)}/{c}")
print("--- pooled with one u ~ N(0, tau^2), Poisson approx, tau 0.55 / 0.6")
import math
def mix_sf(o, E, tau, k=201):
    tot=0; wsum=0
    for i in range(k):
        z = -6 + 12*i/(k-1); w = math.exp(-z*z/2); u = tau*z
        tot += w*pois_sf(o, E*math.exp(u)); wsum += w
    return tot/wsum
for tau in (0.55, 0.6):
    res=[]
    for r in wm:
        pp = mix_sf(r[5], r[6], tau)
        res.append((r, pp))
    for thr in (1e-3, 1e-4):
        c = sum(r[2] for r in wm); a = sum(r[2] for r,pp in res if pp <= thr/2)
        print(f"tau {tau}: cells whose school's pooled p*2 <= {thr}: {a}/{c}")
    print([ (r[1], r[5], r[6], f"{pp:.1e}") for r,pp in res if r[4]>=5])
