// /sys: the few files programs read to learn about the machine, CPUs above all
// (/sys/devices/system/cpu/online is how glibc's sysconf counts them).
#include "../base/format.h"
#include "../kernel/log.h"
#include "../kernel/machine.h"
#include "pseudo.h"
#include "system.h"

namespace uk::vfs {

namespace {

bool cpuRange(Text* out, void*) {
    int n = machine::cpuCount();
    return n <= 1 ? out->append("0\n") : out->appendf("0-%d\n", n - 1);
}

bool kernelMax(Text* out, void*) {
    return out->append("8191\n");
}

Ref<Node> file(FileSystem* fs, Generator gen, void* arg = nullptr) {
    return make<PseudoFile>(fs, 0444, gen, arg);
}

} // namespace

Ref<Node> makeSysfs() {
    Ref<FileSystem> fs = make<PseudoFs>("sysfs", kSysfsMagic);
    return fs ? make<PseudoDir>(fs.get(), 0555, nullptr, "sys") : nullptr;
}

void populateSysfs(Node* rootNode) {
    auto* root = static_cast<PseudoDir*>(rootNode);
    FileSystem* fs = root->fs();
    Ref<PseudoDir> devices = make<PseudoDir>(fs, 0755, root, "devices");
    Ref<PseudoDir> system = make<PseudoDir>(fs, 0755, devices.get(), "system");
    Ref<PseudoDir> cpu = make<PseudoDir>(fs, 0755, system.get(), "cpu");
    Ref<PseudoDir> kernel = make<PseudoDir>(fs, 0755, root, "kernel");
    Ref<PseudoDir> fsDir = make<PseudoDir>(fs, 0755, root, "fs");
    bool ok = devices && system && cpu && kernel && fsDir &&
              cpu->add("online", file(fs, cpuRange)) && cpu->add("possible", file(fs, cpuRange)) &&
              cpu->add("present", file(fs, cpuRange)) &&
              cpu->add("kernel_max", file(fs, kernelMax)) && system->add("cpu", cpu) &&
              devices->add("system", system) && root->add("devices", devices) &&
              root->add("kernel", kernel) && root->add("fs", fsDir);
    if (!ok) {
        log::notice("out of memory filling /sys");
    }
}

} // namespace uk::vfs
