// The local IPC protocol between kintsugid and its clients (the window and
// kintsugictl): JSON requests and replies on a request socket, JSON events on
// a publish socket. docs/PROTOCOL.md, "Local IPC", is the normative text.
//
//   request  {"id": <number|string>, "method": "checkin", "params": {...}}
//   reply    {"id": ..., "ok": true,  "result": {...}}
//            {"id": ..., "ok": false, "error": {"code": "invalid_argument", "message": "..."}}
//   event    two frames: topic ("entry.appended"), then {"type": topic, ...}
//
// Pure: no I/O. Thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "base/result.h"

namespace kintsugi::protocol {

// Room for the largest entry's fields even when a client escapes every
// character as JSON's \uXXXX, 12 bytes for an emoji (the window and
// kintsugictl send UTF-8): tests/protocol/kinds_test.cc checks it.
inline constexpr std::size_t kMaxIpcRequestBytes = 512 * 1024;
// Replies may carry a page of the log; the client refuses anything larger.
inline constexpr std::size_t kMaxIpcReplyBytes = 16 * 1024 * 1024;
// Frames over this size make ZeroMQ drop the connection before we see them;
// up to it, an oversized request is answered with too_large.
inline constexpr std::size_t kIpcTransportLimitBytes = 16 * 1024 * 1024;

// Every method, declared once.
enum class Method {
  kInit, kStatus, kCheckIn, kLog, kVerify,
  kPairInvite, kPairJoin, kPairStatus, kPairConfirm, kPairCarry, kPeers, kPeerAdd,
  kAppend, kAgreements, kPending, kTimeline, kTrends, kTogether, kNoteAdd, kNotes, kNoteDelete,
  kUnlock, kLock, kPassphraseSet, kPassphraseRemove, kBackup, kRestore,
  kExport,
  kSharingStatus, kSharingPause, kSharingResume, kSharingLeave, kSharingWithdrawMine,
  kNotifyStatus, kNotifySet, kNotifyTest,
};

struct MethodSpec {
  Method method;
  std::string_view name;
  bool needs_ledger;  // refused with failed_precondition before `init`
  // Derives a key from a passphrase (Argon2id: half a second, several on a
  // loaded machine): clients wait longer for its reply.
  bool derives_key = false;
};

inline constexpr MethodSpec kMethods[] = {
    {Method::kInit, "init", false, true},
    {Method::kStatus, "status", false},
    {Method::kCheckIn, "checkin", true},
    {Method::kLog, "log", true},
    {Method::kVerify, "verify", true},
    {Method::kPairInvite, "pair.invite", true},
    {Method::kPairJoin, "pair.join", true},
    {Method::kPairStatus, "pair.status", true},
    {Method::kPairConfirm, "pair.confirm", true},
    {Method::kPairCarry, "pair.carry", true},
    {Method::kPeers, "peers", true},
    {Method::kPeerAdd, "peer.add", true},
    {Method::kAppend, "append", true},
    {Method::kAgreements, "view.agreements", true},
    {Method::kPending, "view.pending", true},
    {Method::kTimeline, "view.timeline", true},
    {Method::kTrends, "view.trends", true},
    {Method::kTogether, "view.together", true},
    {Method::kNoteAdd, "note.add", true},
    {Method::kNotes, "note.list", true},
    {Method::kNoteDelete, "note.delete", true},
    {Method::kUnlock, "unlock", true, true},
    {Method::kLock, "lock", true},
    {Method::kPassphraseSet, "passphrase.set", true, true},
    {Method::kPassphraseRemove, "passphrase.remove", true, true},
    {Method::kBackup, "backup", true, true},
    {Method::kRestore, "restore", false, true},
    {Method::kExport, "export", true},
    {Method::kSharingStatus, "sharing.status", true},
    {Method::kSharingPause, "sharing.pause", true},
    {Method::kSharingResume, "sharing.resume", true},
    {Method::kSharingLeave, "sharing.leave", true},
    {Method::kSharingWithdrawMine, "sharing.withdraw_mine", true},
    {Method::kNotifyStatus, "notify.status", false},
    {Method::kNotifySet, "notify.set", false},
    {Method::kNotifyTest, "notify.test", false},
};

std::optional<MethodSpec> FindMethod(std::string_view name);
// The method's name on the wire ("sharing.status").
std::string_view MethodName(Method method);

// Event topics on the publish socket.
inline constexpr std::string_view kEventEntryAppended = "entry.appended";
inline constexpr std::string_view kEventPeerUp = "peer.up";
inline constexpr std::string_view kEventPeerDown = "peer.down";
inline constexpr std::string_view kEventSyncProgress = "sync.progress";
inline constexpr std::string_view kEventForkDetected = "fork.detected";
// The partner's database was reset or restored (its index id changed).
inline constexpr std::string_view kEventPeerReset = "peer.reset";
inline constexpr std::string_view kEventPaired = "pair.completed";
inline constexpr std::string_view kEventLocked = "vault.locked";
inline constexpr std::string_view kEventUnlocked = "vault.unlocked";
inline constexpr std::string_view kEventSharingChanged = "sharing.changed";
inline constexpr std::string_view kEventVerifyFailed = "verify.failed";
// A notification was clicked while the window runs: it shows `screen`.
inline constexpr std::string_view kEventWindowOpen = "window.open";

struct IpcRequest {
  nlohmann::json id;  // echoed in the reply; null when absent
  MethodSpec method;
  nlohmann::json params;  // always an object
};

// A request that could not be parsed, with whatever id could be recovered so
// the reply still reaches the right caller.
struct IpcRequestError {
  nlohmann::json id;
  Error error;
};

// The error for a request of `bytes` over kMaxIpcRequestBytes, naming the limit.
Error RequestTooLarge(std::size_t bytes);

// Parses one request frame. Fails with kTooLarge over kMaxIpcRequestBytes
// (with the request's id, read without parsing the rest, so it is answered),
// kMalformed for anything that is not the shape above, kUnknownMethod for a
// method not in kMethods.
Result<IpcRequest, IpcRequestError> ParseIpcRequest(ByteView frame);

std::string EncodeIpcRequest(const nlohmann::json& id, std::string_view method,
                             const nlohmann::json& params);
std::string EncodeIpcResult(const nlohmann::json& id, const nlohmann::json& result);
std::string EncodeIpcError(const nlohmann::json& id, const Error& error);

struct IpcReply {
  nlohmann::json id;
  Result<nlohmann::json> outcome;  // the result, or the Error the daemon sent
};

// Parses a reply frame. Fails with kMalformed when the frame is not a reply
// and kTooLarge over kMaxIpcReplyBytes.
Result<IpcReply> ParseIpcReply(ByteView frame);

// An event frame: `data` (an object; anything else is wrapped as {"data": ...})
// with "type" set to `topic`.
std::string EncodeIpcEvent(std::string_view topic, nlohmann::json data);

// JSON text for IPC frames: invalid UTF-8 is replaced, never thrown on.
std::string DumpJson(const nlohmann::json& j);

// A declared reply or event (protocol/ipc_messages.h, ipc_events.h) read
// from its JSON; nullopt when a field has the wrong type (a missing one
// takes its default).
template <class Message>
std::optional<Message> ReadMessage(const nlohmann::json& data) {
  try {
    return data.get<Message>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace kintsugi::protocol
