include(GenerateExportHeader)

# impilo_add_library(<target> ALIAS <alias> EXPORT_NAME <name> OUTPUT_NAME <name>
#                    EXPORT_BASE <base> EXPORT_HEADER <path under export/> SOURCES <file>...)
# One of impilo's installed libraries: hidden visibility with a generated export header
# (<EXPORT_BASE>_EXPORT, and <EXPORT_BASE>_STATIC_DEFINE for static builds), SOVERSION, the public
# include/ and generated export/ directories, C++17 and our warnings.
# The ABI a shared library promises to keep. Below 1.0 a minor release may break the API
# (CONTRIBUTING.md, Compatibility), so the SONAME carries the minor too: libimpilo.so.0.1; from
# 1.0 on, the major alone.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(impilo_SOVERSION "${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}")
else()
  set(impilo_SOVERSION "${PROJECT_VERSION_MAJOR}")
endif()

function(impilo_add_library target)
  cmake_parse_arguments(PARSE_ARGV 1 arg ""
                        "ALIAS;EXPORT_NAME;OUTPUT_NAME;EXPORT_BASE;EXPORT_HEADER" "SOURCES")
  add_library(${target} ${arg_SOURCES})
  add_library(${arg_ALIAS} ALIAS ${target})

  generate_export_header(${target} BASE_NAME ${arg_EXPORT_BASE}
                         EXPORT_FILE_NAME "export/${arg_EXPORT_HEADER}")
  if(NOT BUILD_SHARED_LIBS)
    string(TOUPPER "${arg_EXPORT_BASE}_STATIC_DEFINE" static_define)
    target_compile_definitions(${target} PUBLIC ${static_define})
  endif()

  set_target_properties(
    ${target}
    PROPERTIES VERSION "${PROJECT_VERSION}"
               SOVERSION "${impilo_SOVERSION}"
               EXPORT_NAME ${arg_EXPORT_NAME}
               OUTPUT_NAME ${arg_OUTPUT_NAME})
  target_include_directories(
    ${target} ${warning_guard}
    PUBLIC "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>"
           "$<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/export>")
  target_compile_features(${target} PUBLIC cxx_std_17)
  impilo_set_warnings(${target})
endfunction()
