#pragma once
// strata._core is split by concern: one bind_*.cpp per library area, each
// registering its functions on the module. module.cpp calls them all.
#include <pybind11/pybind11.h>

namespace strata::python {
void bind_corpus(pybind11::module_& m);
void bind_synth(pybind11::module_& m);
void bind_nmf(pybind11::module_& m);
void bind_svd(pybind11::module_& m);
void bind_embeddings(pybind11::module_& m);
void bind_ssnmf(pybind11::module_& m);
void bind_hnmf(pybind11::module_& m);
void bind_rank(pybind11::module_& m);
void bind_autoencoder(pybind11::module_& m);
void bind_language_model(pybind11::module_& m);
}  // namespace strata::python
