// docs/PROTOCOL.md, section "Invite code".
#include "protocol/invite.h"

#include <algorithm>
#include <cassert>
#include <optional>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/hash.h"

namespace kintsugi::protocol {
namespace {

// Sorted, so that a word is found by binary search. Chosen to be said over the
// phone and typed by someone who has only heard them: concrete everyday words
// of 3 to 7 letters, spelled the same in British and American English (except
// "harbor"), no homophones, no numbers, no two within one edit of each other,
// and no two sharing their first three letters. The index of a word is part of
// the checksum, so this list is a format: never reorder or edit it.
constexpr std::array<std::string_view, 256> kWords = {
    "acorn", "actor", "alarm", "album", "amber", "anchor", "ankle", "apple",  // 0
    "apron", "arrow", "aspen", "atlas", "attic", "avenue", "bacon", "badge",  // 8
    "bamboo", "banana", "barrel", "basket", "bench", "blanket", "boat", "bottle",  // 16
    "bread", "brick", "brush", "bucket", "butter", "cabin", "cactus", "camera",  // 24
    "candle", "carpet", "castle", "chair", "cheese", "chicken", "cider", "cinema",  // 32
    "circle", "cliff", "clock", "coconut", "coffee", "comet", "copper", "cotton",  // 40
    "crown", "daisy", "dance", "delta", "diamond", "dinner", "doctor", "dolphin",  // 48
    "dragon", "dream", "drum", "duck", "eagle", "earth", "echo", "edge",  // 56
    "elbow", "engine", "escape", "evening", "falcon", "family", "farmer", "feather",  // 64
    "field", "finger", "flame", "forest", "fox", "fridge", "frog", "fruit",  // 72
    "galaxy", "garden", "gentle", "ghost", "giant", "globe", "gold", "grape",  // 80
    "guitar", "habit", "hammer", "happy", "harbor", "hazel", "helmet", "hockey",  // 88
    "honey", "hotel", "hunter", "idea", "igloo", "image", "index", "insect",  // 96
    "iron", "ivory", "jacket", "jazz", "jelly", "jigsaw", "judge", "juice",  // 104
    "jungle", "kayak", "kettle", "king", "kitten", "kiwi", "koala", "ladder",  // 112
    "lamp", "lantern", "lemon", "lime", "lion", "lobster", "lucky", "lunch",  // 120
    "magnet", "mango", "maple", "marble", "melon", "milk", "mirror", "monkey",  // 128
    "moon", "mother", "mouse", "music", "napkin", "nature", "needle", "nickel",  // 136
    "noble", "noodle", "north", "novel", "nurse", "ocean", "octopus", "olive",  // 144
    "onion", "opera", "orange", "orbit", "otter", "oven", "owl", "oyster",  // 152
    "panda", "paper", "parrot", "pasta", "peach", "pencil", "piano", "picnic",  // 160
    "pillow", "pirate", "planet", "plum", "potato", "pumpkin", "puppy", "purple",  // 168
    "puzzle", "queen", "quilt", "quote", "rabbit", "radio", "rainbow", "raven",  // 176
    "riddle", "river", "robot", "rocket", "ruby", "saddle", "salad", "school",  // 184
    "season", "secret", "shadow", "shell", "silver", "sister", "sketch", "slice",  // 192
    "smile", "snail", "sofa", "soup", "spider", "spoon", "square", "stone",  // 200
    "sugar", "summer", "table", "taco", "target", "taxi", "temple", "tennis",  // 208
    "ticket", "tiger", "toast", "tomato", "torch", "tower", "trail", "tree",  // 216
    "trophy", "truck", "tulip", "turtle", "uncle", "unicorn", "urban", "valley",  // 224
    "velvet", "verse", "video", "village", "violin", "vivid", "waffle", "wagon",  // 232
    "walnut", "water", "welcome", "wheat", "window", "wizard", "wolf", "world",  // 240
    "yarn", "yellow", "yoga", "youth", "zebra", "zigzag", "zipper", "zone",  // 248
};
static_assert(std::is_sorted(kWords.begin(), kWords.end()));

constexpr std::string_view kChecksumContext = "kintsugi invite v1";
constexpr std::string_view kShapeError =
    "expected a number and four words, like 417-amber-harbor-velvet-basket";
// Longer input is not a mistyped code; refusing it early also bounds the work.
constexpr std::size_t kMaxInputBytes = 200;
// A typed word is shown back to the user only if it is this short.
constexpr std::size_t kMaxEchoedWordBytes = 24;
constexpr std::size_t kMaxSuggestDistance = 2;

bool IsSeparator(char c) {
  return c == '-' || c == '.' || c == '_' || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
         c == '\f' || c == '\v';
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Lowercased parts of `text` between runs of separators. Stops early once
// there are more parts than a code has.
std::vector<std::string> SplitParts(std::string_view text, std::size_t max_parts) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : text) {
    if (!IsSeparator(c)) {
      current.push_back(AsciiLower(c));
      continue;
    }
    if (current.empty()) continue;
    parts.push_back(std::move(current));
    current.clear();
    if (parts.size() > max_parts) return parts;
  }
  if (!current.empty()) parts.push_back(std::move(current));
  return parts;
}

std::optional<std::uint8_t> WordIndex(std::string_view word) {
  auto it = std::lower_bound(kWords.begin(), kWords.end(), word);
  if (it == kWords.end() || *it != word) return std::nullopt;
  return static_cast<std::uint8_t>(it - kWords.begin());
}

// Edit distance where an insertion, deletion, substitution or swap of two
// neighbouring letters each count one (optimal string alignment).
std::size_t EditDistance(std::string_view a, std::string_view b) {
  const std::size_t n = b.size();
  std::vector<std::size_t> before(n + 1), prev(n + 1), row(n + 1);
  for (std::size_t j = 0; j <= n; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (std::size_t j = 1; j <= n; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        row[j] = std::min(row[j], before[j - 2] + 1);
      }
    }
    std::swap(before, prev);
    std::swap(prev, row);
  }
  return prev[n];
}

