// Corpus replay driver for normal (non-libFuzzer) builds: runs
// LLVMFuzzerTestOneInput once over every file named on the command line, or
// found (recursively) in the directories named there, in a stable order.
// This makes each fuzz target a regression test over its checked-in corpus.
//
// Fails with exit status 2 when an argument does not exist, a directory holds
// no files, a file cannot be read, or nothing was given; a property violation
// in the target aborts the process.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool ReadFile(const fs::path& path, std::vector<char>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// Runs one input from a buffer of exactly its size, as libFuzzer does, so a
// sanitizer build catches reads past the end.
void RunOne(const std::vector<char>& bytes) {
  std::unique_ptr<std::uint8_t[]> copy(new std::uint8_t[bytes.size()]);
  std::copy(bytes.begin(), bytes.end(), copy.get());
  LLVMFuzzerTestOneInput(copy.get(), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  std::size_t total = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    std::error_code ec;
    std::vector<fs::path> files;
    if (fs::is_directory(arg, ec)) {
      for (auto it = fs::recursive_directory_iterator(arg, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) files.push_back(it->path());
      }
      if (ec) {
        std::fprintf(stderr, "replay: cannot list %s: %s\n", argv[i], ec.message().c_str());
        return 2;
      }
      if (files.empty()) {
        std::fprintf(stderr, "replay: %s holds no inputs\n", argv[i]);
        return 2;
      }
      std::sort(files.begin(), files.end());
    } else if (fs::is_regular_file(arg, ec)) {
      files.push_back(arg);
    } else {
      std::fprintf(stderr, "replay: %s does not exist or is not a file or directory\n", argv[i]);
      return 2;
    }
    for (const auto& file : files) {
      std::vector<char> bytes;
      if (!ReadFile(file, bytes)) {
        std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
        return 2;
      }
      RunOne(bytes);
    }
    std::printf("replay: %zu inputs from %s\n", files.size(), argv[i]);
    total += files.size();
  }
  std::printf("replay: ran %zu inputs, all passed\n", total);
  return 0;
}
