#include "protocol/layout.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "crypto/hash.h"

namespace kintsugi::protocol {

namespace fs = std::filesystem;

LayoutInputs LayoutInputsFromEnvironment(const std::string& data_dir_flag) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  std::error_code ec;
  const auto uid = static_cast<unsigned>(::geteuid());
  std::string run_user = "/run/user/" + std::to_string(uid);
  struct stat st {};
  if (::lstat(run_user.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 077) != 0) {
    run_user.clear();
  }
  return LayoutInputs{data_dir_flag,
                      env("XDG_DATA_HOME"),
                      env("HOME"),
                      env("XDG_RUNTIME_DIR"),
                      std::move(run_user),
                      fs::current_path(ec).string(),
                      uid};
}

Result<Layout> ResolveLayout(const LayoutInputs& in) {
  // The XDG spec: relative values are invalid and ignored.
  auto absolute = [](const std::string& v) { return !v.empty() && v.front() == '/'; };
  fs::path data;
  if (!in.data_dir_flag.empty()) {
    data = in.data_dir_flag;
  } else if (absolute(in.xdg_data_home)) {
    data = fs::path(in.xdg_data_home) / "kintsugi";
  } else if (!in.home.empty()) {
    data = fs::path(in.home) / ".local/share/kintsugi";
  } else {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no data dir: pass --data-dir or set XDG_DATA_HOME or HOME");
  }
  if (data.is_relative()) {
    if (!absolute(in.cwd)) {
      return MakeError(ErrorCode::kInvalidArgument, "cannot resolve a relative data dir: pass an absolute --data-dir");
    }
    data = fs::path(in.cwd) / data;
  }
  data = data.lexically_normal();
  std::string data_str = data.string();
  while (data_str.size() > 1 && data_str.back() == '/') data_str.pop_back();

  fs::path base = absolute(in.xdg_runtime_dir) ? fs::path(in.xdg_runtime_dir) / "kintsugi"
                 : absolute(in.run_user_dir)  ? fs::path(in.run_user_dir) / "kintsugi"
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
  out.window_lock_path = out.runtime_dir + "/window.lock";
  constexpr std::size_t kMaxSunPath = 107;  // sockaddr_un's 108 bytes, less the NUL
  if (out.runtime_dir.size() + std::string_view("/control").size() > kMaxSunPath) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "runtime dir path is too long for a Unix socket: " + out.runtime_dir);
  }
  return out;
}

}  // namespace kintsugi::protocol
