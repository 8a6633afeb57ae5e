// base/files.h: a descriptor that closes itself, a bounded read of a whole
// file, and a private file written all at once, on a real file system.
#include "base/files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace kintsugi::base {
namespace {

// A fresh folder under the temporary folder, removed with what it holds.
class Folder {
 public:
  Folder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kintsugi-base-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~Folder() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

TEST(UniqueFd, ClosesWhatItOwnsOnceAndNothingItGaveUp) {
  Folder dir;
  std::ofstream(dir.File("f")) << "x";
  int first = -1, kept = -1;
  {
    UniqueFd fd(::open(dir.File("f").c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd.valid());
    first = fd.get();
    UniqueFd moved = std::move(fd);
    EXPECT_FALSE(fd.valid());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    EXPECT_EQ(moved.get(), first);
    UniqueFd other(::open(dir.File("f").c_str(), O_RDONLY | O_CLOEXEC));
    kept = other.release();
    EXPECT_TRUE(IsOpen(first));
  }
  EXPECT_FALSE(IsOpen(first)) << "the owner did not close it";
  EXPECT_TRUE(IsOpen(kept)) << "a released descriptor was closed";
  ::close(kept);
  UniqueFd none;
  EXPECT_FALSE(none.valid());
}

TEST(UniqueFd, AssigningClosesTheOneItHeld) {
  Folder dir;
  std::ofstream(dir.File("f")) << "x";
  UniqueFd a(::open(dir.File("f").c_str(), O_RDONLY | O_CLOEXEC));
  UniqueFd b(::open(dir.File("f").c_str(), O_RDONLY | O_CLOEXEC));
  const int held = a.get(), incoming = b.get();
  a = std::move(b);
  EXPECT_FALSE(IsOpen(held));
  EXPECT_EQ(a.get(), incoming);
  EXPECT_TRUE(IsOpen(incoming));
}

TEST(ReadFile, ReadsAWholeFileAndRefusesWhatIsNotOneOrTooLarge) {
  Folder dir;
  const std::string path = dir.File("data");
  std::string content(70'000, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7);
  std::ofstream(path, std::ios::binary) << content;

  auto whole = ReadFile(path, content.size(), "is too large");
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  EXPECT_EQ(std::string(whole->begin(), whole->end()), content);

  auto large = ReadFile(path, content.size() - 1, "is larger than any backup can be");
  ASSERT_FALSE(large.ok());
  EXPECT_EQ(large.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(large.error().message, path + " is larger than any backup can be");

  auto missing = ReadFile(dir.File("absent"), 100, "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("absent"), std::string::npos);

  auto folder = ReadFile(dir.path(), 100, "");
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().code, ErrorCode::kInvalidArgument);

  std::ofstream(dir.File("empty"));
  auto empty = ReadFile(dir.File("empty"), 0, "");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(PrivateFile, WritesOwnerOnlyAndNeverReplacesUnlessAsked) {
  Folder dir;
  const std::string path = dir.File("export.md");
  ASSERT_TRUE(WritePrivateFile(path, "first", Replace::kNever).ok());
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(Slurp(path), "first");

  Status again = WritePrivateFile(path, "second", Replace::kNever);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(Slurp(path), "first");

  ASSERT_TRUE(WritePrivateFile(path, "third", Replace::kExisting).ok());
  EXPECT_EQ(Slurp(path), "third");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u) << "a temporary file was left behind";

  Status missing = WritePrivateFile(dir.File("no/such/folder/x.md"), "x", Replace::kNever);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kIo);
}

}  // namespace
}  // namespace kintsugi::base
