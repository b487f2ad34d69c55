#!/bin/sh
# `pip install --no-build-isolation .` from the source tree into a virtual
# environment that sees the system's packages (numpy, scipy, scikit-learn):
# builds the C++ core with CMake, then `import strata` works from any
# directory. Usage: pip_install.sh SOURCE_DIR   (~6 minutes on 2 cores)
set -eu
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$tmp/venv"
# A copy of what the package needs: pip must not write build files into the checkout.
mkdir "$tmp/source"
for part in CMakeLists.txt pyproject.toml setup.py README.md cmake include src python; do
  cp -r "$src/$part" "$tmp/source/"
done
"$tmp/venv/bin/pip" install --no-build-isolation --no-deps --no-index "$tmp/source" > "$tmp/pip.log" 2>&1 ||
  { tail -40 "$tmp/pip.log"; exit 1; }
cd "$tmp"
"$tmp/venv/bin/python" -c '
import numpy as np, strata, sys
assert "/venv/" in strata.__file__, strata.__file__
W = strata.NMF(2, random_state=0).fit_transform(np.abs(np.random.RandomState(0).rand(20, 8)))
assert W.shape == (20, 2)
print("installed by pip:", strata.__file__, strata.__version__)
'
