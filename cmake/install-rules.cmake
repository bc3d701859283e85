# Install rules for `cmake --install`. Included from the root CMakeLists.txt unless
# CMAKE_SKIP_INSTALL_RULES is set. Proven by the tests in tests/package/.
#
# What goes where (relative to the prefix; GNUInstallDirs decides the directory names):
#   include/impilo/**                     public headers, the generated export headers, version.hpp
#   lib/libimpilo.{a,so*}                 impilo::impilo (export set impiloTargets)
#   lib/libimpilo-testing.{a,so*}         impilo::testing, the simulator (export set
#                                         impiloTestingTargets, loaded only for COMPONENTS testing;
#                                         with include/impilo/testing/ and impilo-testing.pc, only
#                                         when IMPILO_BUILD_SIMULATOR is on)
#   bin/impilo                            the command-line tool (when IMPILO_BUILD_TOOLS is on)
#   lib/cmake/impilo/                     impiloConfig.cmake, impiloConfigVersion.cmake, targets
#   lib/pkgconfig/impilo{,-testing}.pc    for builds that do not use CMake
#
# Install components:
#   impilo_Runtime      what a program linked to a shared impilo needs at run time (the versioned
#                       shared libraries, libimpilo.so.0.1 and libimpilo.so.0.1.0) and the CLI;
#   impilo_Development  everything needed to build against impilo: headers, static libraries, the
#                       libimpilo.so namelinks, the CMake package and the pkg-config files.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(impilo_INSTALL_CMAKEDIR
    "${CMAKE_INSTALL_LIBDIR}/cmake/impilo"
    CACHE STRING "Where impiloConfig.cmake is installed (relative to the prefix)")
set(impilo_INSTALL_PKGCONFIGDIR
    "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
    CACHE STRING "Where impilo.pc and impilo-testing.pc are installed (relative to the prefix)")
mark_as_advanced(impilo_INSTALL_CMAKEDIR impilo_INSTALL_PKGCONFIGDIR)

# ---- Headers ----

set(_impilo_header_excludes "")
if(NOT IMPILO_BUILD_SIMULATOR)
  set(_impilo_header_excludes PATTERN "testing" EXCLUDE)
endif()
install(
  DIRECTORY "${PROJECT_SOURCE_DIR}/include/"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT impilo_Development
  FILES_MATCHING
  PATTERN "*.hpp" ${_impilo_header_excludes})
unset(_impilo_header_excludes)
# Generated: impilo/export.hpp, impilo/testing/export.hpp, impilo/version.hpp.
install(
  DIRECTORY "${PROJECT_BINARY_DIR}/export/"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT impilo_Development
  FILES_MATCHING
  PATTERN "*.hpp")

# ---- Libraries ----

# impilo_install_library(<target> <export set>): the library, its namelink and its archive, split
# between the two components.
function(impilo_install_library target export_set)
  install(
    TARGETS ${target}
    EXPORT ${export_set}
    RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT impilo_Runtime
    LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
            COMPONENT impilo_Runtime
            NAMELINK_COMPONENT impilo_Development
    ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT impilo_Development
    INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
endfunction()

impilo_install_library(impilo_impilo impiloTargets)
if(IMPILO_BUILD_SIMULATOR)
  impilo_install_library(impilo_testing impiloTestingTargets)
endif()

# ---- The CLI ----

if(TARGET impilo_cli)
  # A CLI linked to a shared impilo finds it next door (bin/../lib) wherever the prefix is moved.
  # Left alone when the user sets CMAKE_INSTALL_RPATH, or installs to an absolute libdir.
  if(BUILD_SHARED_LIBS
     AND NOT DEFINED CMAKE_INSTALL_RPATH
     AND NOT IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}"
     AND NOT IS_ABSOLUTE "${CMAKE_INSTALL_BINDIR}"
     AND CMAKE_SYSTEM_NAME MATCHES "Linux|BSD")
    file(RELATIVE_PATH _impilo_bin_to_lib "/prefix/${CMAKE_INSTALL_BINDIR}"
         "/prefix/${CMAKE_INSTALL_LIBDIR}")
    set_target_properties(impilo_cli PROPERTIES INSTALL_RPATH "$ORIGIN/${_impilo_bin_to_lib}")
    unset(_impilo_bin_to_lib)
  endif()
  install(TARGETS impilo_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
                                     COMPONENT impilo_Runtime)
endif()

# ---- CMake package: find_package(impilo [COMPONENTS testing]) ----

if(BUILD_SHARED_LIBS)
  set(IMPILO_CONFIG_SHARED_LIBS ON)
else()
  set(IMPILO_CONFIG_SHARED_LIBS OFF)
endif()
if(IMPILO_BUILD_SIMULATOR)
  set(IMPILO_CONFIG_WITH_SIMULATOR ON)
else()
  set(IMPILO_CONFIG_WITH_SIMULATOR OFF)
endif()

configure_file("${PROJECT_SOURCE_DIR}/cmake/install-config.cmake.in"
               "${PROJECT_BINARY_DIR}/package/impiloConfig.cmake" @ONLY)
