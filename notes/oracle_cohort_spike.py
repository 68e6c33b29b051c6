"""How far the cohort spike can go at a given intensity (issue 12, item 2; stop 37).

A planted cohort spike raises one VPR cell's results (not its journal marks) in one year.
Two statistics see it: S6a (the result above the pupils' own marks) and S9 (the rise the
cohort does not keep a year earlier and later). This script reads simulated regions and their
`analyze` outputs and asks, for the planted cells of 20 works and more, how many would reach a
listing p-value (`--threshold`, default 5e-5: about where a school-year is listed in a region
of 300 schools) if the cell's p-value were:

* S6a's own p times 14 — what the evidence stage charges now: its family holds two signs
  (Bonferroni x 2) and Simes over the ~7 families of a VPR cell (x 7 when one decides);
* S6a's p times 7 — if its family held S6a alone;
* S6a's p alone — no multiple testing at all (an analyst who knew which sign to read);
* the best linear combination of the two z-scores, z = (w6 z6 + w9 z9) / sqrt(w' S w), with
  S the 2x2 correlation of z6 and z9 over every unplanted cell where both are evaluated and w
  = S^-1 mu, mu the planted cells' mean z-scores (an oracle: it knows the signal's direction in
  the two statistics), again with no multiple testing. Under the null (z6, z9 bivariate normal
  with correlation S) this z is N(0, 1).

    for s in $(seq 1 20); do
      obektiv --quiet simulate --schools 300 --years 3 --seed $s --intensity moderate --out r$s
      obektiv --quiet analyze r$s --out o$s
    done
    python3 notes/oracle_cohort_spike.py 'r*' [--threshold 5e-5]

The output folder of rK is oK.
"""

import csv
import glob
import re
import sys
from collections import defaultdict

import numpy as np
from scipy.stats import norm


def key(r):
    return (r["year"], r["exam"], r["subject"], r["grade"], r["school"])


def main(pattern: str, threshold: float) -> None:
    planted = []  # (marked, p6, p9)
    honest = []  # (p6, p9)
    for folder in sorted(glob.glob(pattern)):
        if not re.search(r"r\d+$", folder):
            continue
        out = re.sub(r"r(\d+)$", r"o\1", folder)
        truth = {}
        for r in csv.DictReader(open(f"{folder}/truth.csv")):
            truth[key(r)] = r["manipulation"]
        cells = {}
        for r in csv.DictReader(open(f"{out}/cells.csv")):
            cells[key(r)] = r
        p = defaultdict(dict)
        for r in csv.DictReader(open(f"{out}/findings.csv")):
            if r["evaluated"] == "true" and r["p_value"] and r["sign"] in ("S6a", "S9"):
                p[key(r)][r["sign"]] = float(r["p_value"])
        for k, c in cells.items():
            d = p.get(k, {})
            kind = truth.get(k, "none")
            if kind == "cohort_spike" and int(c["n"]) >= 20:
                planted.append((c["marker"] == "true", d.get("S6a", 1.0), d.get("S9", 1.0)))
            elif kind == "none" and "S6a" in d and "S9" in d:
                honest.append((d["S6a"], d["S9"]))
    a = np.array(planted, dtype=float)
    h = np.array(honest)
    zh = norm.isf(np.clip(h, 1e-300, 1 - 1e-12))
    inner = (np.abs(zh) < 3).all(axis=1)
    rho = np.corrcoef(zh[inner].T)[0, 1]
    z6, z9 = norm.isf(a[:, 1]), norm.isf(a[:, 2])
    both = a[:, 2] < 1
    mu = np.array([z6[both].mean(), z9[both].mean()])
    s = np.array([[1, rho], [rho, 1]])
    w = np.linalg.solve(s, mu)
    combined = np.where(both, (w[0] * z6 + w[1] * z9) / np.sqrt(w @ s @ w), z6)
    n = len(a)
    print(f"planted cells: {n}; marked by obektiv: {int(a[:, 0].sum())} ({a[:, 0].mean():.3f})")
    print(f"honest cells with both: {len(h)}; correlation of z6 and z9: {rho:.3f}")
    print(f"planted cells' mean z: S6a {mu[0]:.2f}, S9 {mu[1]:.2f} (S9 evaluated in {int(both.sum())})")
    for label, reach in [
        ("S6a x 14 (now)", a[:, 1] * 14 <= threshold),
        ("S6a x 7 (its family alone)", a[:, 1] * 7 <= threshold),
        ("S6a alone, no multiple testing", a[:, 1] <= threshold),
        ("S6a and S9, oracle weights, no multiple testing", norm.sf(combined) <= threshold),
    ]:
        print(f"  {label:50s} {int(reach.sum()):3d} of {n} ({reach.mean():.3f})")


if __name__ == "__main__":
    args = sys.argv[1:]
    t = 5e-5
    if "--threshold" in args:
        i = args.index("--threshold")
        t = float(args[i + 1])
        del args[i : i + 2]
    main(args[0], t)
