#include "strata/parallel/threads.hpp"

#include <omp.h>

#include <algorithm>

namespace strata {

int resolve_threads(int requested) {
  const int available = std::max(omp_get_num_procs(), 1);
  // More threads than processors only oversubscribe the cores, and a huge
  // request (--threads 65536) made the OpenMP runtime itself crash.
  // omp_get_max_threads() is OMP_NUM_THREADS when set, else the processors.
  return std::min(requested > 0 ? requested : std::max(omp_get_max_threads(), 1), available);
}

}  // namespace strata
