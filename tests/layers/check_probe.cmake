# Builds the probe TARGET in BUILD_DIR and checks the outcome: EXPECT is `compiles`, or `refused`
# (the build fails, and its output says HEADER was not found).
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target "${TARGET}"
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(EXPECT STREQUAL "compiles")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "expected ${HEADER} to be visible, but the probe failed:\n${out}")
  endif()
elseif(EXPECT STREQUAL "refused")
  if(result EQUAL 0)
    message(FATAL_ERROR "${HEADER} was visible: the layer rule is not enforced")
  endif()
  string(FIND "${out}" "${HEADER}: No such file" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the probe failed, but not because ${HEADER} is out of reach:\n${out}")
  endif()
else()
  message(FATAL_ERROR "EXPECT must be compiles or refused, not '${EXPECT}'")
endif()
