// Engine: entries of every kind, the timeline and private notes (see engine.h).
#include <ctime>

#include "base/local_time.h"
#include "crypto/aead.h"
#include "crypto/pake.h"
#include "daemon/engine.h"
#include "protocol/hlc.h"
#include "protocol/kinds.h"

namespace kintsugi::daemon {
namespace {

constexpr char kNoteContext[] = "kintsugi private note v1";
constexpr std::size_t kMaxNoteCharacters = 8000;

ByteView NoteAd() { return ByteView(reinterpret_cast<const std::uint8_t*>(kNoteContext), sizeof kNoteContext - 1); }

}  // namespace

Result<AppendedEntry> Engine::AppendKind(protocol::Body body) {
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
  if (body.kind == protocol::Kind::kMember) {
    return MakeError(ErrorCode::kInvalidArgument, "members are introduced by init and pairing, not appended");
  }
  if (!body.json.contains("tz")) body.json["tz"] = base::LocalOffsetSeconds(clock_.NowMillis()) / 60;
  const crypto::PublicKey& self = keys_->identity.public_key();
  auto head = store_->Head(keys_->ledger_id, self);
  if (!head.ok()) return head.take_error();
  protocol::FoldEntry next;
  next.author = self;
  next.seq = head->seq + 1;
  next.hlc = hlc_.last() + 1;
  next.stamp = UINT64_MAX;
  next.body = body.json;
  protocol::Effect effect = views_->Check(next);
  if (!effect.applied) return MakeError(ErrorCode::kFailedPrecondition, effect.reason);
  if (body.kind == protocol::Kind::kWithdraw) {
    // Agreements and the answers to them are the couple's shared record.
    auto place = store_->FindInTimeline(keys_->ledger_id, *effect.ref);
    if (!place.ok()) return place.take_error();
    auto target = views_->EffectOf((*place)->entry_rowid);
    if (!target.ok() && target.error().code == ErrorCode::kCorrupt) {
      KINTSUGI_RETURN_IF_ERROR(RebuildViews(target.error()));
      target = views_->EffectOf((*place)->entry_rowid);
    }
    if (!target.ok()) return target.take_error();
    auto kind = target->has_value() ? protocol::KindFromName((*target)->kind) : std::nullopt;
    if (kind == protocol::Kind::kWithdraw) {
      return MakeError(ErrorCode::kFailedPrecondition, "a withdrawal cannot itself be withdrawn");
    }
    if (kind && protocol::IsAgreementRecord(*kind)) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "agreements, answers and phases stay on the record: propose to amend or retire the "
                       "agreement instead");
    }
  }
  return AppendBody(std::string(protocol::KindName(body.kind)), protocol::EncodeBody(body));
}

Result<std::vector<Engine::TimelineEntry>> Engine::Timeline(const TimelineQuery& query) {
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
  auto items = views_->Timeline(query);
  if (!items.ok() && items.error().code == ErrorCode::kCorrupt) {
    KINTSUGI_RETURN_IF_ERROR(RebuildViews(items.error()));
    items = views_->Timeline(query);
  }
  if (!items.ok()) return items.take_error();
  std::vector<TimelineEntry> out;
  out.reserve(items->size());
  for (auto& item : *items) {
    auto row = store_->EntryByRowid(item.entry_rowid);
    if (!row.ok()) return row.take_error();
    if (!row->has_value()) continue;
    out.push_back({ReadItem(**row), std::move(item.effect), item.key});
  }
  return out;
}

crypto::SymmetricKey Engine::NoteKey() const {
  auto derived = crypto::DeriveKey(keys_->identity.seed(), "kntsnote", 1);
  return std::move(crypto::SymmetricKey::FromBytes(derived.span())).value();
}

Result<std::int64_t> Engine::AddNote(const std::string& text) {
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "text must not be empty");
  }
  if (protocol::CountCharacters(text) > kMaxNoteCharacters) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "text is longer than " + std::to_string(kMaxNoteCharacters) + " characters");
  }
  Bytes sealed = crypto::SealWithRandomNonce(
      NoteKey(), rng_, ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), NoteAd());
  return store_->AddNote(clock_.NowMillis(), sealed);
}

Result<std::vector<protocol::Note>> Engine::Notes() {
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
  auto rows = store_->Notes();
  if (!rows.ok()) return rows.take_error();
  const crypto::SymmetricKey key = NoteKey();
  std::vector<protocol::Note> notes;
  notes.reserve(rows->size());
  for (const auto& row : *rows) {
    protocol::Note& note = notes.emplace_back();
    note.id = row.id;
    note.time = protocol::FormatUtcMillis(row.created_ms);
    auto text = crypto::OpenWithNonce(key, row.sealed, NoteAd());
    if (text.ok()) {
      note.text.assign(text->begin(), text->end());
    } else {
      note.unreadable = true;
    }
  }
  return notes;
}

Result<bool> Engine::DeleteNote(std::int64_t id) {
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
  auto deleted = store_->DeleteNote(id);
  if (!deleted.ok() || !*deleted) return deleted;
  // Gone from the files at once, not at the next clean stop: secure_delete
  // zeroed the row in the page; the checkpoint writes that page over the old
  // one in ledger.db and truncates the log that still held the old version.
  KINTSUGI_RETURN_IF_ERROR(store_->CheckpointAndTruncate());
  return true;
}

}  // namespace kintsugi::daemon
