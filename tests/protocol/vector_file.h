// Reading the fixed vectors in tests/vectors/ (vectors_test.cc,
// wire_vectors_test.cc): the file as JSON, and its hex values.
//
// Test-only.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "crypto/bytes.h"

#ifndef KINTSUGI_VECTORS_DIR
#error "KINTSUGI_VECTORS_DIR must name tests/vectors"
#endif

namespace kintsugi::protocol::vectors {

// tests/vectors/<name>, parsed; a discarded value (and a failure) when it
// cannot be read or is not JSON.
inline nlohmann::json LoadVectorFile(const std::string& name) {
  const std::string path = std::string(KINTSUGI_VECTORS_DIR) + "/" + name;
  std::ifstream file(path);
  EXPECT_TRUE(file.good()) << "cannot open " << path;
  std::stringstream text;
  text << file.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(doc.is_discarded()) << path << " is not JSON";
  return doc;
}

inline Bytes HexBytes(const nlohmann::json& j) {
  auto bytes = FromHex(j.get<std::string>());
  EXPECT_TRUE(bytes.has_value()) << j;
  return bytes.value_or(Bytes{});
}

inline Hash32 HexHash(const nlohmann::json& j) {
  auto h = Hash32FromHex(j.get<std::string>());
  EXPECT_TRUE(h.has_value()) << j;
  return h.value_or(Hash32{});
}

}  // namespace kintsugi::protocol::vectors
