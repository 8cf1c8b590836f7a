#!/bin/sh
# Write each raw profile's symbolized copy (NAME.prof -> NAME.pb.gz) in these
# run directories, as a report's data/ holds them: `overhead analyze` reads
# the copies, so the analysis of this fixture needs no binary (its workloads'
# paths point nowhere on purpose: their frames stay unnamed, and the copies
# say so). Re-run after changing the symbolizer, then regenerate
# expected.json (tests/analysis-golden.sh OVERHEAD --regen).
#
#   make-symbolized.sh OVERHEAD
set -eu
ovh=${1:?usage: make-symbolized.sh OVERHEAD}
cd "$(dirname "$0")"
for f in */*.prof; do
    "$ovh" pprof -o "${f%.prof}.pb.gz" "$f" 2>/dev/null
done
echo "symbolized $(ls */*.pb.gz | wc -l) profiles"
