// How close the NMF kernels come to this machine's limits.
//
//   strata_kernel_limits CORPUS.strata [k] [threads]
//
// Measures the achievable memory bandwidth (a STREAM triad over arrays far
// larger than the caches) and floating-point rate (a dense matrix product per
// thread), then times one X H^T, one X^T W, one Gram and
// one HALS sweep on the corpus and reports each as GB/s and GFlop/s: the
// fraction of the limit that binds is how close the kernel is.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "strata/core/random.hpp"
#include "strata/io/corpus_file.hpp"
#include "strata/linalg/nnls.hpp"
#include "strata/linalg/spmm.hpp"

using namespace strata;
using Clock = std::chrono::steady_clock;

template <class F>
double best_seconds(int reps, F&& f) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS.strata [k] [threads]\n", argv[0]);
    return 1;
  }
  const int k = argc > 2 ? std::atoi(argv[2]) : 50;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;

  // Bandwidth: a[i] = b[i] + s c[i], 3 x 8 bytes per element (plus write-allocate, not counted, as STREAM).
  const size_t n = size_t(1) << 25;  // 256 MiB per array
  std::vector<double> a(n, 1.0), b(n, 2.0), c(n, 3.0);
  const double triad = best_seconds(5, [&] {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t i = 0; i < n; ++i) a[i] = b[i] + 0.5 * c[i];
  });
  const double bandwidth = 3.0 * 8.0 * n / triad / 1e9;

  // Achievable flop rate: one dense 1024^3 product per thread (Eigen's GEMM kernel).
  const Index d = 1024;
  std::vector<DenseMatrix> A(threads, DenseMatrix::Random(d, d)), B(threads, DenseMatrix::Random(d, d)),
      C(threads, DenseMatrix::Zero(d, d));
  const double fl = best_seconds(3, [&] {
#pragma omp parallel for num_threads(threads)
    for (int t = 0; t < threads; ++t) C[t].noalias() = A[t] * B[t];
  });
  const double peak = 2.0 * d * d * d * threads / fl / 1e9;
  const double sink = C[0](0, 0);

  MappedCorpusFile file(argv[1]);
  const SparseView X = file.matrix();
  Random rng(1);
  DenseMatrix W(X.rows, k), Ht(X.cols, k), out, G;
  for (Index i = 0; i < W.size(); ++i) W.data()[i] = rng.uniform();
  for (Index i = 0; i < Ht.size(); ++i) Ht.data()[i] = rng.uniform();
  const double nnz = static_cast<double>(X.nnz());
  const double t_xh = best_seconds(5, [&] { spmm(X, Ht, out, threads); });
  const double t_xw = best_seconds(5, [&] { spmm_transpose(X, W, out, threads); });
  const double t_gram = best_seconds(5, [&] { gram(W, G, threads); });
  spmm(X, Ht, out, threads);
  gram(Ht, G, threads);
  DenseMatrix W2 = W;
  const double t_hals = best_seconds(3, [&] {
    W2 = W;
    hals_rows(W2, out, G, 1, false, 0, 0, threads);
  });

  std::printf("machine: triad bandwidth %.1f GB/s, dense GEMM %.1f GFlop/s (%d threads, sink %g)\n", bandwidth, peak,
              threads, sink != 0 ? 1.0 : 0.0);
  std::printf("matrix %lld x %lld, nnz %.0f, k %d\n", (long long)X.rows, (long long)X.cols, nnz, k);
  std::printf("%-28s %9s %9s %9s %9s %8s %8s\n", "kernel", "ms", "GFlop", "GB", "GFlop/s", "%peak", "%bw");
  auto row = [&](const char* name, double sec, double gflop, double gbytes) {
    std::printf("%-28s %9.1f %9.3f %9.3f %9.2f %7.0f%% %7.0f%%\n", name, sec * 1e3, gflop, gbytes, gflop / sec,
                100 * gflop / sec / peak, 100 * gbytes / sec / bandwidth);
  };
  // X H^T: nnz (12 bytes) streamed, n k results written, m k factor gathered (at least once).
  row("X H^T (spmm)", t_xh, 2 * nnz * k / 1e9, (12 * nnz + 8.0 * k * (X.rows + X.cols)) / 1e9);
  // X^T W on sorted rows: every thread reads every row of W, each output row is read and written once.
  row("X^T W (spmm_transpose)", t_xw, 2 * nnz * k / 1e9,
      (12 * nnz + 8.0 * k * (threads * X.rows + 2 * X.cols)) / 1e9);
  // The Gram is symmetric and gram() computes its upper triangle only: n k (k + 1) flops.
  row("W^T W (gram)", t_gram, 1.0 * X.rows * k * (k + 1) / 1e9, 8.0 * X.rows * k / 1e9);
  row("HALS sweep over W rows", t_hals, 2.0 * X.rows * k * k * 2 / 1e9, 8.0 * X.rows * k * 3 / 1e9);
  return 0;
}
