#include "crypto/secure_buffer.h"

#include <sodium.h>

#include <cstdlib>

#include "crypto/sodium_init.h"

namespace kintsugi::crypto {

SecureBuffer::SecureBuffer(std::size_t size) : size_(size) {
  EnsureSodium();
  data_ = static_cast<std::uint8_t*>(sodium_malloc(size == 0 ? 1 : size));
  if (data_ == nullptr) std::abort();
  sodium_memzero(data_, size_);
}

SecureBuffer::~SecureBuffer() {
  if (data_ != nullptr) sodium_free(data_);  // sodium_free wipes first.
}

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept
    : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) sodium_free(data_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void SecureBuffer::Wipe() {
  if (data_ != nullptr) sodium_memzero(data_, size_);
}

void Wipe(std::span<std::uint8_t> bytes) { sodium_memzero(bytes.data(), bytes.size()); }

void WipeString(std::string& text) {
  sodium_memzero(text.data(), text.size());
  text.clear();
}

}  // namespace kintsugi::crypto
