// Writes the seed corpus of backup_fuzz (corpus/backup): small, valid
// backups sealed under FuzzBackupKey(), with key files and databases of a few
// sizes, including an empty database. Usage: fuzz_backup_seedgen DIR
#include <cstdio>
#include <fstream>
#include <string>

#include "protocol/backup.h"
#include "tests/fuzz/backup_key.h"

using namespace kintsugi;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const crypto::SymmetricKey key = FuzzBackupKey();
  int n = 0;
  for (std::size_t key_len : {std::size_t{1}, std::size_t{171}, std::size_t{405}}) {
    for (std::size_t db_len : {std::size_t{0}, std::size_t{64}, std::size_t{1500}}) {
      protocol::BackupContents contents;
      contents.created_ms = 1'700'000'000'000 + n;
      contents.key_file.emplace(key_len);
      for (std::size_t i = 0; i < key_len; ++i) contents.key_file->data()[i] = static_cast<std::uint8_t>(i);
      contents.database.assign(db_len, static_cast<std::uint8_t>('S' + n));
      protocol::BackupHeader header{{}, crypto::kMinLimits};
      header.salt.fill(static_cast<std::uint8_t>(n));
      const Bytes file = protocol::SealBackup(contents, key, header);
      auto opened = protocol::OpenBackup(file, key);
      if (!opened.ok()) return 1;  // the generator checks itself
      std::ofstream out(std::string(argv[1]) + "/seed-" + std::to_string(n++), std::ios::binary);
      out.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
    }
  }
  std::printf("%d seeds\n", n);
  return 0;
}
