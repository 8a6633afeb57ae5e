// The window: GLFW + OpenGL 3 + Dear ImGui around the view-model. It sleeps
// in glfwWaitEvents until a person acts or the daemon announces something
// (an event thread wakes it with glfwPostEmptyEvent), so an idle window uses
// no CPU. After each input event it draws a few more frames, because ImGui
// 1.86 has no input queue and a press and release in one frame would be lost.
//
// Thread-safety: Run() owns the calling thread; the event thread only queues
// topics and wakes the window.
#pragma once

#include <string>

namespace kintsugi::ui {

struct AppOptions {
  std::string data_dir;        // empty: the default, as the daemon resolves it
  std::string screenshot_dir;  // non-empty: draw each screen once, write PNGs, exit
  std::string measure_screen;  // non-empty: time `frames` frames of this screen, print JSON, exit
  std::string open_screen;     // non-empty: start on this screen (ScreenToOpen), as a notification asks
  int frames = 300;
  bool dark = false;
  int width = 1100;
  int height = 760;
  int x = -1;  // window position; -1: where the system puts it
  int y = -1;
};

// Runs the window until it is closed. Returns the process exit code.
int RunApp(const AppOptions& options);

}  // namespace kintsugi::ui
