// Topics of a text file with the installed strata library: vectorize, NMF,
// top terms. Usage: topics FILE [K]   (FILE: one document per line, or a
// TSV/brown file as `strata vectorize` reads them)
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "strata/io/nmf_model.hpp"
#include "strata/solvers/nmf.hpp"
#include "strata/text/vectorizer.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [K]\n", argv[0]);
    return 2;
  }
  try {
    strata::VectorizerOptions vectorizing;
    vectorizing.stop_words = "english";
    vectorizing.min_df = {2.0, false};
    strata::TextSourceOptions source;  // format detected from the name
    const strata::Corpus corpus = strata::vectorize_file(argv[1], source, vectorizing);

    strata::NmfOptions options;
    options.k = argc > 2 ? std::atoi(argv[2]) : 5;
    const strata::NmfResult fit = strata::nmf(corpus.matrix.view(), options);
    std::printf("%ld documents x %ld terms, relative error %.4f after %d iterations\n",
                static_cast<long>(corpus.matrix.rows), static_cast<long>(corpus.matrix.cols), fit.relative_error,
                fit.iterations);
    int t = 0;
    for (const auto& topic : strata::top_terms(fit.H, corpus.vocabulary, 8)) {
      std::printf("topic %d:", t++);
      for (const auto& [term, weight] : topic.terms) std::printf(" %s", term.c_str());
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "topics: %s\n", e.what());
    return 1;
  }
  return 0;
}
