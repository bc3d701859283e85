# PROJECT_IS_TOP_LEVEL arrived in CMake 3.21; emulate it for older versions.
if(CMAKE_VERSION VERSION_LESS "3.21")
  string(COMPARE EQUAL "${CMAKE_SOURCE_DIR}" "${PROJECT_SOURCE_DIR}" PROJECT_IS_TOP_LEVEL)
endif()
