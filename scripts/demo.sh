#!/usr/bin/env bash
# scripts/demo.sh - install what is missing, build, run the two samples.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake -S . -B build
cmake --build build -j"${JOBS:-2}" --target fetch_users cpu_offload

for sample in fetch_users cpu_offload; do
    echo
    echo "\$ build/bin/$sample      # samples/$sample.ac"
    build/bin/"$sample"
done
