# `make package` (cpack in the build dir): two Debian packages from the
# install rules' two components. kintsugid holds the daemon and kintsugictl,
# which is all a headless machine needs; kintsugi holds the window (GL,
# fonts) and depends on kintsugid. Library dependencies are computed by
# dpkg-shlibdeps. docs/INSTALL.md says what each holds; lintian's verdict is
# checked by tests/integration/package_test.cc.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kintsugi)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Kintsugi Developers")
set(CPACK_PACKAGE_CONTACT "Kintsugi Developers <dev@kintsugi.invalid>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
# The install runs with DESTDIR and the real prefix, so that the user unit
# and the desktop entry name /usr/bin, not the staging folder.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL daemon window)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_DAEMON_PACKAGE_NAME kintsugid)
set(CPACK_DEBIAN_DAEMON_PACKAGE_SECTION net)
# Desktop notifications load libsystemd's sd-bus when first needed (dlopen).
set(CPACK_DEBIAN_DAEMON_PACKAGE_RECOMMENDS libsystemd0)
set(CPACK_COMPONENT_DAEMON_DESCRIPTION
    "shared ledger of agreements and check-ins for two partners (daemon)
Kintsugi is a private place for two partners rebuilding trust after it was
broken: agreements both of them sign, check-ins on the day and on how they
feel, and what grows back over the weeks.
.
This package holds kintsugid, which keeps this partner's copy of the
end-to-end encrypted, signed ledger and syncs it directly with the partner's
computer over the local network (no cloud, no server, no relay), and
kintsugictl, its command line. It needs no display. The window is in the
package kintsugi.")

set(CPACK_DEBIAN_WINDOW_PACKAGE_NAME kintsugi)
set(CPACK_DEBIAN_WINDOW_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_WINDOW_PACKAGE_DEPENDS "kintsugid (= ${PROJECT_VERSION}-1)")
# Glyphs for every script people write (the window finds them through
# fontconfig, and draws a character no font has as a visible box).
set(CPACK_DEBIAN_WINDOW_PACKAGE_RECOMMENDS "fonts-noto-core, fonts-noto-cjk, fonts-noto-color-emoji")
set(CPACK_COMPONENT_WINDOW_DESCRIPTION
    "shared ledger of agreements and check-ins for two partners (window)
Kintsugi is a private place for two partners rebuilding trust after it was
broken: agreements both of them sign, check-ins on the day and on how they
feel, and what grows back over the weeks.
.
This package holds kintsugi, the desktop window, which talks to the
kintsugid of the same user.")

include(CPack)
