#include <uk/support/error.h>

#include <cerrno>
#include <cstring>

namespace uk {

void throwErrno(const std::string& what) {
    int e = errno;
    throw Error(what + ": " + std::strerror(e));
}

} // namespace uk