// The code words a person who typed `typed` probably meant: the nearest words
// within kMaxSuggestDistance edits (the one sharing the typed first three
// letters if several are equally near), else the word those three letters
// begin. Empty when nothing is close, or when more than three words are.
std::vector<std::string_view> Suggestions(std::string_view typed) {
  std::optional<std::string_view> same_start;
  if (typed.size() >= 3) {
    auto it = std::lower_bound(kWords.begin(), kWords.end(), typed.substr(0, 3));
    if (it != kWords.end() && it->substr(0, 3) == typed.substr(0, 3)) same_start = *it;
  }
  std::vector<std::string_view> nearest;
  // A word of 7 letters is more than 2 edits from anything longer than 9.
  if (typed.size() <= 7 + kMaxSuggestDistance) {
    // Within two edits, but not by replacing everything that was typed.
    std::size_t best = std::min(kMaxSuggestDistance, typed.size() - 1);
    for (std::string_view word : kWords) {
      const std::size_t d = EditDistance(typed, word);
      if (d > best) continue;
      if (d < best) nearest.clear();
      best = d;
      nearest.push_back(word);
    }
  }
  if (nearest.empty()) {
    if (same_start) return {*same_start};
    return {};
  }
  if (same_start && std::find(nearest.begin(), nearest.end(), *same_start) != nearest.end()) {
    return {*same_start};
  }
  if (nearest.size() > 3) return {};
  return nearest;
}

bool IsEchoable(std::string_view typed) {
  return typed.size() <= kMaxEchoedWordBytes &&
         std::all_of(typed.begin(), typed.end(), [](char c) { return c > ' ' && c <= '~'; });
}

std::string UnknownWordMessage(std::size_t position, std::string_view typed) {
  std::string message = "word " + std::to_string(position);
  if (IsEchoable(typed)) message += ", \"" + std::string(typed) + "\",";
  message += " is not one of the code words";
  std::vector<std::string_view> suggestions = Suggestions(typed);
  for (std::size_t i = 0; i < suggestions.size(); ++i) {
    message += i == 0 ? "; did you mean \"" : (i + 1 == suggestions.size() ? " or \"" : ", \"");
    message += suggestions[i];
    message += '"';
  }
  if (!suggestions.empty()) message += '?';
  return message;
}

bool IsAllDigits(std::string_view part) {
  return std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The nameplate, or nullopt unless its value is in 1..kMaxNameplate (leading
// zeros are forgiven). REQUIRES: IsAllDigits(part).
std::optional<std::uint16_t> ParseNameplate(std::string_view part) {
  std::uint32_t value = 0;
  for (char c : part) {
    // Saturates: a long run of digits is simply too large.
    value = std::min<std::uint32_t>(value * 10 + static_cast<std::uint32_t>(c - '0'), 100000);
  }
  if (value < 1 || value > kMaxNameplate) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::uint8_t ChecksumWord(const InviteCode& code) {
  std::string password = InvitePassword(code);
  Hash32 digest = crypto::Blake2b256({AsBytes(kChecksumContext), AsBytes(password)});
  return digest[0];
}

}  // namespace

std::span<const std::string_view, 256> InviteWordList() { return kWords; }

InviteCode NewInviteCode(crypto::RandomSource& rng) {
  InviteCode code;
  // Ten random bits give 0..1023; redrawing outside 1..999 keeps every
  // nameplate equally likely (a modulo would favour some).
  while (code.nameplate < 1 || code.nameplate > kMaxNameplate) {
    std::array<std::uint8_t, 2> draw;
    rng.Fill(draw);
    code.nameplate = static_cast<std::uint16_t>((draw[0] & 0x03) << 8 | draw[1]);
  }
  rng.Fill(code.words);
  return code;
}

std::string InvitePassword(const InviteCode& code) {
  assert(code.nameplate >= 1 && code.nameplate <= kMaxNameplate);
  std::string out = std::to_string(code.nameplate);
  for (std::uint8_t word : code.words) {
    out += '-';
    out += kWords[word];
  }
  return out;
}

std::string FormatInviteCode(const InviteCode& code) {
  std::string out = InvitePassword(code);
  out += '-';
  out += kWords[ChecksumWord(code)];
  return out;
}

Result<InviteCode> ParseInviteCode(std::string_view text) {
  constexpr std::size_t kParts = 1 + kInviteWords + 1;
  std::vector<std::string> parts;
  if (text.size() <= kMaxInputBytes) parts = SplitParts(text, kParts);
  if (parts.size() != kParts || !IsAllDigits(parts[0])) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(kShapeError));
  }
  InviteCode code;
  auto nameplate = ParseNameplate(parts[0]);
  if (!nameplate) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the number at the start of the code must be between 1 and " +
                         std::to_string(kMaxNameplate));
  }
  code.nameplate = *nameplate;
  std::array<std::uint8_t, kInviteWords + 1> indexes{};
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    auto index = WordIndex(parts[i + 1]);
    if (!index) {
      return MakeError(ErrorCode::kInvalidArgument, UnknownWordMessage(i + 1, parts[i + 1]));
    }
    indexes[i] = *index;
  }
  std::copy_n(indexes.begin(), kInviteWords, code.words.begin());
  if (ChecksumWord(code) != indexes[kInviteWords]) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the code does not check out: a word is wrong or out of order");
  }
  return code;
}

}  // namespace kintsugi::protocol
