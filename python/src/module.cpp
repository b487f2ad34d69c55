#include "bindings.hpp"
#include "strata/version.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "strata's compiled core; use the estimators in the strata package instead.";
  m.attr("__version__") = STRATA_VERSION;
  strata::python::bind_corpus(m);
  strata::python::bind_synth(m);
  strata::python::bind_nmf(m);
  strata::python::bind_svd(m);
  strata::python::bind_embeddings(m);
  strata::python::bind_ssnmf(m);
  strata::python::bind_hnmf(m);
  strata::python::bind_rank(m);
  strata::python::bind_autoencoder(m);
  strata::python::bind_language_model(m);
}
