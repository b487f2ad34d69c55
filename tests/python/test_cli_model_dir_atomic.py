"""A model directory is replaced as a whole (docs/reliability.md).

`strata nmf -o DIR` over an existing model is killed (SIGKILL) at every call
that changes files -- each write, rename, fsync, unlink, mkdir, ... -- one run
per kill point, by `strace -e inject=SYSCALL:signal=KILL:when=N`. Afterwards
DIR must be absent, the old model byte for byte, or the complete new model:
never partial, never a mix. SIGTERM at the same points must also leave no
temporary behind. Also: another kind of model is refused without --overwrite
and replaced wholly with it; temporaries of killed runs are cleaned up.

Run as a script (python3 test_cli_model_dir_atomic.py STRATA_BINARY) to print
the kill-point table for any build, e.g. one from before this guarantee.
"""
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

# Every system call that changes a file or a directory entry.
WRITE_CALLS = ("write", "writev", "pwrite64", "ftruncate", "fsync", "fdatasync", "rename", "renameat",
               "renameat2", "unlink", "unlinkat", "mkdir", "mkdirat", "rmdir")
MODEL_FILES = {"W.npy", "H.npy", "metrics.json", "model.json"}


def write_matrix(path, seed=0, rows=60, cols=40):
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(rows):
        for j in range(cols):
            if rng.random() < 0.2:
                lines.append(f"{i + 1} {j + 1} {rng.integers(1, 5)}")
    with open(path, "w") as f:
        f.write("%%MatrixMarket matrix coordinate real general\n")
        f.write(f"{rows} {cols} {len(lines)}\n" + "\n".join(lines) + "\n")


def nmf_args(cli, matrix, out, seed):
    return [cli, "nmf", str(matrix), "-k", "3", "--max-iter", "20", "--seed", str(seed), "--threads", "1", "-q",
            "-o", str(out)]


def snapshot(d):
    if not os.path.lexists(d):
        return None
    return {name: open(os.path.join(d, name), "rb").read() for name in sorted(os.listdir(d))}


def temporaries(parent):
    return [n for n in os.listdir(parent)
            if re.search(r"\.strata-(tmp|old)-\d+-[0-9a-f]+$", n) or re.search(r"\.tmp-\d+-\d+$", n)]


def is_complete_new(files, new_W):
    """The new model, whole: every file of its model.json list, parseable, W from the new fit."""
    if files is None or set(files) != MODEL_FILES:
        return False
    try:
        model = json.loads(files["model.json"])
        json.loads(files["metrics.json"])
    except ValueError:
        return False
    if "files" in model and set(model["files"]) != set(files):
        return False
    return files["W.npy"] == new_W


def classify(out, old, new_W):
    now = snapshot(out)
    if now is None:
        return "absent"
    if now == old:
        return "old"
    if is_complete_new(now, new_W):
        return "new"
    return "broken"


def count_calls(cli, matrix, out, seed, workdir):
    """How many times the run makes each file-changing call (its main thread)."""
    log = os.path.join(workdir, "trace.log")
    subprocess.run(["strace", "-f", "-qq", "-o", log, "-e", "trace=" + ",".join(WRITE_CALLS),
                    *nmf_args(cli, matrix, out, seed)], check=True, capture_output=True, timeout=60)
    counts = collections.Counter()
    main_pid = None
    for line in open(log):
        m = re.match(r"^(\d+)\s+(\w+)\(", line)
        if not m:
            continue
        main_pid = main_pid or m.group(1)
        if m.group(1) == main_pid and m.group(2) in WRITE_CALLS:
            counts[m.group(2)] += 1
    return counts


