// lwIP's freestanding guest build: atoi (ip address parsing helpers), defined by the port.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif
int atoi(const char* s);
#ifdef __cplusplus
}
#endif
