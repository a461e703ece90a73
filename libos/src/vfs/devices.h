// Character devices by number: opening a device node (in /dev or made with mknod) asks the
// driver registered for its major:minor for a new open file description. The memory
// devices (null, zero, full, random, urandom) are here; the console registers itself.
#pragma once

#include <stdint.h>

#include "file.h"

namespace uk::vfs {

// Device numbers (Linux's, so that stat(2) and ttyname(3) agree with what programs expect).
inline constexpr uint64_t kDevNull = makeDev(1, 3), kDevZero = makeDev(1, 5),
                          kDevFull = makeDev(1, 7), kDevRandom = makeDev(1, 8),
                          kDevUrandom = makeDev(1, 9), kDevTty = makeDev(5, 0),
                          kDevConsole = makeDev(5, 1);

using DeviceOpen = long (*)(Node* node, uint32_t flags, Ref<File>* out);

// Registers the driver for character device `rdev`. False if the table is full.
bool registerDevice(uint64_t rdev, DeviceOpen open);
// Opens the device node (ENXIO when no driver has its number).
long openDevice(Node* node, uint32_t flags, Ref<File>* out);

// Registers null, zero, full, random and urandom.
void registerMemoryDevices();

} // namespace uk::vfs
