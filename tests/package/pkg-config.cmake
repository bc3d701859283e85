# A user's build without CMake: compile and link consumer.cpp with
#   c++ -std=c++17 consumer.cpp $(pkg-config --cflags --libs impilo impilo-testing)
# against an install prefix, then run it. Run by ctest as `cmake -P`:
#
#   cmake -DPKG_CONFIG=... -DPREFIX=... -DLIBDIR=lib -DCXX=... -DCXX_FLAGS=... -DLINKER_FLAGS=...
#         -DSOURCE=consumer.cpp -DWORK_DIR=... -DVARIANT=static|shared -DVERSION=0.1.0 -DSOVERSION=0.1
#         [-DREADELF=...] -P pkg-config.cmake
#
# CXX_FLAGS and LINKER_FLAGS carry the build's own flags (the sanitizers of the asan-ubsan preset
# must reach a program linked to a sanitized static impilo).

foreach(var IN ITEMS PKG_CONFIG PREFIX LIBDIR CXX SOURCE WORK_DIR VARIANT VERSION SOVERSION)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "pkg-config.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT VARIANT MATCHES "^(static|shared)$")
  message(FATAL_ERROR "pkg-config.cmake: VARIANT must be static or shared")
endif()

function(run)
  execute_process(
    COMMAND ${ARGN}
    RESULT_VARIABLE result
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT result EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "failed (${result}): ${command}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

# Only this prefix's .pc files are ours; the system's still provide nlohmann_json, libcurl and
# cpp-httplib.
set(ENV{PKG_CONFIG_PATH} "${PREFIX}/${LIBDIR}/pkgconfig")

run("${PKG_CONFIG}" --modversion impilo)
if(NOT out STREQUAL VERSION)
  message(FATAL_ERROR "pkg-config --modversion impilo is '${out}', expected ${VERSION}")
endif()
run("${PKG_CONFIG}" --variable=prefix impilo)
get_filename_component(found_prefix "${out}" REALPATH)
get_filename_component(expected_prefix "${PREFIX}" REALPATH)
if(NOT found_prefix STREQUAL expected_prefix)
  message(FATAL_ERROR "impilo.pc resolves its prefix to ${found_prefix}, expected ${expected_prefix}")
endif()
run("${PKG_CONFIG}" --variable=libdir impilo)
set(libdir "${out}")

run("${PKG_CONFIG}" --cflags --libs impilo impilo-testing)
set(pc_flags "${out}")
message(STATUS "pkg-config --cflags --libs impilo impilo-testing: ${pc_flags}")
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(cxx_flags UNIX_COMMAND "${CXX_FLAGS}")
separate_arguments(linker_flags UNIX_COMMAND "${LINKER_FLAGS}")

if(VARIANT STREQUAL "static")
  set(expect_static 1)
else()
  set(expect_static 0)
endif()

file(MAKE_DIRECTORY "${WORK_DIR}")
set(program "${WORK_DIR}/consumer-pkg-config-${VARIANT}")
file(REMOVE "${program}")
run("${CXX}" -std=c++17 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror ${cxx_flags}
    -DIMPILO_CONSUMER_EXPECT_STATIC=${expect_static} "${SOURCE}" -o "${program}" ${pc_flags}
    "-Wl,-rpath,${libdir}" ${linker_flags})

# The variant linked is the one expected: a shared build needs libimpilo.so.<SOVERSION> at run
# time, a static one must not.
if(READELF)
  run("${READELF}" -d "${program}")
  if(VARIANT STREQUAL "shared")
    string(REPLACE "." "\\." soversion_regex "${SOVERSION}")
    foreach(lib IN ITEMS libimpilo.so libimpilo-testing.so)
      if(NOT out MATCHES "NEEDED[^\n]*\\[${lib}\\.${soversion_regex}\\]")
        message(FATAL_ERROR "${program} does not need ${lib}.${SOVERSION}:\n${out}")
      endif()
    endforeach()
  elseif(out MATCHES "libimpilo")
    message(FATAL_ERROR "${program} links a shared impilo, expected the static one:\n${out}")
  endif()
endif()

run("${program}")
message(STATUS "${out}")
if(NOT out MATCHES "order 1 created")
  message(FATAL_ERROR "unexpected output of ${program}: ${out}")
endif()
