#include "strata/parallel/communicator.hpp"

#include <algorithm>

namespace strata {

void SerialCommunicator::allgather(const double* in, std::size_t count, double* out) const {
  std::copy(in, in + count, out);
}

void SerialCommunicator::reduce_scatter_sum(const double* in, std::size_t count,
                                            double* out) const {
  std::copy(in, in + count, out);
}

const Communicator& serial_communicator() {
  static const SerialCommunicator instance;
  return instance;
}

}  // namespace strata
