"""Runs scikit-learn's own test files against strata's estimators.

Each file installed with scikit-learn (Debian's python3-sklearn) is copied to
a temporary folder with only its import lines changed, so that the names
strata provides come from strata; every assertion is left as it is. Tests of
scikit-learn-private helpers, and tests of behaviour strata documents as
different, are deselected from exclusions.txt, each with its reason. The
script exits non-zero if any other test fails, or if an import line it
expects is not found (another scikit-learn version: the table needs a look).

    PYTHONPATH=build/python /usr/bin/python3 tests/sklearn_compat/run.py [--list] [pytest args]
"""
import argparse
import os
import pathlib
import subprocess
import sys
import tempfile

import sklearn

HERE = pathlib.Path(__file__).resolve().parent
SKLEARN = pathlib.Path(sklearn.__file__).resolve().parent

# scikit-learn test file -> {import line as written there: the line that replaces it}.
SWAPS = {
    "decomposition/tests/test_nmf.py": {
        "from sklearn.decomposition import NMF, MiniBatchNMF":
            "from strata import NMF\nfrom sklearn.decomposition import MiniBatchNMF",
        "from sklearn.decomposition import non_negative_factorization":
            "from strata import non_negative_factorization",
    },
    "decomposition/tests/test_pca.py": {
        "from sklearn.decomposition import PCA": "from strata import PCA",
    },
    "decomposition/tests/test_truncated_svd.py": {
        "from sklearn.decomposition import TruncatedSVD, PCA": "from strata import TruncatedSVD, PCA",
    },
}


def read_exclusions():
    """exclusions.txt: 'file.py::test_name  # reason' per line -> node ids."""
    ids = []
    for line in (HERE / "exclusions.txt").read_text().splitlines():
        node = line.split("#", 1)[0].strip()
        if node:
            if "#" not in line:
                sys.exit(f"exclusions.txt: '{node}' has no reason (write '# why' after it)")
            ids.append(node)
    return ids


def swapped_copy(relative, swaps, folder):
    text = (SKLEARN / relative).read_text()
    for old, new in swaps.items():
        if old not in text:
            sys.exit(f"{SKLEARN / relative}: import line not found: {old!r} (another scikit-learn version?)")
        text = text.replace(old, new)
    target = folder / pathlib.Path(relative).name
    target.write_text(text)
    return target


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _, pytest_args = parser.parse_known_args()  # everything else goes to pytest (-x, -k name, ...)
    with tempfile.TemporaryDirectory(prefix="strata-sklearn-tests-") as tmp:
        folder = pathlib.Path(tmp)
        files = [swapped_copy(rel, swaps, folder) for rel, swaps in SWAPS.items()]
        deselect = []
        for node in read_exclusions():
            deselect += ["--deselect", node]
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", tmp,
                   *[f.name for f in files], *deselect, *pytest_args]
        # pytest runs in the temporary folder: relative PYTHONPATH entries would point nowhere.
        path = os.pathsep.join(os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=path)
        return subprocess.call(command, cwd=tmp, env=env)


if __name__ == "__main__":
    sys.exit(main())
