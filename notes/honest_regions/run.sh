#!/bin/bash
# Honest regions that break the simulator's assumptions, written by an
# independent generator (gen.py, pure Python 3), analysed by obektiv and
# summarised (measure.py): every listed school-year is a false positive.
#   bash notes/honest_regions/run.sh OBEKTIV_BINARY WORKDIR
set -e
bin=${1:-target/release/obektiv}; work=${2:-/tmp/honest_regions}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
for dep in base tracking tiny ceiling correctional lenient_region teacher harder_year \
           lyceum heavy_tail allornothing curve variants all; do
  for seed in 1 2; do
    d="$work/d_${dep}_s$seed"; o="$work/o_${dep}_s$seed"
    [ -d "$d" ] || python3 "$here/gen.py" "$dep" "$seed" "$d" > /dev/null
    "$bin" --quiet analyze "$d" --out "$o" > /dev/null 2>&1
    python3 "$here/measure.py" "$o" | head -1
  done
done
