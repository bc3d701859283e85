# Fixture setup of the packaging tests: installs a build of impilo into a prefix and checks what is
# in it. Run by ctest as `cmake -P`:
#
#   cmake --install BUILD_DIR --prefix PREFIX
#
# BUILD_DIR is this build, or the build tree of an add_subdirectory consumer (impilo's install
# rules run there too). Then checks the prefix holds exactly the expected files (headers,
# libraries with their SOVERSION links, bin/impilo, the CMake package, the .pc files), that
# nothing installed names the source or build tree (the prefix can be moved), and that the
# install components split as documented in cmake/install-rules.cmake. Finally removes CLEAN (a
# consumer build tree that must not see a stale cache of the previous prefix).
#
# Variables: VARIANT (static|shared) PREFIX SOURCE_DIR BUILD_DIR VERSION SOVERSION INCLUDEDIR
# LIBDIR BINDIR CMAKEDIR PKGCONFIGDIR; CONFIG (may be empty); WITH_CLI (bin/impilo expected);
# WITH_SIMULATOR (impilo::testing expected; default ON); READELF and CLEAN (optional).

foreach(var IN ITEMS VARIANT PREFIX SOURCE_DIR BUILD_DIR VERSION SOVERSION INCLUDEDIR LIBDIR
                     BINDIR CMAKEDIR PKGCONFIGDIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run)
  string(REPLACE ";" " " command "${ARGN}")
  message(STATUS "${command}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${command}")
  endif()
endfunction()

function(check condition_text)
  if(NOT (${ARGN}))
    message(FATAL_ERROR "install check failed: ${condition_text}")
  endif()
endfunction()

# ---- Make the prefix ----

file(REMOVE_RECURSE "${PREFIX}" "${PREFIX}-runtime" "${PREFIX}-development")

if(NOT VARIANT MATCHES "^(static|shared)$")
  message(FATAL_ERROR "install.cmake: VARIANT must be static or shared")
endif()
if(NOT DEFINED WITH_SIMULATOR)
  set(WITH_SIMULATOR ON)
endif()
set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()

run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" ${config_args})
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}-runtime" ${config_args}
    --component impilo_Runtime)
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}-development" ${config_args}
    --component impilo_Development)

# ---- What must be there ----

set(runtime "")
if(WITH_CLI)
  list(APPEND runtime "${BINDIR}/impilo")
endif()
set(development "")

file(GLOB_RECURSE headers LIST_DIRECTORIES false RELATIVE "${SOURCE_DIR}/include"
     "${SOURCE_DIR}/include/*.hpp")
check("public headers found in ${SOURCE_DIR}/include" headers)
if(WITH_SIMULATOR)
  set(libraries impilo impilo-testing)
  set(export_sets impiloTargets impiloTestingTargets)
else()
  list(FILTER headers EXCLUDE REGEX "^impilo/testing/")
  set(libraries impilo)
  set(export_sets impiloTargets)
endif()
foreach(header IN LISTS headers)
  list(APPEND development "${INCLUDEDIR}/${header}")
endforeach()
list(APPEND development "${INCLUDEDIR}/impilo/export.hpp" "${INCLUDEDIR}/impilo/version.hpp")
if(WITH_SIMULATOR)
  list(APPEND development "${INCLUDEDIR}/impilo/testing/export.hpp")
endif()

foreach(lib IN LISTS libraries)
  if(VARIANT STREQUAL "shared")
    list(APPEND runtime "${LIBDIR}/lib${lib}.so.${SOVERSION}" "${LIBDIR}/lib${lib}.so.${VERSION}")
    list(APPEND development "${LIBDIR}/lib${lib}.so")
  else()
    list(APPEND development "${LIBDIR}/lib${lib}.a")
  endif()
endforeach()

foreach(file IN ITEMS impiloConfig.cmake impiloConfigVersion.cmake)
  list(APPEND development "${CMAKEDIR}/${file}")
endforeach()
foreach(set IN LISTS export_sets)
  list(APPEND development "${CMAKEDIR}/${set}.cmake")
