# Locates the tools and libraries that uk's build and the `uk build` command rely on.
# Everything here is a Debian 12 package that ./setup.sh installs; a missing piece is a
# configure error that names the package.

function(uk_require_program var name package)
  find_program(${var} NAMES ${name} ${ARGN})
  if(NOT ${var})
    message(FATAL_ERROR "uk: '${name}' not found (Debian package: ${package}). Run ./setup.sh.")
  endif()
endfunction()

function(uk_require_path var path package)
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "uk: ${path} not found (Debian package: ${package}). Run ./setup.sh.")
  endif()
  set(${var} "${path}" PARENT_SCOPE)
endfunction()

uk_require_program(UK_LD_LLD ld.lld lld)
uk_require_program(UK_LLVM_OBJCOPY llvm-objcopy llvm)
uk_require_program(UK_LLVM_NM llvm-nm llvm)
uk_require_program(UK_LLVM_OBJDUMP llvm-objdump llvm)
uk_require_program(UK_LLVM_READELF llvm-readelf llvm)
uk_require_program(UK_LLVM_STRIP llvm-strip llvm)
uk_require_program(UK_LLVM_SYMBOLIZER llvm-symbolizer llvm)
uk_require_program(UK_QEMU qemu-system-x86_64 qemu-system-x86)

# zlib compresses stripped images (toolchain/src/image_compressor.cpp).
find_package(ZLIB)
if(NOT ZLIB_FOUND)
  message(FATAL_ERROR "uk: zlib not found (Debian package: zlib1g-dev). Run ./setup.sh.")
endif()

# uk convert reads image archives (libarchive), their JSON (nlohmann/json), checks sha256
# digests (OpenSSL's libcrypto) and decompresses gzip (zlib) and zstd (libzstd) layers.
find_package(LibArchive)
find_package(OpenSSL COMPONENTS Crypto)
find_package(nlohmann_json 3 QUIET)
find_package(PkgConfig)
if(PkgConfig_FOUND)
  pkg_check_modules(ZSTD IMPORTED_TARGET libzstd)
endif()
if(NOT LibArchive_FOUND OR NOT OpenSSL_FOUND OR NOT nlohmann_json_FOUND OR NOT ZSTD_FOUND)
  message(FATAL_ERROR "uk: uk convert needs libarchive, OpenSSL, nlohmann/json and zstd "
                      "(Debian packages: libarchive-dev libssl-dev nlohmann-json3-dev "
                      "libzstd-dev pkg-config). Run ./setup.sh.")
endif()

execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-resource-dir
                OUTPUT_VARIABLE UK_CLANG_RESOURCE_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)
uk_require_path(UK_CLANG_RESOURCE_DIR "${UK_CLANG_RESOURCE_DIR}" clang)
string(REGEX MATCH "^[0-9]+" UK_CLANG_MAJOR "${CMAKE_CXX_COMPILER_VERSION}")
set(UK_LLVM_ROOT /usr/lib/llvm-${UK_CLANG_MAJOR})

# musl (Debian's musl-dev: headers, libc.a and crt objects)
uk_require_path(UK_MUSL_INCLUDE /usr/include/x86_64-linux-musl musl-dev)
uk_require_path(UK_MUSL_LIB /usr/lib/x86_64-linux-musl musl-dev)
uk_require_path(_unused ${UK_MUSL_LIB}/libc.a musl-dev)

# libc++, libc++abi and LLVM libunwind, static, matching the clang in use
uk_require_path(UK_LIBCXX_INCLUDE ${UK_LLVM_ROOT}/include/c++/v1 libc++-dev)
uk_require_path(_unused ${UK_LLVM_ROOT}/lib/libc++.a libc++-dev)
uk_require_path(_unused ${UK_LLVM_ROOT}/lib/libc++abi.a libc++abi-dev)
uk_require_path(_unused ${UK_LLVM_ROOT}/lib/libunwind.a libunwind-${UK_CLANG_MAJOR}-dev)
set(UK_LIBCXX_LIB ${UK_LLVM_ROOT}/lib)

# compiler-rt pieces linked into every image
uk_require_path(UK_CLANG_RT_BUILTINS
  ${UK_CLANG_RESOURCE_DIR}/lib/linux/libclang_rt.builtins-x86_64.a libclang-rt-${UK_CLANG_MAJOR}-dev)
uk_require_path(UK_CLANG_RT_CRTBEGIN
  ${UK_CLANG_RESOURCE_DIR}/lib/linux/clang_rt.crtbegin-x86_64.o libclang-rt-${UK_CLANG_MAJOR}-dev)
uk_require_path(UK_CLANG_RT_CRTEND
  ${UK_CLANG_RESOURCE_DIR}/lib/linux/clang_rt.crtend-x86_64.o libclang-rt-${UK_CLANG_MAJOR}-dev)
