# uk_add_image(NAME
#              SOURCES file...                  .c, .cc/.cpp/.cxx/.C/.c++, .o, .a
#              [INCLUDE_DIRECTORIES dir...]
#              [COMPILE_DEFINITIONS NAME[=VALUE]...]
#              [LINK_LIBRARIES lib...]          NAME (-lNAME), a .a/.o file, or -flags
#              [OPTIONS option...])             more `uk build` options (-O3, -g, --strip...)
#
# Builds ${CMAKE_CURRENT_BINARY_DIR}/NAME.img with `uk build` whenever a source, a header
# it includes, uk itself or uk's runtime files change, through a target NAME that is part
# of the default build. Relative paths are relative to CMAKE_CURRENT_SOURCE_DIR. The
# target's UK_IMAGE property holds the image's path.
#
# Uses UK_EXECUTABLE (the uk command or target) and UK_IMAGE_DEPENDS (what every image
# depends on), set by ukConfig.cmake or, inside uk's own tree, by toolchain/CMakeLists.txt.

function(uk_add_image name)
  cmake_parse_arguments(PARSE_ARGV 1 arg ""  ""
                        "SOURCES;INCLUDE_DIRECTORIES;COMPILE_DEFINITIONS;LINK_LIBRARIES;OPTIONS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "uk_add_image(${name}): unexpected arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "uk_add_image(${name}): no SOURCES given")
  endif()
  if(NOT UK_EXECUTABLE)
    message(FATAL_ERROR "uk_add_image(${name}): UK_EXECUTABLE is not set (find_package(uk) sets it)")
  endif()

  set(sources "")
  foreach(source IN LISTS arg_SOURCES)
    cmake_path(ABSOLUTE_PATH source BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE)
    list(APPEND sources "${source}")
  endforeach()

  set(flags "")
  foreach(dir IN LISTS arg_INCLUDE_DIRECTORIES)
    cmake_path(ABSOLUTE_PATH dir BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE)
    list(APPEND flags "-I${dir}")
  endforeach()
  foreach(definition IN LISTS arg_COMPILE_DEFINITIONS)
    string(REGEX REPLACE "^-D" "" definition "${definition}")
    list(APPEND flags "-D${definition}")
  endforeach()

  set(library_files "")
  foreach(library IN LISTS arg_LINK_LIBRARIES)
    if(library MATCHES "^-")
      list(APPEND flags "${library}")
    elseif(library MATCHES "/" OR library MATCHES "\\.(a|o)$")
      cmake_path(ABSOLUTE_PATH library BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE)
      list(APPEND library_files "${library}")
    else()
      list(APPEND flags "-l${library}")
    endif()
  endforeach()

  set(image "${CMAKE_CURRENT_BINARY_DIR}/${name}.img")
  set(depfile "${CMAKE_CURRENT_BINARY_DIR}/${name}.img.d")
  # NEW: CMake rewrites the absolute paths `uk build` writes into the depfile for the
  # generator, whatever policy version the calling project asked for.
  if(POLICY CMP0116)
    cmake_policy(PUSH)
    cmake_policy(SET CMP0116 NEW)
  endif()
  add_custom_command(
    OUTPUT "${image}"
    COMMAND "${UK_EXECUTABLE}" build ${sources} ${library_files} -o "${image}" ${flags}
            ${arg_OPTIONS} --depfile "${depfile}"
    DEPENDS ${sources} ${library_files} ${UK_IMAGE_DEPENDS}
    DEPFILE "${depfile}"
    COMMENT "Building unikernel image ${name}.img"
    VERBATIM
    COMMAND_EXPAND_LISTS)
  if(POLICY CMP0116)
    cmake_policy(POP)
  endif()
  add_custom_target(${name} ALL DEPENDS "${image}")
  set_target_properties(${name} PROPERTIES UK_IMAGE "${image}")
endfunction()