def kill_points(cli, workdir, sig="KILL"):
    """Runs the replacement killed at every kill point; returns [(call, n, outcome, rc, temporaries)]."""
    matrix = os.path.join(workdir, "x.mtx")
    write_matrix(matrix)
    parent = os.path.join(workdir, "runs")
    os.makedirs(parent)
    out = os.path.join(parent, "topics")
    # The old model, and the new one written once undisturbed (for its W.npy).
    subprocess.run(nmf_args(cli, matrix, out, 1), check=True, capture_output=True)
    old = snapshot(out)
    subprocess.run(nmf_args(cli, matrix, os.path.join(workdir, "reference"), 2), check=True, capture_output=True)
    new_W = open(os.path.join(workdir, "reference", "W.npy"), "rb").read()
    assert new_W != old["W.npy"]

    def restore_old():
        shutil.rmtree(parent)
        os.makedirs(out)
        for name, data in old.items():
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)

    restore_old()
    counts = count_calls(cli, matrix, out, 2, workdir)  # replacing the old model, undisturbed
    results = []
    for call in WRITE_CALLS:
        for n in range(1, counts[call] + 1):
            restore_old()
            p = subprocess.run(["strace", "-f", "-qq", "-o", os.devnull, "-e", "trace=" + call,
                                "-e", f"inject={call}:signal={sig}:when={n}", *nmf_args(cli, matrix, out, 2)],
                               capture_output=True, timeout=60)
            results.append((call, n, classify(out, old, new_W), p.returncode, temporaries(parent)))
    return results, counts


def summarize(results):
    return collections.Counter(outcome for _, _, outcome, _, _ in results)


strace = shutil.which("strace")
needs_strace = pytest.mark.skipif(strace is None, reason="strace is not installed (scripts/install-deps.sh)")


def strace_works():
    if strace is None:
        return False
    return subprocess.run([strace, "-qq", "-o", os.devnull, "true"], capture_output=True).returncode == 0


@needs_strace
def test_replacing_a_model_killed_at_every_write_leaves_old_or_new(strata_cli, tmp_path):
    if not strace_works():
        pytest.skip("strace cannot trace here (ptrace not permitted)")
    start = time.time()
    results, counts = kill_points(strata_cli, str(tmp_path))
    outcomes = summarize(results)
    print(f"\n{len(results)} kill points ({dict(counts)}): {dict(outcomes)} in {time.time() - start:.1f}s")
    assert len(results) >= 20
    broken = [(c, n) for c, n, outcome, _, _ in results if outcome == "broken"]
    assert not broken, f"partial or mixed directory after SIGKILL at {broken}"
    # Every run was killed where intended (the counts were right).
    assert all(rc in (-9, 137) for _, _, _, rc, _ in results), [r[:4] for r in results if r[3] not in (-9, 137)]
    # Kills before the swap keep the old model, after it the new one.
    assert outcomes["old"] > 0 and outcomes["new"] > 0
    # A killed run's temporaries are removed by the next run in that parent.
    leftover = [r for r in results if r[4]]
    assert leftover, "no kill point left a temporary: the test does not exercise cleanup"
    parent = os.path.join(str(tmp_path), "runs")
    subprocess.run(nmf_args(strata_cli, os.path.join(str(tmp_path), "x.mtx"), os.path.join(parent, "topics"), 3),
                   check=True, capture_output=True)
    assert temporaries(parent) == []


@needs_strace
def test_sigterm_at_every_write_leaves_old_or_new_and_no_temporary(strata_cli, tmp_path):
    if not strace_works():
        pytest.skip("strace cannot trace here (ptrace not permitted)")
    results, _ = kill_points(strata_cli, str(tmp_path), sig="TERM")
    outcomes = summarize(results)
    assert outcomes["broken"] == 0, [r for r in results if r[2] == "broken"]
    assert outcomes["absent"] == 0
    left = [r for r in results if r[4]]
    assert not left, f"temporaries left after SIGTERM: {left[:3]}"
    # Interrupted before the swap: non-zero exit and the old model.
    assert all(rc != 0 for _, _, outcome, rc, _ in results if outcome == "old")


def run(cli, *args):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=120)


