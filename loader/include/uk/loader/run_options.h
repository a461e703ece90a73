// What `uk run` was asked to do: the parsed command line, independent of how it is carried out.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <uk/support/error.h>

namespace uk::loader {

enum class MachineType { Microvm, Q35, Pc };
enum class Accel { Auto, Kvm, Tcg };

std::string_view machineName(MachineType machine);
std::string_view accelName(Accel accel);

// The least memory uk run gives a guest when --mem is not given.
constexpr uint64_t kDefaultMemoryFloorMiB = 128;

struct RunOptions {
    std::filesystem::path image;
    // Guest memory. Without --mem (memoryGiven false) this is only the floor until
    // applyDefaultMemory sizes it for the image: see defaultMemoryMiB.
    uint64_t memoryMiB = kDefaultMemoryFloorMiB;
    bool memoryGiven = false;
    unsigned cpus = 1;
    Accel accel = Accel::Auto;
    MachineType machine = MachineType::Microvm;
    // Wall-clock limit for the whole VM; nullopt = none.
    std::optional<std::chrono::milliseconds> timeout;
    std::string timeoutText; // as the user wrote it, for messages
    bool printCommand = false;
    bool verbose = false;
    bool strace = false;
    // A root file system (cpio newc archive) handed to the guest as its initrd (QEMU -initrd,
    // a PVH module); empty = none (the guest uses the image's embedded one, if any).
    std::filesystem::path initrd;
    std::vector<std::string> env; // "NAME=VALUE", in command-line order
    // --entrypoint: replaces the image's Entrypoint and drops its Cmd (docker run's rule);
    // "" leaves no entrypoint (ARGS name the program). nullopt: the image's.
    std::optional<std::string> entrypoint;
    std::string user; // --user: "UID" or "UID:GID" (decimal); empty: the image's
    // --net user: a virtio-net device on QEMU's user-mode network (microvm only, for now).
    bool userNet = false;
    std::vector<std::string> args; // application arguments (after "--")
    std::string qemu = "qemu-system-x86_64";
    bool help = false;
};

// A command line uk run cannot accept. runCommand prints it and exits 125.
class UsageError : public Error {
public:
    using Error::Error;
};

// Parses the words after "uk run". Throws UsageError for unknown options, bad values and a
// missing image. With --help, returns at once with `help` set (the rest is not checked).
// `-e NAME` without "=" takes NAME's value from the environment of uk run (as docker run
// does) and is dropped when NAME is not set there.
RunOptions parseRunOptions(const std::vector<std::string>& args);

// "4M", "512M", "1G", "2048" (bare number = MiB), "65536K"; case-insensitive, optional "iB"
// or "B". Returns MiB. Throws UsageError for anything else, sizes that are not whole MiB,
// and sizes below the 2 MiB the library OS needs.
uint64_t parseMemorySize(std::string_view text);

// The memory uk run gives a guest when --mem is not given: the guest unpacks its root file
// system (the initrd embedded in the image, or --initrd) into RAM, so an image needs about
// twice its size plus room to run: max(128 MiB, 2 x (imageBytes + initrdBytes) + 64 MiB),
// rounded up to a multiple of 2 MiB.
uint64_t defaultMemoryMiB(uint64_t imageBytes, uint64_t initrdBytes);

// Without --mem, sets options.memoryMiB to defaultMemoryMiB of the image's (and --initrd's)
// size on disk; with --mem, leaves it. Throws Error when a file cannot be measured.
void applyDefaultMemory(RunOptions& options);

// "--timeout" values: positive seconds, decimals allowed ("0.5"). Throws UsageError.
std::chrono::milliseconds parseTimeout(std::string_view text);

// The text `uk run --help` prints.
std::string runUsage();

} // namespace uk::loader
