// uk-runtime's reader of an OCI bundle's config.json (what containerd and Docker hand it),
// and the uk run command line and the copies of its mounts it plans from one. Each must return or
// throw uk::Error; nothing else (no crash, leak, other exception).
#include <uk/runtime/bundle_spec.h>
#include <uk/runtime/launch_plan.h>
#include <uk/support/error.h>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        uk::runtime::BundleSpec spec = uk::runtime::parseBundleSpec(text, "/bundle", "fuzz");
        uk::runtime::ImageNeeds needs;
        needs.kernelBytes = 1 << 20;
        needs.rootfsBytes = 4 << 20;
        needs.exposedPorts = {"8080/tcp", "53/udp"};
        needs.workingDir = "/srv";
        try {
            (void)uk::runtime::planMountCopies(spec, uk::runtime::MountMode::ReadOnly, {"/data"},
                                               "fuzz");
        } catch (const uk::Error&) {
        }
        (void)uk::runtime::planMountCopies(spec, uk::runtime::MountMode::Copy, {}, "fuzz");
        (void)uk::runtime::planLaunch(spec, needs, "/bundle/rootfs/.uk/kernel", "/run/rootfs.cpio",
                                      "fuzz");
    } catch (const uk::Error&) {
    }
    return 0;
}
