# A configure-only packaging check, run by ctest as `cmake -P`: configures SOURCE_DIR into a fresh
# BUILD_DIR with ARGS (a ;-list of cmake arguments) and checks the outcome.
#
#   EXPECT=success   the configure must succeed;
#   EXPECT=failure   it must fail, with output matching ERROR_REGEX.
#
# PKG_CONFIG_LIBDIR, when given, replaces pkg-config's search path for the configure (an empty
# directory: pkg-config is there, but none of its modules are).

foreach(var IN ITEMS SOURCE_DIR BUILD_DIR EXPECT)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "configure.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${BUILD_DIR}")
if(DEFINED PKG_CONFIG_LIBDIR)
  file(MAKE_DIRECTORY "${PKG_CONFIG_LIBDIR}")
  set(ENV{PKG_CONFIG_LIBDIR} "${PKG_CONFIG_LIBDIR}")
  set(ENV{PKG_CONFIG_PATH} "")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${BUILD_DIR}" ${ARGS}
  RESULT_VARIABLE result
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
set(output "${out}\n${err}")

if(EXPECT STREQUAL "success")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "the configure failed (${result}):\n${output}")
  endif()
elseif(EXPECT STREQUAL "failure")
  if(result EQUAL 0)
    message(FATAL_ERROR "the configure succeeded, expected it to fail:\n${output}")
  endif()
  # The message is wrapped at the terminal width: match it with the line breaks taken out.
  string(REGEX REPLACE "[ \n]+" " " flat "${output}")
  if(NOT flat MATCHES "${ERROR_REGEX}")
    message(FATAL_ERROR "the configure failed without the expected '${ERROR_REGEX}':\n${output}")
  endif()
else()
  message(FATAL_ERROR "configure.cmake: EXPECT must be success or failure")
endif()
message(STATUS "configure of ${SOURCE_DIR}: ${EXPECT}, as expected")
file(REMOVE_RECURSE "${BUILD_DIR}")
