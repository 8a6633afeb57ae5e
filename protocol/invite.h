// Invite codes: the one-time code partner A reads aloud and partner B types
// to pair (docs/PROTOCOL.md, "Invite code"). In the style of magic wormhole:
//
//   417-amber-harbor-velvet-basket
//   │   └──────┬───────────┘ └─ checksum word: catches a swapped or misheard word
//   │          three secret words from a list of 256 (24 bits)
//   nameplate 1..999: lets B's daemon find the right pairing window on the LAN
//
// The checksum word is InviteWordList()[h[0]] where
// h = BLAKE2b-256("kintsugi invite v1" || InvitePassword(code)); it is only
// ever typed, never sent, and adds nothing to the password.
//
// The whole code (nameplate and the three words) is the password of the
// pairing key exchange (crypto/pake.h), so a man in the middle gets one online
// guess per attempt and learns nothing offline.
//
// Pure: no I/O. Thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "crypto/random.h"
#include "base/result.h"

namespace kintsugi::protocol {

inline constexpr std::size_t kInviteWords = 3;
inline constexpr std::uint16_t kMaxNameplate = 999;

// The 256 code words, index = byte value, in alphabetical order. Short,
// common, distinct English words (3 to 7 letters, a-z), no homophones, no two
// within one edit of each other and no two sharing their first three letters,
// so a typo is caught and the intended word can be named.
std::span<const std::string_view, 256> InviteWordList();

struct InviteCode {
  std::uint16_t nameplate = 0;                // 1..kMaxNameplate
  std::array<std::uint8_t, kInviteWords> words{};  // indexes into InviteWordList()

  bool operator==(const InviteCode&) const = default;
};

// A fresh code from `rng`: a uniformly random nameplate in 1..kMaxNameplate
// and three uniformly random words (which may repeat).
InviteCode NewInviteCode(crypto::RandomSource& rng);

// "417-amber-harbor-velvet-basket", the checksum word last.
// REQUIRES: 1 <= code.nameplate <= kMaxNameplate.
std::string FormatInviteCode(const InviteCode& code);

// Parses what a person typed: case, surrounding space, and any run of
// separators (spaces, tabs, newlines, dashes, dots, underscores) are forgiven,
// as are leading zeros in the number. Words are not completed or corrected.
// Fails with kInvalidArgument and a message that says which part is wrong: the
// shape ("expected a number and four words, like
// 417-amber-harbor-velvet-basket"; also for input over 200 bytes), a nameplate
// out of range, a word that is not a code word (naming the closest words when
// some are within two edits, or the word its first three letters begin), or a
// checksum mismatch ("a word is wrong or out of order"). The message repeats
// a typed word only when it is short printable ASCII.
Result<InviteCode> ParseInviteCode(std::string_view text);

// The canonical bytes of the code used as the key exchange's password:
// "417-amber-harbor-velvet" (no checksum word).
// REQUIRES: 1 <= code.nameplate <= kMaxNameplate.
std::string InvitePassword(const InviteCode& code);

}  // namespace kintsugi::protocol
