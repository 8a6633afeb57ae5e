// Helpers shared by the daemon tests: a temporary directory that removes
// itself, a clock the test sets, whole-file reads and hashes, a raw sqlite3
// connection for inspecting or damaging ledger files behind the store's back,
// and sealed entries for feeding the store directly.
//
// Thread-safety: test-thread only.
#pragma once

#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/pwhash.h"
#include "crypto/random.h"
#include "daemon/clock.h"
#include "daemon/store/schema.h"
#include "daemon/store/store.h"
#include "protocol/body.h"
#include "protocol/entry_seal.h"

namespace kintsugi::daemon::testing {

// A fresh directory from mkdtemp, removed with everything in it at scope end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kintsugi-dtest-XXXXXX").string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    const char* made = ::mkdtemp(buf.data());
    EXPECT_NE(made, nullptr) << "mkdtemp failed";
    path_ = made != nullptr ? std::string(made) : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Wall time that only moves when the test says so.
class TestClock final : public Clock {
 public:
  explicit TestClock(std::uint64_t now_ms = kStart) : now_(now_ms) {}
  std::uint64_t NowMillis() override { return now_; }
  void Set(std::uint64_t ms) { now_ = ms; }
  void Advance(std::int64_t delta_ms) { now_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(now_) + delta_ms); }

  static constexpr std::uint64_t kStart = 1'700'000'000'000;  // 2023-11-14

 private:
  std::uint64_t now_;
};

// A passphrase for tests; the text must be a valid one.
inline crypto::Passphrase Pass(std::string text) {
  auto pass = crypto::Passphrase::Take(text);
  EXPECT_TRUE(pass.ok());
  return std::move(pass).value();
}

inline Hash32 Seed(std::uint8_t n) {
  Hash32 seed{};
  seed.fill(n);
  return seed;
}

inline bool Exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

inline Bytes ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void WriteFileBytes(const std::string& path, ByteView bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

inline Hash32 FileHash(const std::string& path) { return crypto::Blake2b256(ReadFileBytes(path)); }

// The store at `path`, or null after a test failure naming why.
inline std::unique_ptr<Store> OpenOrDie(const std::string& path) {
  auto store = Store::Open(path);
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
  return store.ok() ? std::move(store).value() : nullptr;
}

// A plain sqlite3 connection, independent of the Store under test.
class RawDb {
 public:
  explicit RawDb(const std::string& path, int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
    sqlite3_busy_timeout(db_, 2000);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // The result code and error message of running `sql`.
  std::pair<int, std::string> Exec(const std::string& sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    std::string text = message != nullptr ? message : "";
    sqlite3_free(message);
    return {rc, text};
  }

  // The first column of every row of `sql`, as text.
  std::vector<std::string> Texts(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    std::vector<std::string> out;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    while (s != nullptr && sqlite3_step(s) == SQLITE_ROW) {
      const auto* p = sqlite3_column_text(s, 0);
      out.emplace_back(p != nullptr ? reinterpret_cast<const char*>(p) : "");
    }
    sqlite3_finalize(s);
    return out;
  }
  // The first column of the first row of `sql`, as integer or text.
  std::optional<std::int64_t> Int(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    std::optional<std::int64_t> out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      out = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return out;
  }
  std::optional<std::string> Text(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    std::optional<std::string> out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      const auto* p = sqlite3_column_text(s, 0);
      out = p != nullptr ? std::string(reinterpret_cast<const char*>(p)) : std::string();
    }
    sqlite3_finalize(s);
    return out;
  }
  // Every value of the first (blob) column of `sql`, in order.
  std::vector<Bytes> Blobs(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    std::vector<Bytes> out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK) {
      while (sqlite3_step(s) == SQLITE_ROW) {
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, 0));
        out.emplace_back(p, p + sqlite3_column_bytes(s, 0));
      }
    }
    sqlite3_finalize(s);
    return out;
  }

  // Runs `sql` with `blob` bound to ?1; returns the result code.
  int ExecWithBlob(const std::string& sql, ByteView blob) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr);
    if (rc == SQLITE_OK) {
      sqlite3_bind_blob(s, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
      rc = sqlite3_step(s);
      if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
  }

  sqlite3* get() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// One author's identity and the ledger it writes to, for sealing entries
// without an engine.
struct TestAuthor {
  crypto::SigningKey identity;
  protocol::LedgerId ledger_id;
  crypto::SymmetricKey ledger_key;

  static TestAuthor Make(crypto::RandomSource& rng, const protocol::LedgerId& ledger_id) {
    return TestAuthor{crypto::SigningKey::Generate(rng), ledger_id, crypto::SymmetricKey::Generate(rng)};
  }

  protocol::SealedEntry Seal(crypto::RandomSource& rng, std::uint64_t seq, const protocol::EntryId& prev,
                             std::uint64_t hlc, const std::string& note) const {
    protocol::EntryDraft draft;
    draft.ledger_id = ledger_id;
    draft.seq = seq;
    draft.prev = prev;
    draft.hlc = hlc;
    draft.body = protocol::EncodeBody(protocol::CheckIn{note, std::nullopt, std::nullopt});
    auto sealed = protocol::SealEntry(draft, identity, ledger_key, rng);
    EXPECT_TRUE(sealed.ok());
    return std::move(sealed).value();
  }
};

// Makes `path` an empty ledger file of schema `version`, as the shipped
// migrations built it: the file an older daemon left, for a migration test.
inline ::testing::AssertionResult MakeFileOfSchema(const std::string& path, int version) {
  RawDb raw(path);
  if (auto [rc, message] = raw.Exec("PRAGMA journal_mode=WAL"); rc != SQLITE_OK) {
    return ::testing::AssertionFailure() << "WAL: " << message;
  }
  for (int v = 0; v < version; ++v) {
    auto [rc, message] = raw.Exec(SchemaMigrations()[static_cast<std::size_t>(v)]);
    if (rc != SQLITE_OK) return ::testing::AssertionFailure() << "migration " << v << ": " << message;
  }
  auto [rc, message] = raw.Exec("PRAGMA user_version = " + std::to_string(version) +
                                "; PRAGMA application_id = " + std::to_string(kApplicationId));
  if (rc != SQLITE_OK) return ::testing::AssertionFailure() << "version: " << message;
  return ::testing::AssertionSuccess();
}

}  // namespace kintsugi::daemon::testing