# The same rule as the SONAME (cmake/library.cmake): below 1.0 only the same minor is accepted.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(impilo_package_compatibility SameMinorVersion)
else()
  set(impilo_package_compatibility SameMajorVersion)
endif()
write_basic_package_version_file("${PROJECT_BINARY_DIR}/package/impiloConfigVersion.cmake"
                                 COMPATIBILITY ${impilo_package_compatibility})

install(
  FILES "${PROJECT_BINARY_DIR}/package/impiloConfig.cmake"
        "${PROJECT_BINARY_DIR}/package/impiloConfigVersion.cmake"
  DESTINATION "${impilo_INSTALL_CMAKEDIR}"
  COMPONENT impilo_Development)

install(
  EXPORT impiloTargets
  NAMESPACE impilo::
  FILE impiloTargets.cmake
  DESTINATION "${impilo_INSTALL_CMAKEDIR}"
  COMPONENT impilo_Development)

if(IMPILO_BUILD_SIMULATOR)
  install(
    EXPORT impiloTestingTargets
    NAMESPACE impilo::
    FILE impiloTestingTargets.cmake
    DESTINATION "${impilo_INSTALL_CMAKEDIR}"
    COMPONENT impilo_Development)
endif()

# ---- pkg-config: impilo.pc and impilo-testing.pc ----
# Relocatable: paths are relative to the .pc file (${pcfiledir}), so `cmake --install --prefix`
# anywhere gives working files. A static impilo cannot hide its dependencies: they move from
# Requires.private/Libs.private to Requires/Libs, so that plain `pkg-config --libs` links.

if(IS_ABSOLUTE "${impilo_INSTALL_PKGCONFIGDIR}")
  set(IMPILO_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _impilo_pc_up "/prefix/${impilo_INSTALL_PKGCONFIGDIR}" "/prefix")
  string(REGEX REPLACE "/$" "" _impilo_pc_up "${_impilo_pc_up}")
  set(IMPILO_PC_PREFIX "\${pcfiledir}/${_impilo_pc_up}")
  unset(_impilo_pc_up)
endif()
foreach(_impilo_dir IN ITEMS INCLUDEDIR LIBDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_impilo_dir}}")
    set(IMPILO_PC_${_impilo_dir} "${CMAKE_INSTALL_${_impilo_dir}}")
  else()
    set(IMPILO_PC_${_impilo_dir} "\${prefix}/${CMAKE_INSTALL_${_impilo_dir}}")
  endif()
endforeach()
unset(_impilo_dir)

# nlohmann_json is public (<impilo/json.hpp> includes <nlohmann/json_fwd.hpp>).
if(BUILD_SHARED_LIBS)
  set(IMPILO_PC_REQUIRES "nlohmann_json >= 3.10")
  set(IMPILO_PC_REQUIRES_PRIVATE "libcurl, simdjson")
  set(IMPILO_PC_CFLAGS "")
  set(IMPILO_TESTING_PC_REQUIRES "impilo = ${PROJECT_VERSION}")
  # libcurl: the simulator's webhook deliveries (src/testing/webhook_hub.cpp).
  set(IMPILO_TESTING_PC_REQUIRES_PRIVATE "cpp-httplib, libcurl")
  set(IMPILO_TESTING_PC_LIBS "")
  set(IMPILO_TESTING_PC_LIBS_PRIVATE "-pthread")
  set(IMPILO_TESTING_PC_CFLAGS "")
else()
  set(IMPILO_PC_REQUIRES "nlohmann_json >= 3.10, libcurl, simdjson")
  set(IMPILO_PC_REQUIRES_PRIVATE "")
  set(IMPILO_PC_CFLAGS " -DIMPILO_STATIC_DEFINE")
  set(IMPILO_TESTING_PC_REQUIRES "impilo = ${PROJECT_VERSION}, cpp-httplib")
  set(IMPILO_TESTING_PC_REQUIRES_PRIVATE "")
  set(IMPILO_TESTING_PC_LIBS " -pthread")
  set(IMPILO_TESTING_PC_LIBS_PRIVATE "")
  set(IMPILO_TESTING_PC_CFLAGS " -DIMPILO_TESTING_STATIC_DEFINE")
endif()

configure_file("${PROJECT_SOURCE_DIR}/cmake/impilo.pc.in" "${PROJECT_BINARY_DIR}/package/impilo.pc"
               @ONLY)
set(_impilo_pc_files "${PROJECT_BINARY_DIR}/package/impilo.pc")
if(IMPILO_BUILD_SIMULATOR)
  configure_file("${PROJECT_SOURCE_DIR}/cmake/impilo-testing.pc.in"
                 "${PROJECT_BINARY_DIR}/package/impilo-testing.pc" @ONLY)
  list(APPEND _impilo_pc_files "${PROJECT_BINARY_DIR}/package/impilo-testing.pc")
endif()
install(
  FILES ${_impilo_pc_files}
  DESTINATION "${impilo_INSTALL_PKGCONFIGDIR}"
  COMPONENT impilo_Development)
unset(_impilo_pc_files)