endforeach()
foreach(lib IN LISTS libraries)
  list(APPEND development "${PKGCONFIGDIR}/${lib}.pc")
endforeach()

# Lists the files under a prefix, with the one per-configuration targets file of each export set
# (impiloTargets-<config>.cmake, whatever the configuration) checked and left out.
function(installed_files dir out_var)
  file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${dir}" "${dir}/*")
  foreach(set IN LISTS export_sets)
    set(per_config "${files}")
    list(FILTER per_config INCLUDE REGEX "^${CMAKEDIR}/${set}-[^/]+\\.cmake$")
    list(LENGTH per_config count)
    if(NOT count EQUAL 1)
      message(FATAL_ERROR "${dir}: expected one ${set}-<config>.cmake, found '${per_config}'")
    endif()
    list(REMOVE_ITEM files ${per_config})
  endforeach()
  list(SORT files)
  set(${out_var} "${files}" PARENT_SCOPE)
endfunction()

function(compare what expected actual)
  list(SORT expected)
  set(missing "${expected}")
  set(extra "${actual}")
  if(actual)
    list(REMOVE_ITEM missing ${actual})
  endif()
  if(expected)
    list(REMOVE_ITEM extra ${expected})
  endif()
  if(missing OR extra)
    string(REPLACE ";" "\n  " missing "${missing}")
    string(REPLACE ";" "\n  " extra "${extra}")
    message(FATAL_ERROR "${what}:\nmissing:\n  ${missing}\nnot expected:\n  ${extra}")
  endif()
endfunction()

installed_files("${PREFIX}" all)
set(expected ${runtime} ${development})
compare("cmake --install (${VARIANT}) into ${PREFIX}" "${expected}" "${all}")

file(GLOB_RECURSE runtime_files LIST_DIRECTORIES false RELATIVE "${PREFIX}-runtime"
     "${PREFIX}-runtime/*")
compare("component impilo_Runtime (${VARIANT})" "${runtime}" "${runtime_files}")
installed_files("${PREFIX}-development" development_files)
compare("component impilo_Development (${VARIANT})" "${development}" "${development_files}")

# ---- The shared libraries: SOVERSION, namelink ----

if(VARIANT STREQUAL "shared")
  string(REPLACE "." "\\." soversion_regex "${SOVERSION}")
  foreach(lib IN LISTS libraries)
    set(real "${PREFIX}/${LIBDIR}/lib${lib}.so.${VERSION}")
    foreach(link IN ITEMS "lib${lib}.so.${SOVERSION}" "lib${lib}.so")
      check("${LIBDIR}/${link} is a symbolic link" IS_SYMLINK "${PREFIX}/${LIBDIR}/${link}")
    endforeach()
    if(READELF)
      execute_process(COMMAND "${READELF}" -d "${real}" OUTPUT_VARIABLE dynamic)
      check("lib${lib}.so.${VERSION} has SONAME lib${lib}.so.${SOVERSION}"
            dynamic MATCHES "SONAME[^\n]*\\[lib${lib}\\.so\\.${soversion_regex}\\]")
    endif()
  endforeach()
endif()

# ---- Relocatable: nothing installed names the source or build tree ----

file(GLOB_RECURSE text_files "${PREFIX}/${CMAKEDIR}/*.cmake" "${PREFIX}/${PKGCONFIGDIR}/*.pc")
get_filename_component(real_source "${SOURCE_DIR}" REALPATH)
get_filename_component(real_build "${BUILD_DIR}" REALPATH)
foreach(file IN LISTS text_files)
  file(READ "${file}" text)
  foreach(path IN ITEMS "${SOURCE_DIR}" "${real_source}" "${BUILD_DIR}" "${real_build}")
    string(FIND "${text}" "${path}" at)
    check("${file} must not name ${path}" at EQUAL -1)
  endforeach()
endforeach()

if(CLEAN)
  file(REMOVE_RECURSE "${CLEAN}")
endif()

message(STATUS "${VARIANT} impilo installed and checked in ${PREFIX}")
