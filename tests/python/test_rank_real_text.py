"""strata rank on real text no one on the project wrote: mixtures of 5 groups of
Python standard-library docstrings (one group per module), drawn by
bench/data/make_real_corpora.py from this machine's Python. The default
criterion must land within [0.6 c, 1.6 c] = [3, 8] for every seed, where NMFk's
original rule (every topic stable) is also reported."""
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

SCRIPT = ROOT / "bench" / "data" / "make_real_corpora.py"
STDLIB = f"/usr/lib/python{sys.version_info.major}.{sys.version_info.minor}"


def run(*args):
    return subprocess.run(list(map(str, args)), capture_output=True, text=True, timeout=600, check=True)


@pytest.mark.skipif(not os.path.isdir(STDLIB), reason=f"no Python standard library at {STDLIB}")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rank_lands_near_the_number_of_docstring_groups(tmp_path, strata_cli, seed):
    tsv = tmp_path / "docstrings.tsv"
    run(sys.executable, SCRIPT, "--source", "docstrings", "--groups", 5, "--per-group", 60, "--seed", seed, "-o", tsv)
    groups = json.loads((tmp_path / "docstrings.tsv.json").read_text())["groups"]
    assert groups == 5
    corpus = tmp_path / "x.strata"
    run(strata_cli, "vectorize", tsv, "--format", "tsv", "--id-column", 1, "--label-column", 2, "--text-column", 3,
        "--stop-words", "english", "--min-df", 2, "-o", corpus, "-q")
    out = tmp_path / "rank"
    printed = run(strata_cli, "rank", corpus, "-k", "2:10", "--perturbations", 10, "--seed", seed, "--threads", 2,
                  "-o", out).stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["selection"]["criterion"] == "mean-silhouette"
    assert 3 <= metrics["selected_k"] <= 8, metrics["by_criterion"]
    # The printed summary says why and names the runners-up and every criterion's choice.
    assert f"selected k={metrics['selected_k']} by mean-silhouette" in printed
    assert "runners-up:" in printed and "by criterion: mean-silhouette=" in printed
    assert metrics["selection"]["reason"] in printed
