#include "ui/fonts.h"

#include <fcntl.h>
#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <imgui.h>
#include <imgui_freetype.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "base/files.h"
#include "protocol/utf8.h"
#include "ui/text.h"

namespace kintsugi::ui {
namespace {

// The scripts people commonly write, in the atlas from the start (a few
// thousand glyphs; the fonts decide which of these exist).
constexpr char32_t kCommon[][2] = {
    {0x0020, 0x02FF},  // Latin, its extensions, IPA, spacing modifiers
    {0x0300, 0x036F},  // combining diacritics
    {0x0370, 0x052F},  // Greek, Cyrillic
    {0x0590, 0x06FF},  // Hebrew, Arabic
    {0x1E00, 0x1FFF},  // Latin Extended Additional (Vietnamese), Greek Extended
    {0x2000, 0x20CF},  // punctuation, super- and subscripts, currency
    {0x2100, 0x22FF},  // letterlike symbols, number forms, arrows, mathematical operators
    {0x2500, 0x25FF},  // box drawing, blocks, geometric shapes
    {0xFB50, 0xFBFF},  // Arabic presentation forms A (Persian and Urdu letters)
    {0xFE70, 0xFEFF},  // Arabic presentation forms B (what shaping draws)
    {0xFFFD, 0xFFFD},  // the replacement character: what a missing glyph looks like
};

constexpr float kHeadingScale = 1.3f;  // a heading's letters against the text's

constexpr char32_t kPagedFrom = 0x2E80;  // CJK radicals onwards: scripts of thousands of characters

bool EmojiRange(char32_t c) {
  return (c >= 0x2300 && c <= 0x23FF) || (c >= 0x2600 && c <= 0x27BF) || (c >= 0x2B00 && c <= 0x2BFF) ||
         (c >= 0x1F000 && c <= 0x1FAFF);
}

// One glyph rasterised by FreeType as straight-alpha RGBA, `height` high at most.
struct Bitmap {
  int width = 0, height = 0;
  float left = 0, top = 0, advance = 0;  // pixels; top is the distance above the baseline
  bool color = false;
  std::vector<std::uint8_t> rgba;
};

// A colour bitmap (premultiplied BGRA at the font's fixed size) scaled by area
// averaging to fit `pixels`; a grey outline glyph rendered at `pixels`.
Bitmap Rasterise(FT_Library library, const std::string& file, int index, char32_t c, float pixels) {
  Bitmap out;
  FT_Face face = nullptr;
  if (FT_New_Face(library, file.c_str(), index, &face) != 0) return out;
  const bool fixed = FT_HAS_COLOR(face) && face->num_fixed_sizes > 0;
  if (fixed) {
    FT_Select_Size(face, 0);
  } else {
    FT_Set_Pixel_Sizes(face, 0, static_cast<FT_UInt>(std::lround(pixels)));
  }
  if (FT_Load_Char(face, c, FT_LOAD_RENDER | (fixed ? FT_LOAD_COLOR : 0)) == 0) {
    const FT_Bitmap& b = face->glyph->bitmap;
    const float scale = fixed ? pixels * 0.92f / static_cast<float>(std::max<unsigned>(1, b.rows)) : 1.0f;
    out.width = std::max(1, static_cast<int>(std::lround(b.width * scale)));
    out.height = std::max(1, static_cast<int>(std::lround(b.rows * scale)));
    out.left = static_cast<float>(face->glyph->bitmap_left) * scale;
    out.top = static_cast<float>(face->glyph->bitmap_top) * scale;
    out.advance = static_cast<float>(face->glyph->advance.x) / 64.0f * scale;
    out.color = b.pixel_mode == FT_PIXEL_MODE_BGRA;
    out.rgba.assign(static_cast<std::size_t>(out.width) * out.height * 4, 0);
    for (int y = 0; y < out.height; ++y) {
      for (int x = 0; x < out.width; ++x) {
        // The source pixels this one covers: [x0, x1) x [y0, y1).
        const int x0 = static_cast<int>(x / scale), x1 = std::max(x0 + 1, static_cast<int>((x + 1) / scale));
        const int y0 = static_cast<int>(y / scale), y1 = std::max(y0 + 1, static_cast<int>((y + 1) / scale));
        double sum[4] = {0, 0, 0, 0};
        int n = 0;
        for (int sy = y0; sy < y1 && sy < static_cast<int>(b.rows); ++sy) {
          const unsigned char* row = b.buffer + static_cast<std::ptrdiff_t>(sy) * b.pitch;
          for (int sx = x0; sx < x1 && sx < static_cast<int>(b.width); ++sx, ++n) {
            if (out.color) {
              const unsigned char* p = row + sx * 4;  // B, G, R, A premultiplied
              sum[0] += p[2], sum[1] += p[1], sum[2] += p[0], sum[3] += p[3];
            } else if (b.pixel_mode == FT_PIXEL_MODE_GRAY) {
              sum[3] += row[sx];
            } else if (b.pixel_mode == FT_PIXEL_MODE_MONO) {
              sum[3] += (row[sx / 8] & (0x80 >> (sx % 8))) ? 255 : 0;
            }
          }
        }
        if (n == 0) continue;
        std::uint8_t* d = &out.rgba[(static_cast<std::size_t>(y) * out.width + x) * 4];
        const double a = sum[3] / n;
        d[3] = static_cast<std::uint8_t>(std::lround(a));
        for (int k = 0; k < 3; ++k) {
          // Straight alpha, as ImGui blends; white where the glyph is grey (tinted by the text colour).
          d[k] = out.color ? static_cast<std::uint8_t>(a > 0 ? std::min(255.0, std::round(sum[k] / n * 255.0 / a)) : 0)
                           : 255;
        }
      }
    }
  }
  FT_Done_Face(face);
  return out;
}

}  // namespace

struct Fonts::Face {
  std::string file;
  int index = 0;
  FcCharSet* charset = nullptr;  // owned (a copy)
};

// A font file mapped read-only for the atlas's builder, unmapped after.
struct Fonts::Mapping {
  void* data = MAP_FAILED;
  std::size_t size = 0;
  explicit Mapping(const std::string& file) {
    const base::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return;
    struct stat st {};
    if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) {
      size = static_cast<std::size_t>(st.st_size);
      data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    }
  }
  ~Mapping() {
    if (data != MAP_FAILED) ::munmap(data, size);
  }
  bool ok() const { return data != MAP_FAILED; }
};

