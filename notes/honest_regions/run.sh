#!/bin/bash
# Honest regions that break the simulator's assumptions, written by two
# independent generators (gen.py, gen2.py: pure Python 3), analysed by obektiv
# and summarised (measure.py): every listed school-year is a false positive.
#   bash notes/honest_regions/run.sh OBEKTIV_BINARY WORKDIR
set -e
bin=${1:-target/release/obektiv}; work=${2:-/tmp/honest_regions}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
run() { # generator departure seed
  d="$work/d_${1%.py}_${2}_s$3"; o="$work/o_${1%.py}_${2}_s$3"
  [ -d "$d" ] || python3 "$here/$1" "$2" "$3" "$d" > /dev/null
  "$bin" --quiet analyze "$d" --out "$o" > /dev/null 2>&1
  python3 "$here/measure.py" "$o" | head -1
}
for seed in 1 2; do
  for dep in base tracking tiny ceiling correctional lenient_region teacher harder_year \
             lyceum heavy_tail allornothing curve variants all; do
    run gen.py "$dep" "$seed"
  done
  for dep in base drill twodim guessing multigrade selective classvariants trend \
             journalscale egeselect bigtracked all; do
    run gen2.py "$dep" "$seed"
  done
done
