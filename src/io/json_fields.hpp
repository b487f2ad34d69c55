#pragma once
// Internal to the readers of model.json, tree.json and corpus metadata: typed,
// range-checked access to JSON fields. nlohmann's get<int>() converts 1e300
// with a plain cast (undefined behaviour) and 2^32 + 2 by truncation (to 2),
// and its type errors name neither the file nor the field; these helpers
// throw InputError "FILE: field 'NAME' must be ... (got VALUE)" instead.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "strata/core/error.hpp"

namespace strata::io_detail {

/// A JSON value for a message, cut at 40 characters.
template <class Json>
std::string shown_json(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 40) + "...";
  return s;
}

/// `v` as an integer in [lo, hi]; `name` is the field's name for the message.
template <class Json>
std::int64_t json_integer_value(const Json& v, const std::string& name, const std::string& path, std::int64_t lo,
                                std::int64_t hi) {
  const std::string range = " in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (!v.is_number_integer())
    throw InputError(path, "field '" + name + "' must be an integer" + range + " (got " + shown_json(v) + ")");
  bool in_range;
  std::int64_t out = 0;
  if (v.is_number_unsigned()) {
    const auto u = v.template get<std::uint64_t>();
    in_range = u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) &&
               static_cast<std::int64_t>(u) >= lo && static_cast<std::int64_t>(u) <= hi;
    if (in_range) out = static_cast<std::int64_t>(u);
  } else {
    out = v.template get<std::int64_t>();
    in_range = out >= lo && out <= hi;
  }
  if (!in_range) throw InputError(path, "field '" + name + "' must be an integer" + range + " (got " + shown_json(v) + ")");
  return out;
}

/// The required member `key` of `obj`.
template <class Json>
const Json& json_member(const Json& obj, const std::string& key, const std::string& path) {
  if (!obj.is_object()) throw InputError(path, "expected a JSON object holding the field '" + key + "'");
  const auto it = obj.find(key);
  if (it == obj.end()) throw InputError(path, "missing field '" + key + "'");
  return *it;
}

/// Required integer member in [lo, hi].
template <class Json>
std::int64_t json_integer(const Json& obj, const std::string& key, const std::string& path, std::int64_t lo,
                          std::int64_t hi) {
  return json_integer_value(json_member(obj, key, path), key, path, lo, hi);
}

/// Required int member in [lo, hi] (hi at most INT_MAX).
template <class Json>
int json_int(const Json& obj, const std::string& key, const std::string& path, int lo = 0,
             int hi = std::numeric_limits<int>::max()) {
  return static_cast<int>(json_integer(obj, key, path, lo, hi));
}

/// Optional int member: `fallback` when absent (or null).
template <class Json>
int json_int_or(const Json& obj, const std::string& key, const std::string& path, int fallback, int lo = 0,
                int hi = std::numeric_limits<int>::max()) {
  if (!obj.is_object()) return fallback;
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  return static_cast<int>(json_integer_value(*it, key, path, lo, hi));
}

/// Required string member.
template <class Json>
std::string json_string(const Json& obj, const std::string& key, const std::string& path) {
  const Json& v = json_member(obj, key, path);
  if (!v.is_string()) throw InputError(path, "field '" + key + "' must be a string (got " + shown_json(v) + ")");
  return v.template get<std::string>();
}

/// Optional string member: `fallback` when absent (or null).
template <class Json>
std::string json_string_or(const Json& obj, const std::string& key, const std::string& path,
                           const std::string& fallback) {
  if (!obj.is_object()) return fallback;
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_string()) throw InputError(path, "field '" + key + "' must be a string (got " + shown_json(*it) + ")");
  return it->template get<std::string>();
}

/// Optional boolean member: `fallback` when absent (or null).
template <class Json>
bool json_bool_or(const Json& obj, const std::string& key, const std::string& path, bool fallback) {
  if (!obj.is_object()) return fallback;
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw InputError(path, "field '" + key + "' must be true or false (got " + shown_json(*it) + ")");
  return it->template get<bool>();
}

/// Required array of ints, each in [lo, hi].
template <class Json>
std::vector<int> json_int_array(const Json& obj, const std::string& key, const std::string& path, int lo, int hi) {
  const Json& v = json_member(obj, key, path);
  if (!v.is_array()) throw InputError(path, "field '" + key + "' must be an array of integers (got " + shown_json(v) + ")");
  std::vector<int> out;
  for (std::size_t i = 0; i < v.size(); ++i)
    out.push_back(static_cast<int>(json_integer_value(v[i], key + "[" + std::to_string(i) + "]", path, lo, hi)));
  return out;
}

}  // namespace strata::io_detail
