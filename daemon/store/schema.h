// The ledger file's schema migrations: SchemaMigrations()[i] is the SQL that
// takes a file from schema version i to i + 1. Append only: never edit a
// migration that has shipped. Used by the store alone.
#pragma once

#include <span>

namespace kintsugi::daemon {

std::span<const char* const> SchemaMigrations();

}  // namespace kintsugi::daemon
