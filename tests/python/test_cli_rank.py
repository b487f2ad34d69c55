"""strata rank from the command line: the model directory, metrics.json, curve.svg."""
import json
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import strata


def run(cli, *args, check=True):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=300, check=check)


@pytest.fixture(scope="module")
def planted_rank(tmp_path_factory, strata_cli):
    d = tmp_path_factory.mktemp("rank")
    run(strata_cli, "generate", "topics", "--documents", 300, "--terms", 240, "--topics", 6, "--doc-length", 150,
        "--seed", 3, "-o", d / "data", "-q")
    out = d / "model"
    r = run(strata_cli, "rank", d / "data" / "corpus.strata", "--k", "2:9", "--perturbations", 8, "--max-iter", 100,
            "--seed", 1, "--threads", 2, "-o", out)
    return d, out, r.stdout


def test_selects_planted_k_and_writes_the_directory(planted_rank, strata_cli):
    d, out, stdout = planted_rank
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["selected_k"] == 6 and metrics["selection_status"] == "selected"
    assert [c["k"] for c in metrics["curve"]] == list(range(2, 10))
    for c in metrics["curve"]:
        assert {"k", "silhouette_min", "silhouette_mean", "relative_error", "seconds"} <= set(c)
        assert set(c["silhouette_min"]) == set(c["silhouette_mean"]) == {"H", "W"}
    assert "selected k=6" in stdout
    H, W = np.load(out / "H.npy"), np.load(out / "W.npy")
    assert H.shape == (6, 240) and W.shape == (300, 6)
    model = json.loads((out / "model.json").read_text())
    assert model["kind"] == "nmf" and model["parameters"]["k"] == 6
    topics = json.loads(run(strata_cli, "topics", out, "--top", 3, "--json").stdout)
    assert len(topics) == 6


def test_curve_svg_is_readable(planted_rank):
    _, out, _ = planted_rank
    root = ET.parse(out / "curve.svg").getroot()
    assert root.tag.endswith("svg")
    texts = [t.text for t in root.iter() if t.tag.endswith("text")]
    assert "selected k = 6 (mean-silhouette)" in texts and "mean threshold 0.90" in texts
    assert "number of topics k" in texts
    # Silhouettes (4), share of stable topics, cophenetic, NPMI, relative and cross-validation errors.
    assert sum(1 for e in root.iter() if e.tag.endswith("polyline")) == 9


def test_semantic_on_brown(tmp_path, strata_cli, brown_tsv):
    out = tmp_path / "senmfk"
    r = run(strata_cli, "rank", brown_tsv, "--format", "tsv", "--id-column", 1, "--label-column", 2, "--text-column",
            3, "--stop-words", "english", "--min-df", 5, "--max-features", 1500, "--window", 5, "--semantic", "--k",
            "3:5", "--perturbations", 3, "--max-iter", 40, "-o", out, "-q")
    assert r.returncode == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["semantic"] and metrics["semantic_beta"] > 0
    assert np.load(out / "C.npy").shape[1] == metrics["selected_k"]


@pytest.mark.parametrize("args, message", [
    (["--k", "1:5"], "k_min"), (["--k", "2:x"], "--k"), (["--perturbations", 1], "perturbations"),
    (["--perturbation", "gauss"], "perturbation"), (["--semantic"], "--window"),
])
def test_bad_arguments(planted_rank, strata_cli, tmp_path, args, message):
    d, _, _ = planted_rank
    r = run(strata_cli, "rank", d / "data" / "corpus.strata", *args, "-o", tmp_path / "x", check=False)
    assert r.returncode != 0 and message in r.stderr
