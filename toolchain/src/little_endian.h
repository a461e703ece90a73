// Appending fixed-layout structs to byte buffers, for the files the toolchain writes (the
// .uk.config blob, the ELF object that carries it). Both formats are little endian, as is
// every host uk supports (x86_64), so structs are copied as they are.
#pragma once

#include <bit>
#include <string>

namespace uk::toolchain {

static_assert(std::endian::native == std::endian::little);

template <typename T>
void appendBytes(std::string& out, const T& value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

} // namespace uk::toolchain
