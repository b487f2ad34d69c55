#include "strata/parallel/threads.hpp"

#include <omp.h>

namespace strata {

int resolve_threads(int requested) {
  if (requested > 0) return requested;
  const int n = omp_get_num_procs();
  return n > 0 ? n : 1;
}

}  // namespace strata
