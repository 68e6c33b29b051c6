"""The floor of issue 14: a bare py-polars read and group-by of a region's results files.

Reads every results*.csv of the folder (all columns, as polars infers them) and groups the
works by year, exam, subject, grade and school, with the count and the mean of every numeric
column — what any analysis of the files must at least do. Prints the wall time of the best
of three runs and of each.

    python3 notes/floor.py FOLDER
"""

import glob
import sys
import time

import polars as pl


def once(folder: str) -> float:
    start = time.perf_counter()
    for path in sorted(glob.glob(f"{folder}/results*.csv")):
        df = pl.read_csv(path, infer_schema_length=10000)
        keys = [c for c in ("year", "exam", "subject", "grade", "school") if c in df.columns]
        numeric = [c for c, t in df.schema.items() if t.is_numeric() and c not in keys]
        df.group_by(keys).agg([pl.len()] + [pl.col(c).mean() for c in numeric])
    return time.perf_counter() - start


if __name__ == "__main__":
    runs = [once(sys.argv[1]) for _ in range(3)]
    print("runs:", " ".join(f"{r:.2f}" for r in runs), "s; best", f"{min(runs):.2f} s")
