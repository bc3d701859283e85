# Fails on any `#include "../...` in the sources; on two private headers of src/ with the same file
# name (they are included by name alone, so one would hide the other); and on any CMake file other
# than cmake/layers.cmake and the root's impilo_internal that puts src/ (or a folder of it) on an
# include path: the layers and `impilo_internal` are the only ways into src/.
file(GLOB_RECURSE sources RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/src/*.?pp"
     "${SOURCE_DIR}/include/*.hpp" "${SOURCE_DIR}/tools/*.?pp" "${SOURCE_DIR}/tests/*.?pp"
     "${SOURCE_DIR}/bench/*.?pp" "${SOURCE_DIR}/examples/*.?pp")
set(problems "")
foreach(file IN LISTS sources)
  file(STRINGS "${SOURCE_DIR}/${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]\\.\\./")
  foreach(line IN LISTS lines)
    string(APPEND problems "${file}: ${line}\n")
  endforeach()
endforeach()
file(GLOB_RECURSE private_headers RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/src/*.hpp")
set(seen_names "")
foreach(header IN LISTS private_headers)
  get_filename_component(name "${header}" NAME)
  list(FIND seen_names "${name}" at)
  if(NOT at EQUAL -1)
    string(APPEND problems "${header}: another header of src/ has the name ${name}\n")
  endif()
  list(APPEND seen_names "${name}")
endforeach()

file(GLOB_RECURSE cmake_files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/CMakeLists.txt"
     "${SOURCE_DIR}/*/CMakeLists.txt" "${SOURCE_DIR}/*.cmake")
foreach(file IN LISTS cmake_files)
  if(file MATCHES "^build/" OR file STREQUAL "cmake/layers.cmake" OR file MATCHES "^tests/layers/")
    continue()
  endif()
  file(STRINGS "${SOURCE_DIR}/${file}" lines REGEX "PROJECT_SOURCE_DIR}/src")
  foreach(line IN LISTS lines)
    if(file STREQUAL "CMakeLists.txt" AND line MATCHES "impilo_internal INTERFACE")
      continue()
    endif()
    string(APPEND problems "${file}: ${line}\n")
  endforeach()
endforeach()
if(problems)
  message(FATAL_ERROR "paths into src/ outside the layer rule (CONTRIBUTING.md, Layers):\n"
                      "${problems}")
endif()
