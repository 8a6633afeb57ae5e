// Reading one field of the daemon's JSON (a reply, an event, a view) without
// copying it or inserting it: shared by kintsugictl and the window, which
// both read what the daemon says field by field.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace kintsugi::client {

// j[key] without inserting or copying; null (which holds nothing) when
// absent, or when j is no object.
inline const nlohmann::json& At(const nlohmann::json& j, const char* key) {
  static const nlohmann::json kAbsent;
  auto it = j.find(key);
  return it != j.end() ? *it : kAbsent;
}

// j[field] when it is a string, else "".
inline std::string Str(const nlohmann::json& j, const char* field) {
  auto it = j.find(field);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace kintsugi::client
