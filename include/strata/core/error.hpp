#pragma once
/// @file Error types shared by every part of strata.
///
/// Two kinds of failure exist (STYLE habit 5):
///  - bad arguments from the caller throw `ArgumentError` (a std::invalid_argument)
///    whose message names the parameter, the valid range and the value received;
///  - bad input data (a file, an array) throws `InputError`, whose message names
///    the source (file path or "<array>"), the line or byte offset when known, and
///    the problem.
/// Numerical outcomes (not converged, rank deficient) are never exceptions: they
/// are a status in the solver's result.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace strata {

/// A caller passed an invalid option or argument.
class ArgumentError : public std::invalid_argument {
 public:
  explicit ArgumentError(const std::string& what) : std::invalid_argument(what) {}
};

/// Input data is malformed. `what()` reads "SOURCE:LINE: PROBLEM" (or
/// "SOURCE: byte OFFSET: PROBLEM", or "SOURCE: PROBLEM").
class InputError : public std::runtime_error {
 public:
  InputError(std::string source, std::string problem, std::int64_t line = -1,
             std::int64_t byte_offset = -1);
  const std::string& source() const noexcept { return source_; }
  const std::string& problem() const noexcept { return problem_; }
  /// 1-based line number, or -1 when the problem is not tied to a line.
  std::int64_t line() const noexcept { return line_; }
  /// Byte offset in a binary file, or -1.
  std::int64_t byte_offset() const noexcept { return byte_offset_; }

 private:
  std::string source_, problem_;
  std::int64_t line_, byte_offset_;
};

/// Throws ArgumentError "NAME must be CONDITION (got VALUE)" unless `ok`.
void require_argument(bool ok, const std::string& name, const std::string& condition,
                      const std::string& got);

}  // namespace strata
