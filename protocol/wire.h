// Big-endian writer and bounds-checked reader for the binary formats in
// docs/PROTOCOL.md, and the little-endian fields of the file formats. Every read checks the remaining length first; a failed
// read leaves the reader failed, so callers check once at the end.
//
// Pure: no I/O. Thread-compatible.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "crypto/bytes.h"

namespace kintsugi::protocol {

class WireWriter {
 public:
  void U8(std::uint8_t v) { out_.push_back(v); }
  void U32(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(v >> shift));
  }
  void U64(std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(v >> shift));
  }
  void Raw(ByteView bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  template <std::size_t N>
  void Raw(const std::array<std::uint8_t, N>& bytes) { Raw(ByteView(bytes)); }

  Bytes& bytes() { return out_; }
  Bytes Take() { return std::move(out_); }

 private:
  Bytes out_;
};

class WireReader {
 public:
  explicit WireReader(ByteView in) : in_(in) {}

  bool ok() const { return ok_; }
  std::size_t remaining() const { return ok_ ? in_.size() - pos_ : 0; }
  bool AtEnd() const { return ok_ && pos_ == in_.size(); }

  std::uint8_t U8() {
    if (!Need(1)) return 0;
    return in_[pos_++];
  }
  std::uint32_t U32() {
    if (!Need(4)) return 0;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | in_[pos_++];
    return v;
  }
  std::uint64_t U64() {
    if (!Need(8)) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | in_[pos_++];
    return v;
  }
  template <std::size_t N>
  void Raw(std::array<std::uint8_t, N>& out) {
    if (!Need(N)) return;
    std::copy_n(in_.begin() + pos_, N, out.begin());
    pos_ += N;
  }
  ByteView View(std::size_t n) {
    if (!Need(n)) return {};
    ByteView v = in_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  std::size_t position() const { return pos_; }

 private:
  bool Need(std::size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }

  ByteView in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Little-endian fixed-width fields at a known place, for the file formats
// that use them (the backup file and the sealed key file).
inline void StoreLe64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline std::uint64_t LoadLe64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline void AppendLe32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline std::uint32_t LoadLe32(const std::uint8_t* p) {
  return p[0] | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

}  // namespace kintsugi::protocol