def test_svd_into_an_nmf_directory_needs_overwrite(strata_cli, tmp_path):
    matrix = tmp_path / "x.mtx"
    write_matrix(matrix)
    out = tmp_path / "topics"
    assert run(strata_cli, "nmf", matrix, "-k", 3, "-o", out, "-q").returncode == 0
    nmf_model = snapshot(out)
    p = run(strata_cli, "svd", matrix, "-k", 2, "-o", out, "-q")
    assert p.returncode != 0
    assert "holds a model of kind 'nmf', not 'svd'" in p.stderr and "--overwrite" in p.stderr
    assert snapshot(out) == nmf_model
    p = run(strata_cli, "svd", matrix, "-k", 2, "-o", out, "-q", "--overwrite")
    assert p.returncode == 0, p.stderr
    files = set(os.listdir(out))
    assert "W.npy" not in files and "H.npy" not in files  # no mix of the two models
    model = json.loads((out / "model.json").read_text())
    assert model["kind"] == "svd" and files == set(model["files"])
    # Rerunning the same kind replaces it without --overwrite (svd and pca are one command).
    assert run(strata_cli, "svd", matrix, "-k", 2, "--center", "-o", out, "-q").returncode == 0
    assert json.loads((out / "model.json").read_text())["kind"] == "pca"


def test_directories_that_are_not_models_are_refused(strata_cli, tmp_path):
    matrix = tmp_path / "x.mtx"
    write_matrix(matrix)
    p = run(strata_cli, "nmf", matrix, "-k", 3, "-o", tmp_path, "-q")  # holds x.mtx: not a model
    assert p.returncode != 0 and "no model.json" in p.stderr
    assert os.listdir(tmp_path) == ["x.mtx"]
    out = tmp_path / "topics"
    assert run(strata_cli, "nmf", matrix, "-k", 3, "-o", out, "-q").returncode == 0
    (out / "notes.txt").write_text("mine")
    p = run(strata_cli, "nmf", matrix, "-k", 3, "-o", out, "-q")
    assert p.returncode != 0 and "notes.txt" in p.stderr
    assert (out / "notes.txt").read_text() == "mine"


def dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_stale_temporaries_are_removed(strata_cli, tmp_path):
    matrix = tmp_path / "x.mtx"
    write_matrix(matrix)
    pid = dead_pid()
    stale_dir = tmp_path / f".topics.strata-tmp-{pid}-0a1b2c3d"
    stale_dir.mkdir()
    (stale_dir / "W.npy").write_bytes(b"partial")
    stale_file = tmp_path / f"corpus.strata.tmp-{pid}-0"
    stale_file.write_bytes(b"partial")
    kept = tmp_path / "report.tmp-draft"
    kept.write_text("not strata's")
    assert run(strata_cli, "nmf", matrix, "-k", 3, "-o", tmp_path / "topics", "-q").returncode == 0
    assert not stale_dir.exists() and not stale_file.exists() and kept.exists()


def test_sigterm_during_the_fit_keeps_the_old_model(strata_cli, tmp_path):
    matrix = tmp_path / "x.mtx"
    write_matrix(matrix, rows=400, cols=300)
    out = tmp_path / "topics"
    assert run(strata_cli, "nmf", matrix, "-k", 3, "--max-iter", 5, "-o", out, "-q").returncode == 0
    old = snapshot(out)
    p = subprocess.Popen([strata_cli, "nmf", str(matrix), "-k", "20", "--max-iter", "1000000", "--tol", "0",
                          "-o", str(out), "-q"], stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    assert p.returncode != 0 and "SIGTERM" in err
    assert snapshot(out) == old
    assert temporaries(tmp_path) == []


if __name__ == "__main__":
    import tempfile
    cli = sys.argv[1]
    sig = sys.argv[2] if len(sys.argv) > 2 else "KILL"
    with tempfile.TemporaryDirectory() as d:
        start = time.time()
        results, counts = kill_points(cli, d, sig)
        print(f"{len(results)} kill points {dict(counts)} in {time.time() - start:.1f}s")
        print(dict(summarize(results)), "runs leaving temporaries:", sum(1 for r in results if r[4]))
        for r in results:
            if r[2] == "broken":
                print("  broken:", r[0], r[1])
