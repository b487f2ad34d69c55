#pragma once
// Random rows of large row-major matrices. The embedding E (D x d) and the
// output factor V (D x d) are read and updated only at the rows of a
// minibatch's nonzeros: random rows of a matrix far larger than the caches,
// each a few cache lines long.
//  - prefetch_row: asking for the next row while working on the current one
//    overlaps their memory latencies.
//  - large_matrix: a gigabyte matrix in 4 KB pages costs a TLB miss and a
//    page walk per row touched; in 2 MB pages its page table fits the TLB's
//    reach far better. Asked for with madvise (Linux's transparent huge pages
//    in "madvise" mode, the common default), before the first touch.
#include <cstddef>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "strata/nn/output_layer.hpp"

namespace strata::nn::detail {

/// An uninitialized rows x cols matrix whose storage asks for huge pages when
/// it is large (>= 32 MB); elsewhere, or if the kernel declines, ordinary pages.
template <class S>
RowMatrix<S> large_matrix(Index rows, Index cols) {
  RowMatrix<S> M(rows, cols);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const std::size_t bytes = static_cast<std::size_t>(M.size()) * sizeof(S);
  constexpr std::uintptr_t kHuge = std::uintptr_t(2) << 20;
  if (bytes >= (std::size_t(32) << 20)) {
    const auto start = reinterpret_cast<std::uintptr_t>(M.data());
    const std::uintptr_t begin = (start + kHuge - 1) & ~(kHuge - 1), end = (start + bytes) & ~(kHuge - 1);
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // advice only
  }
#endif
  return M;
}

/// A copy of W in large_matrix storage.
template <class S>
RowMatrix<S> large_copy(const RowMatrix<S>& W) {
  RowMatrix<S> M = large_matrix<S>(W.rows(), W.cols());
  M = W;
  return M;
}

template <class S>
inline void prefetch_row(const S* row, std::ptrdiff_t length, bool for_write = false) {
  const char* p = reinterpret_cast<const char*>(row);
  const std::ptrdiff_t bytes = length * static_cast<std::ptrdiff_t>(sizeof(S));
  for (std::ptrdiff_t offset = 0; offset < bytes; offset += 64) {
    if (for_write) __builtin_prefetch(p + offset, 1);
    else __builtin_prefetch(p + offset, 0);
  }
}

}  // namespace strata::nn::detail
