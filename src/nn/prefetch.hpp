#pragma once
// Prefetching whole rows of a large row-major matrix. The embedding E (D x d)
// and the output factor V (D x d) are read and updated only at the rows of a
// minibatch's nonzeros: random rows of a matrix far larger than the caches,
// each a few cache lines long. Asking for the next row while working on the
// current one overlaps their memory latencies.
#include <cstddef>

namespace strata::nn::detail {

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
