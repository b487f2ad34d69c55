#pragma once
/// @file Progress reporting. The library never prints (STYLE habit 6): long
/// computations call a `ProgressCallback`; the CLI draws a progress line from
/// it and Python forwards it to `verbose` output.
#include <functional>
#include <string>

namespace strata {

struct ProgressEvent {
  std::string stage;      ///< what is running, e.g. "vectorize", "nmf"
  long long done = 0;     ///< units finished (iterations, documents, bytes)
  long long total = 0;    ///< units expected; 0 when unknown
  double loss = 0.0;      ///< current objective, when meaningful
  bool has_loss = false;
  double elapsed_seconds = 0.0;
};

/// Returns false to ask the computation to stop early (it then returns what it has,
/// with a status saying it was interrupted).
using ProgressCallback = std::function<bool(const ProgressEvent&)>;

/// Reports one iteration of an iterative solver (a no-op without callback);
/// returns false when the callback asks the solver to stop.
inline bool report_iteration(const ProgressCallback& progress, const char* stage, long long done, long long total,
                             double loss, double elapsed_seconds) {
  if (!progress) return true;
  ProgressEvent e;
  e.stage = stage;
  e.done = done;
  e.total = total;
  e.loss = loss;
  e.has_loss = true;
  e.elapsed_seconds = elapsed_seconds;
  return progress(e);
}

}  // namespace strata
