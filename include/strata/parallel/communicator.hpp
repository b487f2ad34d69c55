#pragma once
/// @file The one interface between strata's solvers and distributed memory.
///
/// Distributed solvers (SPEC 3.7: 2-D block-distributed NMF in the style of
/// PLANC / MPI-FAUN) talk only to a `Communicator`. `<mpi.h>` will be included
/// in exactly one .cpp (an MpiCommunicator built when STRATA_ENABLE_MPI is on);
/// serial builds use `SerialCommunicator`, where every collective is a no-op or
/// a copy, and need no MPI at all (STYLE habit 8).
#include <cstddef>

namespace strata {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// In place: buffer <- sum over ranks of buffer (e.g. the k x k Grams).
  virtual void allreduce_sum(double* buffer, std::size_t count) const = 0;
  /// Every rank contributes `count` doubles; `out` receives size()*count, rank-ordered.
  virtual void allgather(const double* in, std::size_t count, double* out) const = 0;
  /// `in` holds size()*count doubles; rank r receives the sum over ranks of block r.
  virtual void reduce_scatter_sum(const double* in, std::size_t count, double* out) const = 0;
  virtual void barrier() const = 0;
};

/// The single-process communicator.
class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allreduce_sum(double*, std::size_t) const override {}
  void allgather(const double* in, std::size_t count, double* out) const override;
  void reduce_scatter_sum(const double* in, std::size_t count, double* out) const override;
  void barrier() const override {}
};

/// The process-wide serial communicator.
const Communicator& serial_communicator();

}  // namespace strata