Fonts& Fonts::Get() {
  static Fonts fonts;
  return fonts;
}

Fonts::Fonts() = default;

Fonts::~Fonts() {
  for (Face& f : faces_) FcCharSetDestroy(f.charset);
}

bool Fonts::Note(std::string_view drawn) {
  bool added = false;
  std::size_t i = 0;
  while (i < drawn.size() && static_cast<unsigned char>(drawn[i]) < 0x80) ++i;  // ASCII is always there
  if (i == drawn.size()) return false;
  for (char32_t c : protocol::DecodeUtf8(drawn.substr(i))) {
    if (c < 0x80 || (c <= 0xFFFF && in_atlas_.test(c))) continue;
    if (c <= 0xFFFF) in_atlas_.set(c);
    const char32_t real = text::Slots::Get().CharIn(c);
    if (wanted_.insert(real).second) added = true;
  }
  stale_ |= added;
  return added;
}

void Fonts::FindFaces() {
  found_ = true;
  if (FcInit() == FcFalse) return;
  FcPattern* pattern = FcNameParse(reinterpret_cast<const FcChar8*>("sans-serif"));
  FcConfigSubstitute(nullptr, pattern, FcMatchPattern);
  FcDefaultSubstitute(pattern);
  FcResult result = FcResultNoMatch;
  FcFontSet* set = FcFontSort(nullptr, pattern, FcTrue, nullptr, &result);
  FcPatternDestroy(pattern);
  auto add = [this](FcPattern* font) -> bool {
    FcChar8* file = nullptr;
    int index = 0;
    FcCharSet* charset = nullptr;
    FcBool scalable = FcFalse;
    FcBool color = FcFalse;
    if (FcPatternGetString(font, FC_FILE, 0, &file) != FcResultMatch ||
        FcPatternGetCharSet(font, FC_CHARSET, 0, &charset) != FcResultMatch) {
      return false;
    }
    FcPatternGetInteger(font, FC_INDEX, 0, &index);
    FcPatternGetBool(font, FC_SCALABLE, 0, &scalable);
    FcPatternGetBool(font, FC_COLOR, 0, &color);
    if (color == FcTrue) return false;  // the colour emoji font is found on its own
    if (scalable != FcTrue) return false;
    faces_.push_back({reinterpret_cast<const char*>(file), index, FcCharSetCopy(charset)});
    return true;
  };
  if (set != nullptr) {
    for (int i = 0; i < set->nfont; ++i) add(set->fonts[i]);
    FcFontSetDestroy(set);
  }
  // The colour emoji font, if the desktop has one (fontconfig's "emoji" family).
  FcPattern* emoji = FcNameParse(reinterpret_cast<const FcChar8*>("emoji:color=true"));
  FcConfigSubstitute(nullptr, emoji, FcMatchPattern);
  FcDefaultSubstitute(emoji);
  if (FcPattern* match = FcFontMatch(nullptr, emoji, &result); match != nullptr) {
    FcBool color = FcFalse;
    FcChar8* file = nullptr;
    FcCharSet* charset = nullptr;
    int index = 0;
    FcPatternGetInteger(match, FC_INDEX, 0, &index);
    if (FcPatternGetBool(match, FC_COLOR, 0, &color) == FcResultMatch && color == FcTrue &&
        FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch &&
        FcPatternGetCharSet(match, FC_CHARSET, 0, &charset) == FcResultMatch && FcCharSetHasChar(charset, 0x1F600)) {
      emoji_ = static_cast<int>(faces_.size());
      faces_.push_back({reinterpret_cast<const char*>(file), index, FcCharSetCopy(charset)});
    }
    FcPatternDestroy(match);
  }
  FcPatternDestroy(emoji);
}

