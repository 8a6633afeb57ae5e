#include "client/ctl_command.h"

#include <algorithm>
#include <ctime>
#include <iostream>
#include <utility>

#include "client/json_fields.h"

namespace kintsugi::ctl {

using client::Client;
using nlohmann::json;
using protocol::FieldSpec;
using protocol::FieldType;

namespace {

Input FromSpec(const FieldSpec* f) {
  if (f == nullptr) return Input::kText;
  switch (f->type) {
    case FieldType::kScale:
    case FieldType::kMinutes: return Input::kNumber;
    case FieldType::kTimeMs: return Input::kTime;
    case FieldType::kRef: return Input::kId;
    case FieldType::kRefList: return Input::kIds;
    default: return Input::kText;
  }
}

}  // namespace

int Fail(const std::string& message) {
  std::cerr << "kintsugictl: " << message << "\n";
  return kExitFailure;
}

int Fail(const Error& e) { return Fail(e.message); }

Command::Command(CLI::App* app, std::string method, json fixed, const std::vector<FieldSpec>* fields,
                 Printer print)
    : app_(app),
      method_(std::move(method)),
      fixed_(std::move(fixed)),
      fields_(fields),
      print_(std::move(print)) {}

IdSource Command::IdsOf(const CLI::Option& option) const {
  for (const auto& [name, p] : params_) {
    if (p.option == &option) return p.ids;
  }
  return IdSource::kNone;
}

Command& Command::Arg(const std::string& name, const std::string& param, const std::string& help,
                      IdSource ids, Input input) {
  Bind(name, param, help, ids, input)->required();
  return *this;
}

Command& Command::Opt(const std::string& param, const std::string& help, IdSource ids, Input input,
                      std::string flag) {
  if (flag.empty()) {
    flag = "--" + param;
    std::replace(flag.begin(), flag.end(), '_', '-');
  }
  CLI::Option* option = Bind(flag, param, help, ids, input);
  if (const FieldSpec* f = Field(param); f != nullptr && f->required) option->required();
  return *this;
}

int Command::Run(Client& client, bool as_json) const {
  IdResolver ids(client);
  auto params = Params(ids);
  if (!params.ok()) return Fail(params.error());
  if (method_ == "append") {
    // The daemon's own rules, here first: a note over its limit is named as
    // such rather than sent (and refused as a request too large).
    auto body = protocol::BodyFromParams(*params);
    if (!body.ok()) return Fail(body.error());
  }
  auto r = client.Call(method_, *params);
  if (!r.ok()) return Fail(r.error());
  try {
    as_json ? PrintJson(*r) : print_(client, *r);
  } catch (const json::exception&) {
    return Fail(client::kReplyNotExpected);
  }
  return 0;
}

const FieldSpec* Command::Field(const std::string& name) const {
  if (fields_ == nullptr) return nullptr;
  for (const auto& f : *fields_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

CLI::Option* Command::Bind(const std::string& name, const std::string& param, const std::string& help,
                           IdSource ids, Input input) {
  Param& p = params_[param];
  p.ids = ids;
  p.input = input == Input::kSpec ? FromSpec(Field(param)) : input;
  const std::string text = help + Hint(param, p.input);
  p.option = p.input == Input::kIds ? app_->add_option(name, p.values, text)
                                    : app_->add_option(name, p.value, text);
  p.option->type_name(TypeName(param, p.input));
  return p.option;
}

const char* Command::TypeName(const std::string& param, Input input) const {
  const FieldSpec* f = Field(param);
  if (input == Input::kNumber) return "N";
  if (input == Input::kTime) return "TIME";
  if (input == Input::kId || input == Input::kIds) return "ID";
  return f != nullptr && f->type == FieldType::kDate ? "DATE" : "TEXT";
}

std::string Command::Hint(const std::string& param, Input input) const {
  const FieldSpec* f = Field(param);
  if (input == Input::kId || input == Input::kIds) return " (6 or more hex digits of its id)";
  if (input == Input::kTime) return " (HH:MM for the next such time, or YYYY-MM-DD HH:MM)";
  if (f == nullptr) return "";
  switch (f->type) {
    case FieldType::kScale: return " (1 to 10)";
    case FieldType::kMinutes: return " (" + std::to_string(f->min) + " to " + std::to_string(f->max) + ")";
    case FieldType::kDate: return " (YYYY-MM-DD)";
    case FieldType::kChoice: {
      std::string list;
      for (auto c : f->choices) list += (list.empty() ? "" : ", ") + std::string(c);
      return " (one of: " + list + ")";
    }
    default: return "";
  }
}

Result<json> Command::Params(IdResolver& ids) const {
  json params = fixed_;
  for (const auto& [name, p] : params_) {
    if (p.option->count() == 0) continue;
    auto value = Convert(p, ids);
    if (!value.ok()) return value.take_error();
    params[name] = std::move(*value);
  }
  return params;
}

Result<json> Command::Convert(const Param& p, IdResolver& ids) {
  switch (p.input) {
    case Input::kNumber: return Number(p.value);
    case Input::kTime: {
      auto ms = ParseLocalTime(p.value, std::time(nullptr));
      if (!ms.ok()) return ms.take_error();
      return json(*ms);
    }
    case Input::kId: {
      auto id = ids.Resolve(p.ids, p.value);
      if (!id.ok()) return id.take_error();
      return json(*id);
    }
    case Input::kIds: {
      json list = json::array();
      for (const auto& typed : p.values) {
        auto id = ids.Resolve(p.ids, typed);
        if (!id.ok()) return id.take_error();
        list.push_back(*id);
      }
      return list;
    }
    default: return json(p.value);
  }
}

Command& Commands::Entry(CLI::App* parent, const std::string& name, protocol::Kind kind) {
  const auto& spec = protocol::SpecOf(kind);
  CLI::App* app = parent->add_subcommand(name, std::string(spec.purpose));
  return commands_.emplace_back(app, "append", json{{"kind", spec.name}}, &spec.fields, PrintAppended);
}

Command& Commands::Method(CLI::App* parent, const std::string& name, const std::string& help, std::string method,
                          Printer print) {
  CLI::App* app = parent->add_subcommand(name, help);
  return commands_.emplace_back(app, std::move(method), json::object(), nullptr, std::move(print));
}

const Command* Commands::Chosen() const {
  for (const auto& c : commands_) {
    if (c.app()->parsed()) return &c;
  }
  return nullptr;
}

IdSource Commands::IdsOf(const CLI::Option& option) const {
  for (const Command& c : commands_) {
    if (IdSource ids = c.IdsOf(option); ids != IdSource::kNone) return ids;
  }
  return IdSource::kNone;
}

}  // namespace kintsugi::ctl
