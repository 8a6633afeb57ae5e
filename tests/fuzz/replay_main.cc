// Corpus replay driver for normal (non-libFuzzer) builds: runs
// LLVMFuzzerTestOneInput once over every file named on the command line, or
// found (recursively) in the directories named there, in a stable order.
// This makes each fuzz target a regression test over its checked-in corpus.
//
// `--mutate N` then runs a short fuzz run without libFuzzer: N inputs made by
// mutating corpus inputs (bit flips, interesting bytes, insertions,
// deletions, truncation, splices of two inputs), from a fixed seed (or
// KINTSUGI_FUZZ_SEED), so `make test` and `make test-asan` fail on a
// regression that the corpus alone does not reach. It is not coverage-guided:
// `make fuzz` is the real fuzzing.
//
// Fails with exit status 2 when an argument does not exist, a directory holds
// no files, a file cannot be read, or nothing was given; a property violation
// in the target aborts the process.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

// xorshift64*: deterministic for a seed, so a failure can be replayed.
struct Rng {
  std::uint64_t state;
  std::uint64_t Next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1Dull;
  }
  std::size_t Below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(Next() % n); }
};

std::vector<char> Mutate(const std::vector<std::vector<char>>& corpus, Rng& rng) {
  static const unsigned char kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '"', '{', '}', '[', ']', ':', ',', '-', '0', '9'};
  std::vector<char> out = corpus[rng.Below(corpus.size())];
  const std::size_t rounds = 1 + rng.Below(4);
  for (std::size_t r = 0; r < rounds; ++r) {
    switch (rng.Below(6)) {
      case 0:
        if (!out.empty()) out[rng.Below(out.size())] ^= static_cast<char>(1u << rng.Below(8));
        break;
      case 1:
        if (!out.empty()) out[rng.Below(out.size())] = static_cast<char>(kInteresting[rng.Below(sizeof kInteresting)]);
        break;
      case 2:
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(rng.Below(out.size() + 1)),
                   static_cast<char>(rng.Next()));
        break;
      case 3:
        if (!out.empty()) out.erase(out.begin() + static_cast<std::ptrdiff_t>(rng.Below(out.size())));
        break;
      case 4:
        out.resize(rng.Below(out.size() + 1));
        break;
      default: {
        const auto& other = corpus[rng.Below(corpus.size())];
        const std::size_t cut = rng.Below(out.size() + 1);
        const std::size_t from = rng.Below(other.size() + 1);
        out.resize(cut);
        out.insert(out.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        break;
      }
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t mutations = 0;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--mutate" && i + 1 < argc) {
      mutations = static_cast<std::size_t>(std::strtoull(argv[++i], nullptr, 10));
    } else {
      paths.emplace_back(argv[i]);
    }
  }
  if (paths.empty()) {
    std::fprintf(stderr, "usage: %s [--mutate N] CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  std::vector<std::vector<char>> corpus;
  std::size_t total = 0;
  for (const auto& path : paths) {
    const char* arg_text = path.c_str();
    const fs::path arg(path);
    std::error_code ec;
    std::vector<fs::path> files;
    if (fs::is_directory(arg, ec)) {
      for (auto it = fs::recursive_directory_iterator(arg, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) files.push_back(it->path());
      }
      if (ec) {
        std::fprintf(stderr, "replay: cannot list %s: %s\n", arg_text, ec.message().c_str());
        return 2;
      }
      if (files.empty()) {
        std::fprintf(stderr, "replay: %s holds no inputs\n", arg_text);
        return 2;
      }
      std::sort(files.begin(), files.end());
    } else if (fs::is_regular_file(arg, ec)) {
      files.push_back(arg);
    } else {
      std::fprintf(stderr, "replay: %s does not exist or is not a file or directory\n", arg_text);
      return 2;
    }
    for (const auto& file : files) {
      std::vector<char> bytes;
      if (!ReadFile(file, bytes)) {
        std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
        return 2;
      }
      RunOne(bytes);
      corpus.push_back(std::move(bytes));
    }
    std::printf("replay: %zu inputs from %s\n", files.size(), arg_text);
    total += files.size();
  }
  std::printf("replay: ran %zu inputs, all passed\n", total);
  if (mutations > 0) {
    const char* seed_text = std::getenv("KINTSUGI_FUZZ_SEED");
    Rng rng{seed_text != nullptr ? std::strtoull(seed_text, nullptr, 10) | 1 : 0x6b696e747375ull};
    std::printf("mutate: %zu inputs from seed %llu\n", mutations, static_cast<unsigned long long>(rng.state));
    for (std::size_t i = 0; i < mutations; ++i) RunOne(Mutate(corpus, rng));
    std::printf("mutate: ran %zu mutated inputs, all passed\n", mutations);
  }
  return 0;
}
