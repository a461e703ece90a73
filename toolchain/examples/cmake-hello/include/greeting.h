// A C function called from C++: shows a mixed C/C++ image.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

// The greeting for `who`, in a static buffer.
const char* greeting(const char* who);

#ifdef __cplusplus
}
#endif
