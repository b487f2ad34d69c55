"""HierarchicalNMF(ranks='auto') and `strata hnmf --ranks auto`: per-layer rank
selection by NMFk, the documented stopping rules, the CLI and Python agreeing.
(Recovery of planted ranks over several seeds: tests/cpp/solvers/hnmf_auto_test.cpp.)"""
import json
import subprocess

import numpy as np
import pytest

import strata

# A small planted 6 -> 2 hierarchy whose grouping is identifiable (docs/hnmf.md).
SELECTION = dict(k_max=9, n_perturbations=10, layer_iter=100)
CLI_SELECTION = ["--k-max", 9, "--perturbations", 10, "--layer-iter", 100]


def run(cli, *args, check=True):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=120, check=check)


@pytest.fixture(scope="module")
def planted(tmp_path_factory, strata_cli):
    d = tmp_path_factory.mktemp("hnmf_auto")
    run(strata_cli, "generate", "hierarchy", "--documents", 300, "--terms", 300, "--ranks", 6, 2, "--decay", 0.2,
        "--seed", 0, "-o", d / "planted", "-q")
    return d, d / "planted" / "corpus.strata"


def seed_of(random_state):
    # The seed HierarchicalNMF passes to the engine for an integer random_state.
    return int(np.random.RandomState(random_state).randint(np.iinfo(np.int32).max))


def test_auto_attributes_follow_the_rule_and_match_the_cli(planted, strata_cli):
    d, corpus = planted
    X = strata.load_corpus(corpus).matrix
    model = strata.HierarchicalNMF("auto", method="sequential", threads=1, random_state=0, **SELECTION).fit(X)
    sel = model.rank_selection_
    ranks = model.ranks_
    # The rule: layer 0 always added; later layers added only when NMFk met the threshold; ranks decrease.
    assert ranks == [s["selected_k"] for s in sel if s["added"]]
    assert sel[0]["added"] and (sel[0]["k_min"], sel[0]["k_max"]) == (2, 9)
    assert [c["k"] for c in sel[0]["curve"]] == list(range(2, 10))
    assert all(b < a for a, b in zip(ranks, ranks[1:]))
    for prev, s in zip(sel, sel[1:]):
        assert (s["k_min"], s["k_max"]) == (2, prev["selected_k"] - 1)
        assert s["added"] == (s["status"] == "selected")
    stop = model.selection_stop_
    assert stop == {True: "min_rank", False: "below_threshold"}[sel[-1]["added"]] or stop == "max_layers"
    if stop == "below_threshold":
        assert all(c["silhouette_min"]["H"] < 0.8 for c in sel[-1]["curve"])
    assert [len(T) for T in model.layer_components_] == ranks
    expected = ",".join(map(str, ranks))

    out = d / "cli"
    printed = run(strata_cli, "hnmf", corpus, "--ranks", "auto", *CLI_SELECTION, "--method", "sequential",
                  "--threads", 1, "--seed", seed_of(0), "-o", out).stdout
    assert f"selected ranks {expected}" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["selected_ranks"] == ranks
    assert metrics["selection_stop"] == stop
    assert [e["rank"] for e in metrics["layers"]] == ranks
    for mine, theirs in zip(sel, metrics["rank_selection"]):
        assert set(theirs) >= {"layer", "k_min", "k_max", "selected_k", "status", "added", "curve"}
        assert mine["selected_k"] == theirs["selected_k"] and mine["status"] == theirs["status"]
        for a, b in zip(mine["curve"], theirs["curve"]):
            assert a["k"] == b["k"]
            for key in ("H", "W"):
                assert a["silhouette_min"][key] == pytest.approx(b["silhouette_min"][key], abs=1e-12)
                assert a["silhouette_mean"][key] == pytest.approx(b["silhouette_mean"][key], abs=1e-12)
            assert a["relative_error"] == pytest.approx(b["relative_error"], rel=1e-10)
    np.testing.assert_allclose(np.load(out / "H_0.npy"), model.components_, rtol=1e-10, atol=1e-12)
    for l, M in enumerate(model.mixing_, start=1):
        np.testing.assert_allclose(np.load(out / f"M_{l}.npy"), M, rtol=1e-10, atol=1e-12)
    assert json.loads((out / "tree.json").read_text())["ranks"] == ranks
    assert json.loads((out / "model.json").read_text())["parameters"]["ranks"] == ranks


def test_explicit_ranks_have_no_selection(planted):
    X = strata.load_corpus(planted[1]).matrix
    model = strata.HierarchicalNMF([6, 2], method="sequential", random_state=0).fit(X)
    assert model.ranks_ == [6, 2]
    assert model.rank_selection_ is None and model.selection_stop_ is None


@pytest.mark.parametrize("params", [dict(ranks="automatic"), dict(k_min=1), dict(k_max=1), dict(max_layers=0),
                                    dict(n_perturbations=1), dict(threshold=1.5), dict(perturbation="gauss"),
                                    dict(selection_coefficients="shares"), dict(selection_init="warm")])
def test_bad_selection_parameters(params):
    X = np.abs(np.random.RandomState(0).rand(20, 10))
    params = {"ranks": "auto", **params}
    with pytest.raises(ValueError):
        strata.HierarchicalNMF(**params).fit(X)


def test_cli_rejects_mixed_or_bad_auto_ranks(planted, strata_cli):
    d, corpus = planted
    for args, expected in ((["--ranks", "auto,3"], "--ranks"), (["--ranks", "auto", "--k-min", 1], "k_min"),
                           (["--ranks", "auto", "--max-layers", 0], "max_layers"),
                           (["--ranks", "auto", "--selection-coefficients", "x"], "coefficients")):
        r = run(strata_cli, "hnmf", corpus, *args, "-o", d / "bad", check=False)
        assert r.returncode == 1, (args, r.stderr)
        assert expected in r.stderr and "terminate" not in r.stderr, r.stderr
    assert not (d / "bad" / "model.json").exists()
