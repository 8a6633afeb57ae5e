// The window's screens: thin ImGui drawing over the ViewModel. Each screen
// reads the view-model and calls it when a person acts; what is drawn from
// one frame to the next that is not the ledger's (an open "decline" box, a
// filter) lives in ScreenState.
//
// Thread-safety: the window's thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ui/view_model.h"

namespace kintsugi::ui {

// Records where named widgets were drawn, for tests that click them with
// real input events (xdotool). Off unless the window was started with
// KINTSUGI_UI_PROBE=FILE; then every frame's rectangles are written there.
class Probe {
 public:
  static Probe& Get();
  void Enable(std::string path) { path_ = std::move(path); }
  bool enabled() const { return !path_.empty(); }
  // The last drawn item, under `name` (and as "focused" when it has the keyboard).
  void Mark(const std::string& name);
  // Writes the rectangles of this frame (when they changed) and starts anew.
  void EndFrame(const std::string& screen);
  // Adds one to a count kept for the window's life (written with each frame):
  // how often something was seen, such as a frame drawn while busy.
  void Count(const std::string& name) {
    if (enabled()) ++counts_[name];
  }
  // What the font atlas holds and what the last frame could not draw
  // (Fonts::Describe), written with the next frame.
  void SetGlyphs(nlohmann::json glyphs) { glyphs_ = std::move(glyphs); }
  // How many requests to the daemon are under way (ViewModel::in_flight).
  void SetWaiting(std::size_t requests) { waiting_ = requests; }

 private:
  std::string path_;
  std::map<std::string, std::array<float, 4>> items_;
  std::string focused_;  // the marked item with the keyboard, if any
  std::string last_written_;
  nlohmann::json glyphs_;
  std::map<std::string, int> counts_;
  std::size_t waiting_ = 0;
};

struct ScreenState {
  std::string decline_reason;
  std::string amend_text;
  std::string open_agreement;  // id of the agreement whose details are open
  std::string reflection;
  std::string confirm_withdraw;  // id of the entry whose withdrawal awaits a yes
  int timeline_kind = 0;       // index into the kind filter
  int timeline_author = 0;     // 0 both, 1 me, 2 partner
  bool dark = false;
  float scale = 1;             // the content scale the font and sizes are made for
  float scroll_step = 0;       // > 0: the timeline scrolls by this much each frame (measurements)
  // The timeline's rows grow to hold their words: the height of each row as
  // last drawn (estimated as one line until then), for placing the rows out
  // of view; kept while the rows stay (pages come in below, new entries on
  // top) and the width stays the same.
  std::vector<float> row_heights;
  std::uint64_t rows_generation = ~std::uint64_t{0};
  std::string rows_first;  // id of the first row when the heights were kept
  float rows_width = 0;
};

// Draws the whole window content for the current screen.
void DrawWindow(ViewModel& vm, ScreenState& state);

// Applies the light or dark theme, scaled for `scale` (content scale).
void ApplyTheme(bool dark, float scale);

}  // namespace kintsugi::ui
