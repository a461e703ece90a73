# Checks the prelinked library OS object (run by libos/CMakeLists.txt):
#  - its only undefined symbols are linker-script symbols (__uk_*) and the application's
#    entry point (_start): anything else would bind to the application's libc;
#  - it has no global constructors (.init_array/.ctors), which the application's libc
#    would run in the application's context.
execute_process(COMMAND ${NM} --undefined-only --format=just-symbols ${OBJECT}
                OUTPUT_VARIABLE undefined RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "llvm-nm failed on ${OBJECT}")
endif()
string(REPLACE "\n" ";" undefined "${undefined}")
set(bad "")
foreach(sym IN LISTS undefined)
  if(sym STREQUAL "" OR sym MATCHES "^__uk_" OR sym STREQUAL "_start")
    continue()
  endif()
  list(APPEND bad ${sym})
endforeach()
if(bad)
  message(FATAL_ERROR "uk-libos.o needs symbols from outside the library OS: ${bad}")
endif()

execute_process(COMMAND ${READELF} --section-headers --wide ${OBJECT}
                OUTPUT_VARIABLE sections RESULT_VARIABLE rc)
if(sections MATCHES "\\.init_array|\\.ctors|\\.fini_array|\\.dtors")
  message(FATAL_ERROR "uk-libos.o has global constructors or destructors; the library OS must "
                      "initialize explicitly")
endif()
