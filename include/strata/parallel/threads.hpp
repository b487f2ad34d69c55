#pragma once
/// @file Thread-count resolution and exception capture for OpenMP regions.
///
/// Every `#pragma omp parallel` names its thread count from the options
/// (STYLE habit 7). Exceptions must not escape an OpenMP region (that
/// terminates the process), so bodies run through `ExceptionCollector::run`
/// and the first exception is rethrown after the region.
#include <exception>
#include <mutex>

namespace strata {

/// 0 or negative means the OpenMP default: OMP_NUM_THREADS when the user
/// set it, else all available cores; otherwise the value itself. Always
/// capped at the processors available.
int resolve_threads(int requested);

/// The threads worth using for `flops` of work: one below ~1e5 flops, where
/// starting a parallel region costs more than it saves.
inline int threads_for(int threads, double flops) { return flops < 1e5 ? 1 : threads; }

class ExceptionCollector {
 public:
  template <class F>
  void run(F&& f) noexcept {
    try {
      f();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!first_) first_ = std::current_exception();
    }
  }
  /// Rethrows the first captured exception, if any. Call after the region.
  void rethrow() const {
    if (first_) std::rethrow_exception(first_);
  }
  bool failed() const { return static_cast<bool>(first_); }

 private:
  std::mutex mutex_;
  std::exception_ptr first_;
};

}  // namespace strata
