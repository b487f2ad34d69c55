#!/bin/sh
# cmake --install of a built tree: the Python package imports from the prefix
# (from another directory), and a C++ program finds the library with
# find_package(strata) and runs. Usage: cmake_install.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1
build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
site=$(find "$tmp/prefix" -name __init__.py -path "*/strata/__init__.py" | head -1)
[ -n "$site" ] || { echo "no strata package under the prefix"; exit 1; }
cd "$tmp"
PYTHONPATH=$(dirname "$(dirname "$site")") /usr/bin/python3 -c '
import numpy as np, strata, sys
assert strata.__file__.startswith(sys.argv[1]), strata.__file__
W = strata.NMF(2, random_state=0).fit_transform(np.abs(np.random.RandomState(0).rand(20, 8)))
assert W.shape == (20, 2)
print("python package from the prefix:", strata.__file__)
' "$tmp/prefix"
cmake -S "$src/examples/cpp" -B "$tmp/example" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release > "$tmp/configure.log"
cmake --build "$tmp/example" > "$tmp/build.log"
"$tmp/example/topics" "$src/data/brown.tsv.gz" 4 | tee "$tmp/out.txt"
grep -q "^topic 3:" "$tmp/out.txt"