int Fonts::FaceFor(char32_t c) const {
  if (emoji_ >= 0 && EmojiRange(c) && FcCharSetHasChar(faces_[emoji_].charset, c)) return emoji_;
  for (int i = 0; i < static_cast<int>(faces_.size()); ++i) {
    if (i != emoji_ && FcCharSetHasChar(faces_[i].charset, c)) return i;
  }
  return emoji_ >= 0 && FcCharSetHasChar(faces_[emoji_].charset, c) ? emoji_ : -1;
}

void Fonts::Build(float pixels) {
  ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  atlas->Clear();
  mapped_.clear();
  ranges_.clear();
  missing_.clear();
  files_used_.clear();
  glyphs_ = 0;
  heading_ = nullptr;
  stale_ = false;
  if (!found_) FindFaces();

  // Who draws what: the text faces through ImGui's FreeType builder (by 16-bit
  // code point), the rest as custom glyphs rasterised here.
  std::map<int, std::vector<char32_t>> by_face;
  struct Custom {
    char32_t id;    // the code point ImGui draws (a slot when beyond U+FFFF)
    char32_t real;  // the character
    int face;       // -1: invisible
  };
  std::vector<Custom> custom;
  auto place = [&](char32_t real, bool wanted) {
    const char32_t id = real > 0xFFFF ? text::Slots::Get().SlotFor(real) : real;
    if (id > 0xFFFF) return;  // no slot left: drawn as U+FFFD
    if (text::IsInvisible(real)) {
      custom.push_back({id, real, -1});
      return;
    }
    const int face = FaceFor(real);
    if (face < 0) {
      if (wanted) missing_.insert(real);
    } else if (face == emoji_ || real > 0xFFFF) {
      custom.push_back({id, real, face});
    } else {
      by_face[face].push_back(real);
    }
  };
  for (const auto& range : kCommon) {
    for (char32_t c = range[0]; c <= range[1]; ++c) {
      if (!wanted_.count(c)) place(c, false);
    }
  }
  for (char32_t c : wanted_) place(c, true);
  // CJK, Hangul and the like come in pages of 128 around each character met,
  // so that writing in them builds the atlas again once per page, not once
  // per new character (the first ideograph of a page costs ~10 ms more).
  std::set<char32_t> pages;
  for (char32_t c : wanted_) {
    if (c >= kPagedFrom && c <= 0xFFFF && !(c >= text::Slots::kFirst && c <= text::Slots::kLast)) pages.insert(c & ~0x7Fu);
  }
  for (char32_t page : pages) {
    for (char32_t c = page; c < page + 0x80; ++c) {
      if (!wanted_.count(c)) place(c, false);
      in_atlas_.set(c);
    }
  }

  const int primary = FaceFor(U'A');
  if (primary < 0 || primary == emoji_) {
    // No font at all (fontconfig found nothing): ImGui's own, basic Latin only.
    ImFontConfig config;
    config.SizePixels = std::round(pixels * 13.0f / 17.0f);
    atlas->AddFontDefault(&config);
    for (char32_t c : wanted_) missing_.insert(c);
    return;
  }
  std::vector<int> order{primary};
  for (auto& [face, chars] : by_face) {
    if (face != primary) order.push_back(face);
    std::sort(chars.begin(), chars.end());
  }
  // ImGui's glyph ranges, one list per face, shared by the two sizes.
  std::map<int, const std::uint16_t*> ranges;
  for (int face : order) {
    std::vector<std::uint16_t>& r = ranges_.emplace_back();
    for (char32_t c : by_face[face]) {
      if (!r.empty() && r.back() + 1u == c) {
        r.back() = static_cast<std::uint16_t>(c);
      } else {
        r.push_back(static_cast<std::uint16_t>(c));
        r.push_back(static_cast<std::uint16_t>(c));
      }
    }
    r.push_back(0);
    ranges[face] = r.data();
  }
  std::map<int, const Mapping*> mapped;
  for (int face : order) {
    auto mapping = std::make_unique<Mapping>(faces_[face].file);
    if (!mapping->ok()) continue;
    mapped[face] = mapping.get();
    files_used_.push_back(faces_[face].file);
    mapped_.push_back(std::move(mapping));
  }
  // One font per size, each every face merged into the first.
  auto add_set = [&](float size) -> ImFont* {
    ImFont* font = nullptr;
    for (int face : order) {
      if (!mapped.count(face)) continue;
      ImFontConfig config;
      // ImGui copies font data it does not own (the whole file: 19 MB for CJK).
      // It is told it owns the mapping, so it reads the mapped pages instead,
      // and is told otherwise before it would free them (below).
      config.FontDataOwnedByAtlas = true;
      config.FontNo = faces_[face].index;
      config.MergeMode = font != nullptr;
      config.PixelSnapH = true;
      ImFont* added = atlas->AddFontFromMemoryTTF(mapped[face]->data, static_cast<int>(mapped[face]->size), size,
                                                  &config, reinterpret_cast<const ImWchar*>(ranges[face]));
      if (font == nullptr) font = added;
    }
    return font;
  };
  const float heading_pixels = std::round(pixels * kHeadingScale);
  ImFont* font = add_set(pixels);
  ImFont* heading = font != nullptr ? add_set(heading_pixels) : nullptr;
  if (font == nullptr) {
    atlas->AddFontDefault();
    return;
  }

  // Custom glyphs, in each font at its size: rasterised now, copied into the
  // texture once it is packed.
  FT_Library library = nullptr;
  FT_Init_FreeType(&library);
  std::vector<std::pair<int, Bitmap>> rects;  // custom rect index, its pixels
  std::vector<std::pair<ImFont*, char32_t>> colored;
  for (const auto& [target, size] : {std::pair{font, pixels}, std::pair{heading, heading_pixels}}) {
    for (const Custom& c : custom) {
      Bitmap b;
      if (c.face >= 0) b = Rasterise(library, faces_[c.face].file, faces_[c.face].index, c.real, size);
      if (c.face >= 0 && b.rgba.empty()) {
        missing_.insert(c.real);
        continue;
      }
      const float advance = c.face < 0 ? 0.0f : std::round(c.face == emoji_ ? b.width + size * 0.1f : b.advance);
      // The glyph's top below the line's top: the baseline sits at the font's ascent.
      const float ascent = std::round(size * 0.8f);
      const ImVec2 offset = c.face == emoji_ ? ImVec2(std::round(size * 0.05f), std::round((size - b.height) * 0.5f))
                                             : ImVec2(std::round(b.left), ascent - std::round(b.top));
      const int index = atlas->AddCustomRectFontGlyph(target, static_cast<ImWchar>(c.id), std::max(1, b.width),
                                                      std::max(1, b.height), advance, offset);
      if (b.color) colored.emplace_back(target, c.id);
      if (c.face >= 0) rects.emplace_back(index, std::move(b));
    }
  }
  if (library != nullptr) FT_Done_FreeType(library);

  atlas->FontBuilderIO = ImGuiFreeType::GetBuilderForFreeType();
  atlas->FontBuilderFlags = 0;
  if (!atlas->Build()) {
    // A font FreeType cannot read: ImGui's own font rather than none.
    for (ImFontConfig& config : atlas->ConfigData) config.FontDataOwnedByAtlas = false;
    atlas->Clear();
    mapped_.clear();
    ranges_.clear();
    atlas->AddFontDefault();
    missing_.insert(wanted_.begin(), wanted_.end());
    return;
  }
  unsigned char* pixels_rgba = nullptr;
  int width = 0, height = 0;
  atlas->GetTexDataAsRGBA32(&pixels_rgba, &width, &height);
  for (const auto& [index, b] : rects) {
    const ImFontAtlasCustomRect* r = atlas->GetCustomRectByIndex(index);
    for (int y = 0; y < b.height; ++y) {
      std::copy_n(&b.rgba[static_cast<std::size_t>(y) * b.width * 4], b.width * 4,
                  pixels_rgba + (static_cast<std::size_t>(r->Y + y) * width + r->X) * 4);
    }
  }
  for (const auto& [target, id] : colored) {
    // Drawn in its own colours, not tinted by the text colour.
    if (const ImFontGlyph* g = target->FindGlyphNoFallback(static_cast<ImWchar>(id))) const_cast<ImFontGlyph*>(g)->Colored = 1;
  }
  glyphs_ = font->Glyphs.Size;
  heading_ = heading;
  for (ImFontConfig& config : atlas->ConfigData) config.FontDataOwnedByAtlas = false;  // ours: the mappings
  atlas->ClearInputData();  // the fonts' data is no longer needed: unmap the files
  mapped_.clear();
  ranges_.clear();
}

