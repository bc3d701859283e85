# The ```cmake blocks of README.md and docs/**/*.md, each configured as a user's project would be,
# so that they cannot drift from what the other packaging tests prove. Run by ctest as `cmake -P`:
#
#   cmake -DSOURCE_DIR=<repository> -DPREFIX=<an installed impilo with the simulator>
#         -DWORK_DIR=... -DGENERATOR=... -DCXX=... [-DMAKE_PROGRAM=...] -P docs-cmake.cmake
#
# A block without project() gets `cmake_minimum_required(VERSION 3.16)` and a project() before
# it, and the targets it uses but does not make (`my_app`, `my_tests`); every `*.cpp` it names
# exists (a program that includes <impilo/impilo.hpp>); `add_subdirectory(<path>)` finds this
# repository at <path>. The project must configure and generate without error against PREFIX:
# find_package() finds the package and its components, and every target it links exists.
# (Configure only: building the same shapes is what find-package/ and add-subdirectory/ do.)

foreach(var IN ITEMS SOURCE_DIR PREFIX WORK_DIR GENERATOR CXX)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "docs-cmake.cmake: -D${var}=... is required")
  endif()
endforeach()

file(GLOB_RECURSE sources LIST_DIRECTORIES false "${SOURCE_DIR}/docs/*.md")
list(INSERT sources 0 "${SOURCE_DIR}/README.md")
file(REMOVE_RECURSE "${WORK_DIR}")

set(program "#include <impilo/impilo.hpp>\nint main() { return impilo::version()[0] == '\\0'; }\n")
set(generator_args -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}")
if(MAKE_PROGRAM)
  list(APPEND generator_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()

set(count 0)
set(failures "")
foreach(source IN LISTS sources)
  file(RELATIVE_PATH rel "${SOURCE_DIR}" "${source}")
  file(READ "${source}" content)
  # Lines as list elements: `;` and `[` `]` would split or join them.
  string(ASCII 1 semicolon)
  string(REPLACE ";" "${semicolon}" content "${content}")
  string(REPLACE "[" "(((" content "${content}")
  string(REPLACE "]" ")))" content "${content}")
  string(REPLACE "\n" ";" lines "${content}")

  set(number 0)
  set(in_block FALSE)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    if(NOT in_block)
      if(line MATCHES "^ *```cmake *$")
        set(in_block TRUE)
        set(first ${number})
        set(block "")
      endif()
      continue()
    endif()
    if(NOT line MATCHES "^ *``` *$")
      string(APPEND block "${line}\n")
      continue()
    endif()
    set(in_block FALSE)
    math(EXPR first "${first} + 1")
    string(REPLACE "${semicolon}" ";" block "${block}")
    string(REPLACE "(((" "[" block "${block}")
    string(REPLACE ")))" "]" block "${block}")

    math(EXPR count "${count} + 1")
    set(dir "${WORK_DIR}/${count}")
    file(MAKE_DIRECTORY "${dir}")
    set(project "")
    if(NOT block MATCHES "project\\(")
      set(project "cmake_minimum_required(VERSION 3.16)\nproject(docs_block LANGUAGES CXX)\n")
      foreach(target IN ITEMS my_app my_tests)
        if(block MATCHES "[( ]${target}[ )]" AND NOT block MATCHES "add_executable\\(${target} ")
          string(APPEND project "add_executable(${target} ${target}.cpp)\n")
          file(WRITE "${dir}/${target}.cpp" "${program}")
        endif()
      endforeach()
    endif()
    string(REGEX MATCHALL "[A-Za-z0-9_./-]+\\.cpp" named "${block}")
    foreach(file IN LISTS named)
      get_filename_component(parent "${dir}/${file}" DIRECTORY)
      file(MAKE_DIRECTORY "${parent}")
      file(WRITE "${dir}/${file}" "${program}")
    endforeach()
    string(REGEX MATCHALL "add_subdirectory\\([^ )]+" subdirs "${block}")
    foreach(subdir IN LISTS subdirs)
      string(REPLACE "add_subdirectory(" "" subdir "${subdir}")
      get_filename_component(parent "${dir}/${subdir}" DIRECTORY)
      file(MAKE_DIRECTORY "${parent}")
      file(CREATE_LINK "${SOURCE_DIR}" "${dir}/${subdir}" SYMBOLIC)
    endforeach()
    file(WRITE "${dir}/CMakeLists.txt" "# ${rel}:${first}\n${project}${block}")

    execute_process(
      COMMAND "${CMAKE_COMMAND}" -S "${dir}" -B "${dir}/build" ${generator_args}
              "-DCMAKE_PREFIX_PATH=${PREFIX}" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
      RESULT_VARIABLE result
      OUTPUT_VARIABLE out
      ERROR_VARIABLE err)
    if(result EQUAL 0)
      message(STATUS "${rel}:${first}: configures")
    else()
      string(APPEND failures "\n${rel}:${first} (${dir}/CMakeLists.txt):\n${err}\n")
    endif()
  endforeach()
endforeach()

if(failures)
  message(FATAL_ERROR "cmake blocks that do not configure:${failures}")
endif()
if(count EQUAL 0)
  message(FATAL_ERROR "no ```cmake block found under ${SOURCE_DIR}")
endif()
message(STATUS "${count} cmake blocks configure against ${PREFIX}")
file(REMOVE_RECURSE "${WORK_DIR}")
