"""strata autoencoder from the command line: the model directory's files."""
import json
import subprocess

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp


def run(cli, *args, check=True):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=120, check=check)


def small_matrix(tmp_path, n=120, D=250, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n, D, density=0.04, random_state=seed, format="csr", data_rvs=lambda k: rng.uniform(0.5, 2, k))
    path = tmp_path / "x.mtx"
    scipy.io.mmwrite(str(path), X)
    return X, path


def test_autoencoder_writes_the_model_directory(tmp_path, strata_cli):
    X, path = small_matrix(tmp_path)
    out = tmp_path / "ae"
    run(strata_cli, "autoencoder", path, "--hidden", "16,8", "--loss", "squared", "--output-update", "factored",
        "--batch-size", 32, "--epochs", 3, "--learning-rate", 0.01, "--dtype", "float64", "-o", out, "-q")
    E0, E1 = np.load(out / "encoder.npy"), np.load(out / "encoder_1.npy")
    assert E0.shape == (250, 16) and E1.shape == (16, 8)
    assert np.load(out / "decoder.npy").shape == (250, 8)
    codes = np.load(out / "codes.npy")
    assert codes.shape == (120, 8) and codes.min() >= 0  # relu codes
    metrics = json.loads((out / "metrics.json").read_text())
    assert [h["iteration"] for h in metrics["history"]] == [1, 2, 3]
    assert all({"iteration", "seconds", "loss"} <= set(h) for h in metrics["history"])
    assert metrics["seconds_per_batch"] > 0 and metrics["batches"] == 12
    stab = metrics["stabilization"]
    assert {"checks", "corrections", "passes", "flushes", "directions", "folds", "resyncs", "seconds"} <= set(stab)
    assert 0 <= stab["passes"] <= stab["checks"]
    assert 0 <= stab["flushes"] <= stab["passes"]
    assert 0 <= stab["directions"] <= stab["corrections"]
    model = json.loads((out / "model.json").read_text())
    assert model["kind"] == "autoencoder" and model["parameters"]["hidden"] == [16, 8]


def test_max_batches_and_naive(tmp_path, strata_cli):
    X, path = small_matrix(tmp_path, seed=1)
    out = tmp_path / "ae"
    run(strata_cli, "autoencoder", path, "--hidden", "8", "--output-update", "naive", "--max-batches", 2,
        "--epochs", 5, "--dtype", "float32", "-o", out, "-q")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["batches"] == 2


def test_bad_options_are_named(tmp_path, strata_cli):
    X, path = small_matrix(tmp_path, seed=2)
    for args, word in [(["--loss", "softmax"], "loss"), (["--hidden", "8,x"], "hidden"),
                       (["--output-update", "fast"], "output-update"), (["--learning-rate", "-1"], "learning_rate")]:
        r = run(strata_cli, "autoencoder", path, *args, "-o", tmp_path / "bad", "-q", check=False)
        assert r.returncode != 0 and word in r.stderr, (args, r.stderr)
        assert not (tmp_path / "bad" / "model.json").exists()


def test_metrics_report_the_reconstruction_error_and_the_status(tmp_path, strata_cli):
    X, path = small_matrix(tmp_path, n=300, seed=3)
    out = tmp_path / "ae"
    r = run(strata_cli, "autoencoder", path, "--hidden", 8, "--batch-size", 30, "--epochs", 5, "-o", out)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["status"] == "finished" and "warning" not in r.stderr
    norms = np.asarray(X.multiply(X).sum(axis=1)).ravel()
    W, H = np.load(out / "decoder.npy"), np.load(out / "codes.npy")
    err = (norms - 2 * ((X @ W) * H).sum(axis=1) + ((H @ (W.T @ W)) * H).sum(axis=1)) / norms
    assert metrics["relative_error"] == pytest.approx(err.mean(), rel=1e-6)
    assert metrics["relative_error"] < 0.95 and metrics["end_loss"] < metrics["start_loss"]
    assert "mean relative error" in r.stdout
    params = json.loads((out / "model.json").read_text())["parameters"]
    assert params["optimizer"] == "adam" and 0 < params["output_rate"] <= 1


def test_a_run_that_does_not_learn_warns(tmp_path, strata_cli):
    X, path = small_matrix(tmp_path, n=300, seed=4)
    out = tmp_path / "ae"
    r = run(strata_cli, "autoencoder", path, "--hidden", 8, "--batch-size", 30, "--epochs", 3, "--learning-rate", 0,
            "--output-rate", 0, "-o", out, "-q")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["status"] == "not_learning"
    assert metrics["relative_error"] == pytest.approx(1.0, abs=1e-9)
    assert "warning" in r.stderr and "not learning" in r.stderr
