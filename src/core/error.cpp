#include "strata/core/error.hpp"

namespace strata {
namespace {
std::string format_input_error(const std::string& source, const std::string& problem,
                               std::int64_t line, std::int64_t byte_offset) {
  std::string msg = source;
  if (line >= 0) msg += ":" + std::to_string(line);
  if (byte_offset >= 0) msg += ": byte " + std::to_string(byte_offset);
  msg += ": " + problem;
  return msg;
}
}  // namespace

InputError::InputError(std::string source, std::string problem, std::int64_t line,
                       std::int64_t byte_offset)
    : std::runtime_error(format_input_error(source, problem, line, byte_offset)),
      source_(std::move(source)),
      problem_(std::move(problem)),
      line_(line),
      byte_offset_(byte_offset) {}

void require_argument(bool ok, const std::string& name, const std::string& condition,
                      const std::string& got) {
  if (!ok) throw ArgumentError(name + " must be " + condition + " (got " + got + ")");
}

}  // namespace strata
