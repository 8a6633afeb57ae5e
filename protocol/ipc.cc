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

std::string_view MethodName(Method method) {
  for (const auto& spec : kMethods) {
    if (spec.method == method) return spec.name;
  }
  return "";
}

Error RequestTooLarge(std::size_t bytes) {
  return MakeError(ErrorCode::kTooLarge, "the request is " + std::to_string(bytes) + " bytes; a request holds at most " +
                                             std::to_string(kMaxIpcRequestBytes) + " bytes (" +
                                             std::to_string(kMaxIpcRequestBytes / 1024) + " KiB)");
}

std::string DumpJson(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Reads a request's top-level "id" without building the document (a SAX
// pass that stops at it: clients write "id" first), so that an oversized
// request is still answered to whoever sent it. Null when there is none.
class IdReader final : public nlohmann::json_sax<json> {
 public:
  json id = nullptr;

  bool null() override { return Value(nullptr); }
  bool boolean(bool) override { return Value(nullptr); }
  bool number_integer(number_integer_t v) override { return Value(v); }
  bool number_unsigned(number_unsigned_t v) override { return Value(v); }
  bool number_float(number_float_t, const string_t&) override { return Value(nullptr); }
  bool string(string_t& v) override { return Value(v); }
  bool binary(binary_t&) override { return Value(nullptr); }
  bool start_object(std::size_t) override { return Open(); }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(); }
  bool end_array() override { return Close(); }
  bool key(string_t& k) override {
    at_id_ = depth_ == 1 && k == "id";
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  bool Value(json v) {
    if (!at_id_) return true;
    id = std::move(v);
    return false;  // found: stop reading
  }
  bool Open() {
    at_id_ = false;
    ++depth_;
    return true;
  }
  bool Close() {
    --depth_;
    return true;
  }
  int depth_ = 0;
  bool at_id_ = false;
};

json PeekIpcId(ByteView frame) {
  IdReader reader;
  json::sax_parse(frame.begin(), frame.end(), &reader, json::input_format_t::json, /*strict=*/false);
  return reader.id;
}

Result<IpcRequest, IpcRequestError> ParseIpcRequest(ByteView frame) {
  if (frame.size() > kMaxIpcRequestBytes) {
    return IpcRequestError{PeekIpcId(frame), RequestTooLarge(frame.size())};
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
