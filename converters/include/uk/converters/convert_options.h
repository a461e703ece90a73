// `uk convert`'s command line.
#pragma once

#include <string>
#include <vector>

#include <uk/converters/image_converter.h>

namespace uk::converters {

struct ParsedConvertArguments {
    ConvertOptions options;
    bool json = false;
    bool helpRequested = false;
};

// Throws toolchain::UsageError for a bad command line.
ParsedConvertArguments parseConvertArguments(const std::vector<std::string>& args);
const char* convertUsage();

} // namespace uk::converters
