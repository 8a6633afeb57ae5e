// SecureBuffer: a fixed-size block of secret bytes in libsodium's guarded
// memory (sodium_malloc: guard pages, mlock'd, never swapped), wiped and freed
// on destruction. Move-only; there is no way to copy it into a std::string.
//
// Thread-safety: a SecureBuffer is a value; share it across threads only with
// external synchronisation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace kintsugi::crypto {

class SecureBuffer {
 public:
  // Allocates `size` zeroed bytes. Aborts if guarded memory cannot be had:
  // continuing with secrets in ordinary memory would be worse.
  explicit SecureBuffer(std::size_t size);
  ~SecureBuffer();
  SecureBuffer(SecureBuffer&& other) noexcept;
  SecureBuffer& operator=(SecureBuffer&& other) noexcept;
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::span<std::uint8_t> span() { return {data_, size_}; }
  std::span<const std::uint8_t> span() const { return {data_, size_}; }

  // Wipes the contents (they stay allocated).
  void Wipe();

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Wipes ordinary memory that briefly held a secret.
void Wipe(std::span<std::uint8_t> bytes);
// Wipes a string that held a secret (a typed passphrase), then empties it.
void WipeString(std::string& text);

}  // namespace kintsugi::crypto
