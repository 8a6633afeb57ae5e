// The window's font atlas: a real glyph for every character it is asked to
// draw, from the fonts installed on this machine, found through fontconfig.
//
// Dear ImGui 1.86 bakes its glyphs into one texture before a frame, so the
// atlas holds the scripts people commonly write (Latin with every diacritic,
// Greek, Cyrillic, Hebrew, Arabic, punctuation) and, besides, only the
// characters it has met: each screen notes what it draws (Note), and a
// character not yet in the atlas has it built again between two frames. CJK
// and emoji, the large sets, cost only what is written (CJK and Hangul by
// pages of 128 characters, so that typing builds it again once per page).
// Font files are mapped, not read: a 19 MB CJK collection costs the pages
// of the glyphs used, for the time of the build.
//
// Emoji come from the colour emoji font when there is one (its bitmaps scaled
// to the text); characters beyond U+FFFF are drawn in their Private Use slots
// (ui/text.h) with glyphs rasterised here. Invisible characters (variation
// selectors, joiners, bidi controls) take no room.
//
// Thread-safety: the window's thread, between frames (Build) or inside one (Note).
#pragma once

#include <bitset>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

struct ImFont;

namespace kintsugi::ui {

class Fonts {
 public:
  static Fonts& Get();  // the window's
  Fonts(const Fonts&) = delete;
  Fonts& operator=(const Fonts&) = delete;
  ~Fonts();

  // Notes the characters of `drawn` (text as drawn: text::Drawn, a field's
  // ForField form); true when one of them is not in the atlas yet.
  bool Note(std::string_view drawn);
  // Whether a character noted since the last Build waits for a glyph.
  bool stale() const { return stale_; }
  // Builds ImGui's font atlas at `pixels` high for the common scripts and
  // every character noted, and the same characters again a size larger for
  // headings; the caller uploads the texture afterwards.
  void Build(float pixels);
  // The headings' font; null when the atlas holds only ImGui's own font
  // (no font found, or one FreeType could not read): draw with the default.
  ImFont* heading() const { return heading_; }

  // Characters noted that no font here has: each is drawn as U+FFFD.
  const std::set<char32_t>& missing() const { return missing_; }
  // How many glyphs the atlas holds, and the font files it was made from.
  nlohmann::json Describe() const;
  // How many U+FFFD (or '?') glyphs the last frame's draw data holds: each is
  // a character that could not be drawn. Call after ImGui::Render().
  static int CountReplacementsDrawn();

 private:
  Fonts();
  struct Face;
  struct Mapping;
  void FindFaces();
  int FaceFor(char32_t c) const;  // index into faces_, or -1
  void AddGlyphs(float pixels);

  std::vector<Face> faces_;       // text faces in fontconfig's order, then the emoji face
  int emoji_ = -1;                // index of the colour emoji face, if any
  bool found_ = false;
  std::bitset<0x10000> in_atlas_; // BMP characters (and slots) asked for so far
  std::set<char32_t> wanted_;     // every character noted (slots as their real character)
  std::set<char32_t> missing_;
  bool stale_ = true;
  std::vector<std::unique_ptr<Mapping>> mapped_;  // font files under the current atlas
  std::vector<std::vector<std::uint16_t>> ranges_; // ImGui keeps pointers to these
  int glyphs_ = 0;
  ImFont* heading_ = nullptr;     // in the atlas, after the text's font
  std::vector<std::string> files_used_;
};

}  // namespace kintsugi::ui
