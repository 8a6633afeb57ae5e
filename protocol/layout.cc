#include "protocol/layout.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "crypto/hash.h"

namespace kintsugi::protocol {

namespace fs = std::filesystem;

LayoutInputs LayoutInputsFromEnvironment(const std::string& data_dir_flag) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  std::error_code ec;
  return LayoutInputs{data_dir_flag,
                      env("XDG_DATA_HOME"),
                      env("HOME"),
                      env("XDG_RUNTIME_DIR"),
                      fs::current_path(ec).string(),
                      static_cast<unsigned>(::geteuid())};
}

Result<Layout> ResolveLayout(const LayoutInputs& in) {
  fs::path data;
  if (!in.data_dir_flag.empty()) {
    data = in.data_dir_flag;
  } else if (!in.xdg_data_home.empty()) {
    data = fs::path(in.xdg_data_home) / "kintsugi";
  } else if (!in.home.empty()) {
    data = fs::path(in.home) / ".local/share/kintsugi";
  } else {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no data dir: pass --data-dir or set XDG_DATA_HOME or HOME");
  }
  if (data.is_relative()) data = fs::path(in.cwd) / data;
  data = data.lexically_normal();
  std::string data_str = data.string();
  while (data_str.size() > 1 && data_str.back() == '/') data_str.pop_back();

  fs::path base = !in.xdg_runtime_dir.empty()
                      ? fs::path(in.xdg_runtime_dir) / "kintsugi"
                      : fs::path("/tmp") / ("kintsugi-" + std::to_string(in.uid));
  std::string tag = ToHex(crypto::Blake2b256(AsBytes(data_str))).substr(0, 16);

  Layout out;
  out.data_dir = data_str;
  out.runtime_dir = (base / tag).string();
  out.db_path = (fs::path(data_str) / "ledger.db").string();
  out.key_path = (fs::path(data_str) / "identity.key").string();
  out.lock_path = (fs::path(data_str) / "kintsugid.lock").string();
  out.control_endpoint = "ipc://" + out.runtime_dir + "/control";
  out.events_endpoint = "ipc://" + out.runtime_dir + "/events";
  constexpr std::size_t kMaxSunPath = 107;
  if (out.runtime_dir.size() + sizeof("/control") > kMaxSunPath) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "runtime dir path is too long for a Unix socket: " + out.runtime_dir);
  }
  return out;
}

}  // namespace kintsugi::protocol
