// The Progress screen: each partner's mood and trust as line charts (daily
// points and 7-day averages, drawn on ImGui's draw lists with axes, labels and
// the values under the pointer), the weekly table, how agreements are kept,
// and the phase the couple is in.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "protocol/kinds.h"
#include "ui/screens_internal.h"

namespace kintsugi::ui {
namespace {

using nlohmann::json;

constexpr const char* kPhaseWords[][2] = {
    {"atone", "Atone: the one who broke trust takes responsibility, answers questions honestly, and "
              "shows remorse without asking for quick forgiveness."},
    {"attune", "Attune: both learn to turn toward each other again, talk about hard things safely, and "
               "rebuild the friendship."},
    {"attach", "Attach: closeness and trust return in small steps; new rituals hold you together."},
};

const char* kExpect =
    "Rebuilding trust usually takes twelve to twenty-four months, and it is rarely a straight line. "
    "Bad days after good weeks are part of it, not a sign it is failing. What helps is steady: promises "
    "kept visibly, honest check-ins, and time together.";


struct Series {
  std::string label;
  std::vector<std::pair<float, float>> points;  // x in [0, 1], y in value units
  ImU32 color;
  bool dashed = false;
};

// A line chart with axes, y labels every `y_step`, x labels at the ends and
// the value under the pointer.
void LineChart(const char* id, const std::vector<Series>& series, float y_min, float y_max, float y_step,
               const std::string& x_left, const std::string& x_right, float height) {
  ImGui::PushID(id);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x;
  const float pad_left = ImGui::CalcTextSize("10").x + 10;
  const float pad_bottom = ImGui::GetTextLineHeight() + 6;
  const ImVec2 a(origin.x + pad_left, origin.y);
  const ImVec2 b(origin.x + width - 8, origin.y + height - pad_bottom);
  const ImU32 axis = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const ImU32 grid = ImGui::GetColorU32(ImGuiCol_Separator, 0.5f);
  auto to_screen = [&](float x, float y) {
    return ImVec2(a.x + x * (b.x - a.x), b.y - (y - y_min) / (y_max - y_min) * (b.y - a.y));
  };
  for (float y = y_min; y <= y_max + 0.001f; y += y_step) {
    ImVec2 p = to_screen(0, y);
    draw->AddLine(ImVec2(a.x, p.y), ImVec2(b.x, p.y), grid);
    char label[16];
    std::snprintf(label, sizeof label, "%.0f", y);
    draw->AddText(ImVec2(origin.x, p.y - ImGui::GetTextLineHeight() / 2), axis, label);
  }
  draw->AddLine(ImVec2(a.x, b.y), ImVec2(b.x, b.y), axis);
  draw->AddLine(ImVec2(a.x, a.y), ImVec2(a.x, b.y), axis);
  draw->AddText(ImVec2(a.x, b.y + 3), axis, x_left.c_str());
  const float right_w = ImGui::CalcTextSize(x_right.c_str()).x;
  draw->AddText(ImVec2(b.x - right_w, b.y + 3), axis, x_right.c_str());
  for (const auto& s : series) {
    for (std::size_t i = 1; i < s.points.size(); ++i) {
      draw->AddLine(to_screen(s.points[i - 1].first, s.points[i - 1].second),
                    to_screen(s.points[i].first, s.points[i].second), s.color, s.dashed ? 1.0f : 2.0f);
    }
    for (const auto& p : s.points) {
      if (!s.dashed) draw->AddCircleFilled(to_screen(p.first, p.second), 2.5f, s.color);
    }
  }
  ImGui::InvisibleButton("chart", ImVec2(width, height));
  if (ImGui::IsItemHovered()) {
    const float mx = (ImGui::GetIO().MousePos.x - a.x) / std::max(1.0f, b.x - a.x);
    ImGui::BeginTooltip();
    for (const auto& s : series) {
      const std::pair<float, float>* best = nullptr;
      for (const auto& p : s.points) {
        if (!best || std::fabs(p.first - mx) < std::fabs(best->first - mx)) best = &p;
      }
      if (best) TextF("%s: %.1f", s.label.c_str(), best->second);
    }
    ImGui::EndTooltip();
  }
  ImGui::PopID();
}

// Who is which colour, and what the thick and thin lines are: readable
// without hovering.
void Legend(const std::vector<std::pair<std::string, ImU32>>& people) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float h = ImGui::GetTextLineHeight();
  bool first = true;
  for (const auto& [name, color] : people) {
    if (!first) ImGui::SameLine(0, 18);
    first = false;
    const ImVec2 at = ImGui::GetCursorScreenPos();
    draw->AddRectFilled(ImVec2(at.x, at.y + h * 0.25f), ImVec2(at.x + h * 0.5f, at.y + h * 0.75f), color);
    ImGui::Dummy(ImVec2(h * 0.5f, h));
    ImGui::SameLine();
    Line(name.c_str());
    Probe::Get().Mark("legend:" + name);
  }
  ImGui::SameLine(0, 18);
  ImGui::TextDisabled("thick: each day; thin: the average of seven days");
}

}  // namespace

