# Runs inside `cmake --install`, once the prefix is known: writes the systemd
# user unit and the desktop entry with the installed programs' absolute paths
# and installs them. KINTSUGI_PACKAGING_SOURCE, KINTSUGI_PACKAGING_WORK,
# KINTSUGI_BINDIR, KINTSUGI_DATADIR and KINTSUGI_ENTRY come from
# packaging/CMakeLists.txt.
set(bindir "${KINTSUGI_BINDIR}")
if(NOT IS_ABSOLUTE "${bindir}")
  set(bindir "${CMAKE_INSTALL_PREFIX}/${bindir}")
endif()
set(datadir "${KINTSUGI_DATADIR}")
if(NOT IS_ABSOLUTE "${datadir}")
  set(datadir "${CMAKE_INSTALL_PREFIX}/${datadir}")
endif()

# Both formats quote a path with spaces in double quotes and write a literal
# % as %%; quotes, backslashes, $ and ` would need escapes of their own.
if(bindir MATCHES "[\"\\\\$`\n]")
  message(FATAL_ERROR "kintsugi: the install directory '${bindir}' holds a quote, backslash, $ or "
                      "newline, which the systemd unit and the desktop entry cannot name")
endif()
function(kintsugi_quote_exec path out)
  string(REPLACE "%" "%%" quoted "${path}")
  if(quoted MATCHES "[ \t]")
    set(quoted "\"${quoted}\"")
  endif()
  set(${out} "${quoted}" PARENT_SCOPE)
endfunction()
kintsugi_quote_exec("${bindir}/kintsugid" KINTSUGID)
kintsugi_quote_exec("${bindir}/kintsugi" KINTSUGI_EXEC)

# A work folder per prefix, removed afterwards: two installs into different
# prefixes from the same build never share a configured file.
string(MD5 prefix_key "${CMAKE_INSTALL_PREFIX}")
set(work "${KINTSUGI_PACKAGING_WORK}/${prefix_key}")
# KINTSUGI_ENTRY says which: "unit" (the daemon's component) or "desktop"
# (the window's).
if(KINTSUGI_ENTRY STREQUAL "unit")
  configure_file("${KINTSUGI_PACKAGING_SOURCE}/kintsugid.service.in" "${work}/kintsugid.service" @ONLY)
  # User units of packages live in PREFIX/lib/systemd/user (not the multiarch
  # libdir), where `systemctl --user enable kintsugid` finds them.
  file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/user" TYPE FILE
       FILES "${work}/kintsugid.service")
else()
  configure_file("${KINTSUGI_PACKAGING_SOURCE}/kintsugi.desktop.in" "${work}/kintsugi.desktop" @ONLY)
  file(INSTALL DESTINATION "${datadir}/applications" TYPE FILE FILES "${work}/kintsugi.desktop")
endif()
file(REMOVE_RECURSE "${work}")
