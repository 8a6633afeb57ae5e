// The timeline: every entry of the two of you, newest first, filtered by
// kind, author and days; rows grow to hold their words and only those in view
// are drawn; your own entries are corrected or withdrawn from a row's menu.
#include <imgui.h>
#include <imgui_internal.h>

#include <optional>
#include <string>
#include <vector>

#include "protocol/kinds.h"
#include "ui/screens_internal.h"

namespace kintsugi::ui {

using nlohmann::json;

// --- Timeline ----------------------------------------------------------------

namespace {

// How many rows came in above the row that was first (`first`, its id):
// none for a page added below, the new entries for a read that found them;
// nothing when that row is not among the first rows (other rows: the filters
// changed), or there was none.
std::optional<std::size_t> RowsComeInOnTop(const std::vector<protocol::TimelineEntry>& entries,
                                           const std::string& first) {
  constexpr std::size_t kLookAt = 1000;  // more new entries than a read brings at once
  if (first.empty()) return std::nullopt;
  for (std::size_t i = 0; i < entries.size() && i < kLookAt; ++i) {
    if (entries[i].id == first) return i;
  }
  return std::nullopt;
}

}  // namespace

void DrawTimeline(ViewModel& vm, ScreenState& state) {
  // Every kind of the kinds table, then the withdrawn entries: one list, never
  // a second; shown in words, filtered by name.
  static const std::vector<std::string> kKindNames = [] {
    std::vector<std::string> kinds{"all"};
    for (const auto& spec : protocol::Kinds()) kinds.emplace_back(spec.name);
    kinds.emplace_back("withdrawn");
    return kinds;
  }();
  static const std::vector<std::string> kKindLabels = [] {
    std::vector<std::string> labels{"Everything"};
    for (std::size_t i = 1; i < kKindNames.size(); ++i) labels.push_back(KindWords(kKindNames[i]));
    return labels;
  }();
  static const std::vector<const char*> kKinds = [] {
    std::vector<const char*> items;
    for (const auto& label : kKindLabels) items.push_back(label.c_str());
    return items;
  }();
  static const char* kAuthors[] = {"both of us", "me", "my partner"};
  ImGui::SetNextItemWidth(180);
  bool changed = ImGui::Combo("kind", &state.timeline_kind, kKinds.data(), static_cast<int>(kKinds.size()));
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160);
  changed |= ImGui::Combo("who", &state.timeline_author, kAuthors, IM_ARRAYSIZE(kAuthors));
  if (changed) {
    vm.SetTimelineFilter(state.timeline_kind == 0 ? "" : kKindNames[static_cast<std::size_t>(state.timeline_kind)],
                         state.timeline_author == 0 ? "" : state.timeline_author == 1 ? "me" : "partner");
  }
  // The days and Show stay together, on this line when they fit (the
  // demo's 760 px do not), else on the next.
  const ImGuiStyle& style = ImGui::GetStyle();
  SameLineIfRoom(2 * 110 + ImGui::CalcTextSize("Show").x + style.FramePadding.x * 2 + 2 * style.ItemSpacing.x);
  ImGui::SetNextItemWidth(110);
  bool enter = EditTextWithHint("##from", "from day", &vm.timeline_from_input,
                                        ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  enter |= EditTextWithHint("##to", "to day", &vm.timeline_to_input, ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if (Button("Show") || enter) vm.ApplyTimelineDays();
  NoticeAt(vm, "");
  Hint("Right-click one of your own entries to correct or withdraw it.");
  if (vm.paired() && !vm.read_only()) {
    ImGui::SameLine();
    Primary();
    if (Button("I have read these", !vm.timeline().empty())) {
      vm.NoticeBeside("read");
      vm.MarkRead();
    }
    NoticeAt(vm, "read");
  }
  ImGui::BeginChild("entries", ImVec2(0, 0), false);
  const auto& entries = vm.timeline();
  // Rows grow to hold their words (wrapped, in reading order). Only the rows
  // in view are drawn; the others take the height they had when last drawn.
  const float width = ImGui::GetContentRegionAvail().x;
  const float spacing = ImGui::GetStyle().ItemSpacing.y;
  const float one_line = ImGui::GetTextLineHeight() + spacing;
  const float start_y = ImGui::GetCursorPosY();  // before the scroll may move, below
  if (state.rows_width != width) {
    state.rows_width = width;
    state.row_heights.assign(entries.size(), one_line);
  }
  if (state.rows_generation != vm.timeline_generation()) {
    // The rows changed while they are read: a page read below, or a new
    // entry (the partner's, most often) come in on top. The rows still
    // there keep their heights, and the view moves down with the rows that
    // came in above it, so the words being read stay where they are.
    state.rows_generation = vm.timeline_generation();
    Probe::Get().Count("timeline rows changed");
    const std::optional<std::size_t> on_top = RowsComeInOnTop(entries, state.rows_first);
    if (!on_top) {
      state.row_heights.assign(entries.size(), one_line);  // other rows (filters changed): estimated anew
    } else if (*on_top > 0) {
      state.row_heights.insert(state.row_heights.begin(), *on_top, one_line);
      if (ImGui::GetScrollY() > 0) {
        // This frame, not the next (SetScrollY waits a frame, and an idle
        // window may draw no next frame): the rows are placed below against
        // the scroll as it is now.
        ImGui::GetCurrentWindow()->Scroll.y += static_cast<float>(*on_top) * one_line;
      }
    }
    state.rows_first = entries.empty() ? "" : entries.front().id;
  }
  state.row_heights.resize(entries.size(), one_line);
  const float view_top = ImGui::GetScrollY();
  const float view_bottom = view_top + ImGui::GetWindowHeight();
  float y = start_y;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    float& height = state.row_heights[i];
    if (y + height < view_top || y > view_bottom) {
      y += height;
      continue;
    }
    {
      const protocol::TimelineEntry& e = entries[i];
      std::string line = ShortTime(e.time) + "  " + e.name + " " + vm.DescribeEntry(e);
      if (!e.corrections.empty()) line += "  (corrected)";
      if (!e.verified) line += "  (does not verify!)";
      if (!e.applied && !e.withdrawn) line += "  (no effect: " + e.reason + ")";
      ImGui::PushID(static_cast<int>(i));
      // A row-sized selectable (for the pointer and the right-click menu),
      // then the words over it; the row takes the words' height from the
      // next frame on.
      ImGui::SetCursorPosY(y);
      if (e.author != vm.me()) {
        // The partner's words on their own warm colour, as on Today.
        const ImVec2 at = ImGui::GetCursorScreenPos();
        ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(at.x - 4, at.y - spacing / 2 + 1),
                                                  ImVec2(at.x + width, at.y + height - spacing / 2 - 1),
                                                  PartnerColour(), 3);
      }
      ImGui::Selectable("##row", false, ImGuiSelectableFlags_AllowItemOverlap, ImVec2(0, height - spacing));
      Probe::Get().Mark("entry:" + line);
      const bool mine = e.author == vm.me() && !e.withdrawn && !vm.read_only();
      if (mine && ImGui::IsItemHovered() && ImGui::IsMouseReleased(ImGuiMouseButton_Right)) ImGui::OpenPopup("entry");
      ImGui::SetCursorPosY(y);
      ImGui::PushTextWrapPos(0.0f);
      ImGui::BeginGroup();
      Wrapped(line);
      NoticeAt(vm, "entry:" + e.id);  // what its correction or withdrawal did, under it
      ImGui::EndGroup();
      ImGui::PopTextWrapPos();
      height = ImGui::GetItemRectSize().y + spacing;
      y += height;
      if (mine && ImGui::BeginPopup("entry")) {
        Line("Your entry");
        ImGui::SetNextItemWidth(360);
        EditTextWithHint("##correction", "the correction", &vm.correction_input);
        Probe::Get().Mark("field:the correction");
        if (WriteButton("Correct it", !vm.correction_input.empty(),
                        vm.ProblemWith({{"kind", "correct"}, {"ref", e.id}, {"text", vm.correction_input}}))) {
          vm.NoticeBeside("entry:" + e.id);
          vm.Correct(e.id);
          ImGui::CloseCurrentPopup();
        }
        Hint("Withdrawing destroys the words on both devices; the timeline keeps a mark.");
        if (state.confirm_withdraw != e.id) {
          if (Button("Withdraw it")) state.confirm_withdraw = e.id;
        } else {
          WrappedF("Withdraw it for good? Its words cannot be brought back.");
          if (Button("Yes, withdraw it")) {
            vm.NoticeBeside("entry:" + e.id);
            vm.Withdraw(e.id);
            state.confirm_withdraw.clear();
            ImGui::CloseCurrentPopup();
          }
          ImGui::SameLine();
          if (Button("Keep it")) state.confirm_withdraw.clear();
        }
        ImGui::EndPopup();
      }
      ImGui::PopID();
    }
  }
  // The room the rows take, those out of view included, so the scroll bar
  // measures them all.
  ImGui::SetCursorPosY(y);
  ImGui::Dummy(ImVec2(1, 0));
  if (state.scroll_step > 0) ImGui::SetScrollY(ImGui::GetScrollY() + state.scroll_step);
  // The next page is asked for two screens ahead, so it is there before
  // the rows run out; the frames go on drawing while it is read.
  if (vm.timeline_has_more() && ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 2 * ImGui::GetWindowHeight()) {
    vm.LoadMoreTimeline();
  }
  ImGui::EndChild();
}

}  // namespace kintsugi::ui
