// Helpers shared by the files that implement ViewModel (view_model.cc,
// view_model_read.cc, view_model_settings.cc, view_model_partner.cc); not
// for anyone else. Defined in view_model.cc.
//
// Thread-safety: pure functions of their arguments (and, for LocalOffsetMs,
// this machine's time zone).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "client/json_fields.h"

namespace kintsugi::ui {

// This machine's offset from UTC at `unix_ms`, in ms; 0 when it cannot be told.

// `s` without leading and trailing blanks (spaces, tabs, line ends).
std::string Trimmed(const std::string& s);

// j[field] when it is a string, else "".
using client::Str;  // client/json_fields.h

// Sets `field` when `value` is not blank.
void Optional(nlohmann::json& params, const char* field, const std::string& value);

}  // namespace kintsugi::ui