void DrawProgress(ViewModel& vm) {
  const protocol::TrendsReply& trends = vm.trends();
  const auto& members = trends.members;
  std::string from = trends.from;
  const std::string to = trends.to;
  // The charts start where the data does, within the range asked for.
  std::string earliest = to;
  for (const auto& [author, m] : members) {
    if (!m.days.empty() && m.days[0].date < earliest) earliest = m.days[0].date;
  }
  if (earliest > from) from = earliest;
  const auto last = protocol::DayFromDate(to).value_or(0);
  // At least a week across, so that a first check-in is a point on a short
  // chart rather than alone at the edge of ninety empty days.
  auto first = std::min(protocol::DayFromDate(from).value_or(last - 6), last - 6);
  from = protocol::DateFromDay(first);
  std::size_t days_with_data = 0;
  for (const auto& [author, m] : members) days_with_data = std::max(days_with_data, m.days.size());
  const float span = static_cast<float>(std::max<std::int64_t>(1, last - first));
  static const ImU32 kColors[] = {IM_COL32(70, 130, 180, 255), IM_COL32(205, 120, 60, 255)};
  using Scale = std::optional<double> protocol::TrendDay::*;
  for (const auto& [measure, scale, scale_avg7] :
       {std::tuple<const char*, Scale, Scale>{"mood", &protocol::TrendDay::mood, &protocol::TrendDay::mood_avg7},
        {"trust", &protocol::TrendDay::trust, &protocol::TrendDay::trust_avg7}}) {
    std::vector<Series> series;
    int n = 0;
    for (const auto& [author, m] : members) {
      Series daily{m.name + " " + measure, {}, kColors[n % 2]};
      Series avg{"7-day average", {}, kColors[n % 2], true};
      for (const protocol::TrendDay& d : m.days) {
        if (!(d.*scale)) continue;
        const float x = static_cast<float>(protocol::DayFromDate(d.date).value_or(first) - first) / span;
        daily.points.push_back({x, static_cast<float>(*(d.*scale))});
        avg.points.push_back({x, static_cast<float>((d.*scale_avg7).value_or(0.0))});
      }
      series.push_back(std::move(daily));
      series.push_back(std::move(avg));
      ++n;
    }
    Heading(measure == std::string("mood") ? "Mood, each day and over seven days" : "Trust, each day and over seven days");
    std::vector<std::pair<std::string, ImU32>> people;
    int c = 0;
    for (const auto& [author, m] : members) people.emplace_back(m.name, kColors[c++ % 2]);
    Legend(people);
    LineChart(measure, series, 0, 10, 2, from, to, 180);
    if (days_with_data < 7 && measure == std::string("mood")) {
      Hint("Each day either of you checks in adds a point. After a week the thin lines show how things move "
           "over seven days; the weeks and months after show the trend, setbacks included.");
      Probe::Get().Mark("progress:new couple");
    }
  }
  Heading("Each week");
  if (ImGui::BeginTable("weeks", 5, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg)) {
    for (const char* h : {"week", "who", "appreciations", "triggers", "meetings"}) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (const auto& [author, m] : members) {
      for (const protocol::TrendWeek& w : m.weeks) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        Line(w.week.c_str());
        ImGui::TableNextColumn();
        Line(m.name.c_str());
        ImGui::TableNextColumn();
        TextF("%lld", static_cast<long long>(w.appreciations));
        ImGui::TableNextColumn();
        TextF("%lld", static_cast<long long>(w.triggers));
        ImGui::TableNextColumn();
        TextF("%lld", static_cast<long long>(w.meetings));
      }
    }
    ImGui::EndTable();
  }
  Heading("How agreements are kept");
  for (const protocol::AgreementKept& k : trends.agreements) {
    const long long kept = k.kept, struggled = k.struggled, missed = k.missed;
    const long long total = std::max(1LL, kept + struggled + missed);
    std::string title;
    for (const protocol::AgreementView& a : vm.agreements().agreements) {
      if (a.id == k.agreement) title = a.title;
    }
    ImGui::ProgressBar(static_cast<float>(kept) / static_cast<float>(total), ImVec2(200, 0));
    ImGui::SameLine();
    TextF("%s: kept %lld, struggled %lld, missed %lld", title.c_str(), kept, struggled, missed);
  }
  Heading("Where you are");
  const protocol::PhaseNow& phase = trends.phase;
  const std::string& current = phase.current;
  if (current.empty()) {
    Hint("You have not named a phase together yet.");
  } else {
    for (const auto& p : kPhaseWords) {
      if (current == p[0]) Wrapped(p[1]);
    }
  }
  if (phase.days_since_breach) {
    const long long days = *phase.days_since_breach;
    WrappedF("%lld %s since you named what broke trust. Every one of them is part of the repair.", days,
                       days == 1 ? "day" : "days");
  }
  Wrapped(kExpect);
  if (vm.read_only()) return;
  Heading("Name where you are, together");
  Hint("Propose the phase you think the two of you are in; it takes effect when your partner agrees.");
  for (const auto& p : kPhaseWords) {
    if (Button(p[0])) {
      vm.NoticeBeside("phase");
      vm.ProposePhase(p[0]);
    }
    ImGui::SameLine();
    Hint(p[1]);
  }
  NoticeAt(vm, "phase");
  NoticeAt(vm, "");
}

}  // namespace kintsugi::ui
