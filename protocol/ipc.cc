// docs/PROTOCOL.md, section "Local IPC".
#include "protocol/ipc.h"

namespace kintsugi::protocol {

using nlohmann::json;

std::optional<MethodSpec> FindMethod(std::string_view name) {
  for (const auto& spec : kMethods) {
    if (spec.name == name) return spec;
  }
  return std::nullopt;
}

std::string DumpJson(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Result<IpcRequest, IpcRequestError> ParseIpcRequest(ByteView frame) {
  if (frame.size() > kMaxIpcRequestBytes) {
    return IpcRequestError{nullptr, MakeError(ErrorCode::kTooLarge,
                                              "request is larger than " +
                                                  std::to_string(kMaxIpcRequestBytes) + " bytes")};
  }
  json doc = json::parse(frame.begin(), frame.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return IpcRequestError{nullptr, MakeError(ErrorCode::kMalformed, "request is not a JSON object")};
  }
  json id = nullptr;
  if (auto it = doc.find("id"); it != doc.end()) {
    if (!it->is_number_integer() && !it->is_string() && !it->is_null()) {
      return IpcRequestError{nullptr, MakeError(ErrorCode::kMalformed, "id must be a number or a string")};
    }
    if (it->is_string() && it->get_ref<const std::string&>().size() > 128) {
      return IpcRequestError{nullptr, MakeError(ErrorCode::kMalformed, "id is longer than 128 bytes")};
    }
    id = *it;
  }
  auto method = doc.find("method");
  if (method == doc.end() || !method->is_string()) {
    return IpcRequestError{id, MakeError(ErrorCode::kMalformed, "method is required and must be text")};
  }
  auto spec = FindMethod(method->get_ref<const std::string&>());
  if (!spec) {
    std::string name = method->get_ref<const std::string&>().substr(0, 64);
    return IpcRequestError{id, MakeError(ErrorCode::kUnknownMethod, "unknown method '" + name + "'")};
  }
  json params = json::object();
  if (auto it = doc.find("params"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) {
      return IpcRequestError{id, MakeError(ErrorCode::kMalformed, "params must be an object")};
    }
    params = std::move(*it);
  }
  return IpcRequest{std::move(id), *spec, std::move(params)};
}

std::string EncodeIpcRequest(const json& id, std::string_view method, const json& params) {
  return DumpJson(json{{"id", id}, {"method", method}, {"params", params}});
}

std::string EncodeIpcResult(const json& id, const json& result) {
  return DumpJson(json{{"id", id}, {"ok", true}, {"result", result}});
}

std::string EncodeIpcError(const json& id, const Error& error) {
  return DumpJson(json{{"id", id},
                       {"ok", false},
                       {"error", {{"code", ErrorCodeName(error.code)}, {"message", error.message}}}});
}

Result<IpcReply> ParseIpcReply(ByteView frame) {
  if (frame.size() > kMaxIpcReplyBytes) {
    return MakeError(ErrorCode::kTooLarge, "reply is larger than the limit");
  }
  json doc = json::parse(frame.begin(), frame.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return MakeError(ErrorCode::kMalformed, "reply is not a JSON object");
  }
  auto id = doc.find("id");
  if (id == doc.end()) return MakeError(ErrorCode::kMalformed, "reply has no id");
  auto ok = doc.find("ok");
  if (ok == doc.end() || !ok->is_boolean()) return MakeError(ErrorCode::kMalformed, "reply has no ok");
  if (ok->get<bool>()) {
    auto result = doc.find("result");
    if (result == doc.end()) return MakeError(ErrorCode::kMalformed, "reply has no result");
    return IpcReply{std::move(*id), std::move(*result)};
  }
  auto error = doc.find("error");
  if (error == doc.end() || !error->is_object()) {
    return MakeError(ErrorCode::kMalformed, "reply has no error");
  }
  auto text = [&](const char* key, const char* fallback) {
    auto it = error->find(key);
    return it != error->end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
  };
  std::string code = text("code", "internal");
  std::string message = text("message", "the daemon reported an error");
  return IpcReply{std::move(*id), MakeError(ErrorCodeFromName(code), std::move(message))};
}

std::string EncodeIpcEvent(std::string_view topic, json data) {
  if (!data.is_object()) data = json{{"data", std::move(data)}};
  data["type"] = topic;
  return DumpJson(data);
}

}  // namespace kintsugi::protocol