nlohmann::json Fonts::Describe() const {
  nlohmann::json missing = nlohmann::json::array();
  for (char32_t c : missing_) missing.push_back(static_cast<std::uint32_t>(c));
  const ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  return {{"glyphs", glyphs_}, {"texture", {atlas->TexWidth, atlas->TexHeight}}, {"files", files_used_},
          {"missing", missing}, {"noted", wanted_.size()}};
}

int Fonts::CountReplacementsDrawn() {
  const ImDrawData* data = ImGui::GetDrawData();
  if (data == nullptr) return 0;
  int n = 0;
  for (const ImFont* font : ImGui::GetIO().Fonts->Fonts) {  // the text's and the headings'
    const ImFontGlyph* g = font->FallbackGlyph;
    if (g == nullptr) continue;
    for (int l = 0; l < data->CmdListsCount; ++l) {
      const ImVector<ImDrawVert>& v = data->CmdLists[l]->VtxBuffer;
      // A glyph is a quad of four vertices whose first has the glyph's top-left UV.
      for (int i = 0; i + 2 < v.Size; ++i) {
        if (v[i].uv.x == g->U0 && v[i].uv.y == g->V0 && v[i + 2].uv.x == g->U1 && v[i + 2].uv.y == g->V1) ++n;
      }
    }
  }
  return n;
}

}  // namespace kintsugi::ui
