#pragma once
// Progress from a solver that runs with the GIL released: between iterations
// the callback takes the GIL back to check for Ctrl-C and to call the Python
// `progress` callable (None: no callback) with a dict (stage, the iteration
// under `iteration_key`, the total under `total_key`, loss, seconds). A
// Python exception or Ctrl-C stops the solver (the callback returns false)
// and sets `python_error`; the caller raises it again once the solver has
// returned (`if (python_error) throw py::error_already_set();`).
#include <pybind11/pybind11.h>

#include "strata/core/progress.hpp"

namespace strata::python {

inline ProgressCallback python_progress(const pybind11::object& progress, bool& python_error,
                                        const char* iteration_key = "iteration", const char* total_key = "max_iter") {
  namespace py = pybind11;
  return [&progress, &python_error, iteration_key, total_key](const ProgressEvent& e) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      python_error = true;
      return false;
    }
    if (progress.is_none()) return true;
    try {
      py::dict d;
      d["stage"] = e.stage;
      d[iteration_key] = e.done;
      d[total_key] = e.total;
      d["loss"] = e.loss;
      d["seconds"] = e.elapsed_seconds;
      const py::object r = progress(d);
      return r.is_none() || r.cast<bool>();
    } catch (py::error_already_set& err) {
      err.restore();
      python_error = true;
      return false;
    }
  };
}

}  // namespace strata::python
