# The library's layers (CONTRIBUTING.md, "Layers"). Each folder of src/ is an object library whose
# include path holds its own folder and those of the layers below it, and nothing else: an
# `#include` of a layer above it fails to compile. libimpilo is the union of their objects.
#
#   internal -> errors -> model -> json -> http -> client
#                                       \-> webhooks
#
# (An arrow points from a layer to one that may use it.) The simulator (src/testing), the CLI, the
# tests, fuzz targets and benchmarks see only the public headers and `impilo_internal`, the one
# sanctioned internal surface: src/internal, whose symbols libimpilo exports under
# impilo::internal with no stability promise.

# What every layer compiles with: the public and generated headers, C++17, nlohmann (part of the
# public headers' contract), and the export macros of the library the objects end up in.
add_library(impilo_layer_base INTERFACE)
target_include_directories(impilo_layer_base INTERFACE "${PROJECT_SOURCE_DIR}/include"
                                                       "${PROJECT_BINARY_DIR}/export")
target_compile_features(impilo_layer_base INTERFACE cxx_std_17)
target_link_libraries(impilo_layer_base INTERFACE nlohmann_json::nlohmann_json)
if(BUILD_SHARED_LIBS)
  # What CMake defines for a shared library's own sources (generate_export_header keys on it);
  # the objects are compiled outside that target, so they say it themselves.
  target_compile_definitions(impilo_layer_base INTERFACE impilo_impilo_EXPORTS)
else()
  target_compile_definitions(impilo_layer_base INTERFACE IMPILO_STATIC_DEFINE)
endif()

set(impilo_layers "")

# impilo_add_layer(<name> [BELOW <layer>...] [DEPS <target>...] SOURCES <file>...)
# The layer src/<name>: an object library that may include its own headers and those of each
# <layer> named and of everything below those. DEPS are third-party targets it uses privately.
# Layers get each other's folders as include directories, not as linked targets, so that no layer
# waits for another to compile.
function(impilo_add_layer name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "BELOW;DEPS;SOURCES")
  set(target impilo_layer_${name})
  set(visible "${PROJECT_SOURCE_DIR}/src/${name}")
  foreach(layer IN LISTS arg_BELOW)
    if(NOT DEFINED impilo_layer_${layer}_visible)
      message(FATAL_ERROR "impilo_add_layer(${name}): layer '${layer}' is not defined yet")
    endif()
    list(APPEND visible ${impilo_layer_${layer}_visible})
  endforeach()
  list(REMOVE_DUPLICATES visible)
  set(impilo_layer_${name}_visible "${visible}" PARENT_SCOPE)

  add_library(${target} OBJECT ${arg_SOURCES})
  target_include_directories(${target} PRIVATE ${visible})
  target_link_libraries(${target} PRIVATE impilo_layer_base ${arg_DEPS})
  if(BUILD_SHARED_LIBS)
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  endif()
  impilo_set_warnings(${target})
  set(impilo_layers ${impilo_layers} ${target} PARENT_SCOPE)
endfunction()
