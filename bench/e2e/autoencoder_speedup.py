#!/usr/bin/env python3
"""Sparse-target autoencoder: time per minibatch of the factored O(d^2) output
layer against strata's own naive O(D d) layer (the same Eigen kernels, the same
threads), as the vocabulary D grows (Vincent, de Brebisson & Bouthillier 2015,
figure of time per minibatch vs D), and against a PyTorch autoencoder of the
same shape trained with plain SGD.

Data: synthetic rows with `--nnz` distinct words each, words drawn from a
Zipf-like law (numpy, fixed seed). Network: sparse input layer D -> d (relu),
output layer d -> D, squared error, float32, minibatch 128, 2 threads.
Timings are strata's own per-minibatch wall times (forward + backward + update;
and the output layer alone), averaged over the minibatches run.

  PYTHONPATH=build/python /usr/bin/python3 bench/e2e/autoencoder_speedup.py --out bench/results/autoencoder.md
"""
import argparse
import platform
import time

import numpy as np
import scipy.sparse as sp

import strata
from strata import _core


def zipf_rows(n, D, nnz, seed):
    rng = np.random.default_rng(seed)
    indptr = np.arange(0, (n + 1) * nnz, nnz, dtype=np.int64)
    indices = np.empty(n * nnz, dtype=np.int32)
    for i in range(n):
        words = set()
        while len(words) < nnz:
            words.update(np.minimum((rng.zipf(1.1, nnz) - 1), D - 1).tolist())
            words.update(rng.integers(0, D, 2).tolist())
        indices[i * nnz:(i + 1) * nnz] = np.sort(np.fromiter(words, dtype=np.int64, count=len(words))[:nnz])
    data = rng.uniform(0.5, 1.5, n * nnz)
    return sp.csr_matrix((data, indices, indptr), shape=(n, D))


def strata_run(X, d, update, batches, threads, m=128):
    Xc = X.tocsr()
    r = _core.sparse_autoencoder(Xc.indptr.astype(np.int64), Xc.indices.astype(np.int32), Xc.data, Xc.shape[0],
                                 Xc.shape[1], [d], loss="squared", output_update=update, batch_size=m, epochs=1,
                                 max_batches=batches, learning_rate=1e-3, dtype="float32", keep_weights=False,
                                 seed=0, threads=threads)
    return r["seconds_per_batch"], r["output_seconds_per_batch"], r["batches"]


def torch_run(X, d, batches, threads, m=128, lr=1e-3):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    D = X.shape[1]
    E = torch.nn.Parameter(torch.empty(D, d).uniform_(-(6 / (D + d)) ** 0.5, (6 / (D + d)) ** 0.5))
    b = torch.nn.Parameter(torch.zeros(d))
    out = torch.nn.Linear(d, D, bias=False)
    opt = torch.optim.SGD([E, b, *out.parameters()], lr=lr)
    times = []
    for t in range(batches + 1):  # the first minibatch warms up and is not timed
        rows = X[(t * m) % X.shape[0]:(t * m) % X.shape[0] + m].tocoo()
        xs = torch.sparse_coo_tensor(np.vstack([rows.row, rows.col]), rows.data.astype(np.float32), (m, D))
        target = xs.to_dense()
        t0 = time.perf_counter()
        h = torch.relu(torch.sparse.mm(xs, E) + b)
        loss = ((out(h) - target) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if t > 0:
            times.append(time.perf_counter() - t0)
    return float(np.mean(times)), torch.__version__


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--nnz", type=int, default=50)
    ap.add_argument("--sizes", default="10000,30000,100000,300000,793471")
    ap.add_argument("--dims", default="300,512")
    ap.add_argument("--factored-batches", type=int, default=30)
    ap.add_argument("--torch-D", type=int, default=200000)
    args = ap.parse_args()
    m = 128
    lines = ["# Sparse-target autoencoder: factored vs naive output layer, and vs PyTorch", "",
             f"Machine: {platform.machine()}, 2 cores (shared), {platform.platform()}  ",
             f"strata {strata.__version__}, float32, minibatch {m}, {args.nnz} nonzeros per row, "
             f"threads {args.threads}, squared error, sparse input layer D -> d (relu) -> output layer d -> D  ",
             "Command: `PYTHONPATH=build/python /usr/bin/python3 bench/e2e/autoencoder_speedup.py "
             "--out bench/results/autoencoder.md`", "",
             "## Time per minibatch vs D (strata factored vs strata naive, same kernels)", "",
             "| D | d | naive s/batch (step) | factored s/batch (step) | speed-up step | naive output layer s "
             "| factored output layer s | speed-up output layer | D/(4d) | step / (D/4d) | output / (D/4d) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for d in map(int, args.dims.split(",")):
        for D in map(int, args.sizes.split(",")):
            naive_batches = 2 if D * d > 5e7 else 5
            X = zipf_rows(m * (args.factored_batches + 1), D, args.nnz, seed=D)
            f_step, f_out, _ = strata_run(X, d, "factored", args.factored_batches, args.threads)
            n_step, n_out, _ = strata_run(X, d, "naive", naive_batches, args.threads)
            theory = D / (4 * d)
            row = (f"| {D} | {d} | {n_step:.4g} | {f_step:.4g} | {n_step / f_step:.0f}x | {n_out:.4g} | {f_out:.4g} "
                   f"| {n_out / f_out:.0f}x | {theory:.0f} | {n_step / f_step / theory:.2f} "
                   f"| {n_out / f_out / theory:.2f} |")
            print(row, flush=True)
            lines.append(row)
    lines += ["", f"## Against PyTorch (D = {args.torch_D}, d = 512)", ""]
    X = zipf_rows(m * 12, args.torch_D, args.nnz, seed=7)
    t_torch, torch_version = torch_run(X, 512, 5, args.threads)
    f_step, f_out, _ = strata_run(X, 512, "factored", 11, args.threads)
    lines += [f"PyTorch {torch_version}: sparse input (torch.sparse.mm) -> relu -> nn.Linear(512, D) -> "
              "summed squared error against the dense target, torch.optim.SGD; mean of 5 timed minibatches "
              "after one warm-up.", "",
              "| implementation | s/batch | speed-up |", "|---|---|---|",
              f"| PyTorch {torch_version} | {t_torch:.4g} | 1x |",
              f"| strata factored | {f_step:.4g} | {t_torch / f_step:.0f}x |"]
    print("\n".join(lines[-4:]), flush=True)
    lines += ["", "## Notes", "",
              "- The speed-up of the whole step counts the sparse input layer (O(nnz d)) and the relu on both sides.",
              "- Naive timings average fewer minibatches at large D (each costs seconds); the factored ones "
              f"average {args.factored_batches}, so they include the stabilization checks (an SVD of U every 10 "
              "updates) and any correction of V they trigger.",
              "- The machine is shared with other jobs: timings are noisy; ratios come from runs made back to back."]
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
