#!/usr/bin/env bash
# The instructions of one `analyze` run on one thread, counted by valgrind's
# cachegrind, with the 25 functions that execute most of them: a measure of the
# work a binary does that other load on a shared machine does not change (the
# wall clock of the same run varied 1.7 times within one session at stop 38).
# Compare two binaries on the same folder; a 250-school region takes about a
# minute, a 1 000-school one about four.
#
#   notes/instructions.sh target/release/obektiv /dev/shm/r250
set -euo pipefail
bin=$1
data=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$out/cg" \
  "$bin" --quiet --threads 1 analyze "$data" --out "$out/o" 2>&1 | grep -E "I +refs"
cg_annotate "$out/cg" | sed -n '/file:function/,$p' | sed -n '3,27p'
