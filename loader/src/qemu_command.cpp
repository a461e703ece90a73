#include <uk/loader/qemu_command.h>

#include <uk/loader/network_counters.h>

#include <uk/image_format.h>

namespace uk::loader {

namespace {

bool isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

} // namespace

std::string quoteKernelWord(std::string_view word) {
    bool plain = !word.empty();
    for (char c : word) {
        if (isBlank(c) || c == '"' || c == '\\') {
            plain = false;
        }
    }
    if (plain) {
        return std::string(word);
    }
    std::string out = "\"";
    for (char c : word) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
    return out;
}

std::string escapeQemuOptionValue(std::string_view value) {
    std::string out;
    for (char c : value) {
        out += c;
        if (c == ',') {
            out += ',';
        }
    }
    return out;
}

std::string hostForwardRule(const PublishedPort& port, const std::optional<Ipv4Interface>& ip) {
    // An empty guest address means slirp's first DHCP address, 10.0.2.15: the guest's
    // address unless --ip moved it.
    std::string guest = ip ? formatIpv4(ip->address) : "";
    return std::string(protocolName(port.protocol)) + ":" + formatIpv4(port.hostAddress) + ":" +
           std::to_string(port.hostPort) + "-" + guest + ":" + std::to_string(port.guestPort);
}

QemuCommandBuilder::QemuCommandBuilder(const RunOptions& options, Accel accel)
    : options_(options), accel_(accel) {}

QemuCommandBuilder& QemuCommandBuilder::supervised(std::filesystem::path controlFile,
                                                   uint64_t realtimeNs, std::string seedHex) {
    controlFile_ = std::move(controlFile);
    realtimeNs_ = realtimeNs;
    seedHex_ = std::move(seedHex);
    return *this;
}

QemuCommandBuilder& QemuCommandBuilder::dumpNetwork(std::filesystem::path received,
                                                    std::filesystem::path transmitted) {
    networkDump_ = std::make_pair(std::move(received), std::move(transmitted));
    return *this;
}

QemuCommandBuilder& QemuCommandBuilder::hostTscHz(uint64_t hz) {
    tscHz_ = hz;
    return *this;
}

std::string QemuCommandBuilder::kernelCommandLine() const {
    std::vector<std::string> words;
    if (options_.verbose) {
        words.emplace_back(image::kOptVerbose);
    }
    if (options_.strace) {
        words.emplace_back(image::kOptStrace);
    }
    if (controlFile_) {
        words.push_back(std::string(image::kOptStdin) + "=escaped");
        words.push_back(std::string(image::kOptTime) + "=" + std::to_string(realtimeNs_));
        words.push_back(std::string(image::kOptSeed) + "=" + seedHex_);
    }
    if (tscHz_ != 0 && accel_ == Accel::Tcg) {
        words.push_back(std::string(image::kOptTscHz) + "=" + std::to_string(tscHz_));
    }
    GuestNetwork net = guestNetwork(options_);
    if (net.ip) {
        words.push_back(std::string(image::kOptIp) + "=" + formatIpv4(net.ip->address) + "/" +
                        std::to_string(net.ip->prefix));
    }
    if (net.gateway) {
        words.push_back(std::string(image::kOptGateway) + "=" + formatIpv4(*net.gateway));
    }
    for (uint32_t dns : net.dns) {
        words.push_back(std::string(image::kOptDns) + "=" + formatIpv4(dns));
    }
    if (!options_.hostname.empty()) {
        words.push_back(std::string(image::kOptHostname) + "=" + options_.hostname);
    }
    if (!options_.workdir.empty()) {
        words.push_back(std::string(image::kOptWorkdir) + "=" + options_.workdir);
    }
    if (options_.mtu != 0 && options_.net != NetMode::None) {
        words.push_back(std::string(image::kOptMtu) + "=" + std::to_string(options_.mtu));
    }
    if (!options_.startGate.empty() && controlFile_) {
        words.push_back(image::kOptStartGate);
    }
    for (const auto& e : options_.env) {
        words.push_back(std::string(image::kOptEnv) + "=" + e);
    }
    if (options_.entrypoint) {
        words.push_back(std::string(image::kOptEntrypoint) + "=" + *options_.entrypoint);
    }
    if (!options_.user.empty()) {
        words.push_back(std::string(image::kOptUser) + "=" + options_.user);
    }
    if (!options_.args.empty()) {
        // Always separate: an argument that looks like "uk.x" must reach the application.
        words.emplace_back("--");
        words.insert(words.end(), options_.args.begin(), options_.args.end());
    }
    std::string line;
    for (const auto& w : words) {
        if (!line.empty()) {
            line += ' ';
        }
        line += quoteKernelWord(w);
    }
    return line;
}

std::string QemuCommandBuilder::machineOption() const {
    switch (options_.machine) {
    case MachineType::Microvm:
        // The guest calibrates its TSC against the PIT, so the PIT stays; no option ROMs or
        // legacy PIC. The RTC is only needed for the wall clock, which uk run passes as
        // uk.time; a standalone command keeps it so the guest still knows the date.
        // With a virtio device, acpi=off: QEMU then announces virtio-mmio devices on the
        // kernel command line (virtio_mmio.device=), which is where the guest looks.
        return std::string("microvm,x-option-roms=off,pit=on,pic=off,rtc=") +
               (controlFile_ ? "off" : "on") + ",isa-serial=on" +
               (options_.net != NetMode::None ? ",acpi=off" : "");
    case MachineType::Q35:
        return "q35";
    case MachineType::Pc:
        return "pc";
    }
    return "microvm";
}

std::string QemuCommandBuilder::netdevOption() const {
    if (options_.net == NetMode::Tap) {
        // script=no, downscript=no: QEMU's default /etc/qemu-ifup scripts are not uk's to run;
        // the interface is configured (bridged, addressed) by whoever made it.
        return "tap,id=net0,ifname=" + escapeQemuOptionValue(options_.tapInterface) +
               ",script=no,downscript=no";
    }
    std::string netdev = "user,id=net0";
    for (const PublishedPort& p : options_.publish) {
        netdev += ",hostfwd=" + escapeQemuOptionValue(hostForwardRule(p, options_.ip));
    }
    return netdev;
}

std::vector<std::string> QemuCommandBuilder::argv(const std::string& qemuProgram) const {
    std::vector<std::string> a = {qemuProgram};
    auto add = [&](std::initializer_list<std::string> words) { a.insert(a.end(), words); };
    // No user or system configuration files, no default devices (NIC, VGA, ...): the VM has
    // exactly what is listed here, whatever the host's QEMU setup.
    add({"-nodefaults", "-no-user-config"});
    add({"-machine", machineOption()});
    switch (accel_) {
    case Accel::Kvm:
        add({"-accel", "kvm", "-cpu", "host"});
        break;
    case Accel::Tcg:
        add({"-accel", "tcg", "-cpu", "max"});
        break;
    case Accel::Auto:
        // Standalone commands only: QEMU takes the first accelerator that initializes, and
        // "max" means the host's CPU under KVM and everything TCG can emulate otherwise, so
        // the same script runs on hosts with and without KVM.
        add({"-accel", "kvm", "-accel", "tcg", "-cpu", "max"});
        break;
    }
    add({"-m", std::to_string(options_.memoryMiB) + "M"});
    add({"-smp", std::to_string(options_.cpus)});
    // "-display none" rather than -nographic: -nographic also tells SeaBIOS (pc, q35) to use
    // the serial line as its console (fw_cfg etc/sercon-port), which prints its banner and
    // "Booting from ROM.." into the application's output.
    add({"-display", "none", "-no-reboot"});
    if (controlFile_) {
        // signal=off: a ^C byte in the input is data for the guest; uk run handles its own
        // signals and stops QEMU itself.
        add({"-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con"});
    } else {
        add({"-serial", "stdio"});
    }
    add({"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"});
    if (options_.net != NetMode::None) {
        add({"-netdev", netdevOption()});
        // A fixed MAC (QEMU's own default for the first NIC, said explicitly) so the guest's
        // address does not depend on QEMU's defaults or on how many NICs there are.
        std::string common =
            "netdev=net0,mac=" + (options_.mac.empty() ? std::string(kGuestMac) : options_.mac);
        if (options_.machine == MachineType::Microvm) {
            // virtio 1.x over MMIO (QEMU's virtio-mmio is legacy unless told otherwise); the
            // guest finds it through the virtio_mmio.device= word QEMU appends to the
            // command line.
            add({"-global", "virtio-mmio.force-legacy=false", "-device",
                 "virtio-net-device," + common});
        } else {
            // Modern-only virtio 1.x on PCI, like the MMIO device; romfile= (empty) loads no
            // iPXE option ROM: nothing boots from the network, and SeaBIOS starts sooner.
            add({"-device", "virtio-net-pci," + common + ",disable-legacy=on,romfile="});
        }
        if (networkDump_ && options_.net == NetMode::User) {
            // A netdev's tx queue holds what it sends (to the guest), its rx queue what it
            // receives (from the guest).
            const std::string snap = ",maxlen=" + std::to_string(kNetworkDumpSnapLength);
            add({"-object", "filter-dump,id=ukrecv,netdev=net0,queue=tx,file=" +
                                escapeQemuOptionValue(networkDump_->first.string()) + snap});
            add({"-object", "filter-dump,id=uksent,netdev=net0,queue=rx,file=" +
                                escapeQemuOptionValue(networkDump_->second.string()) + snap});
        }
    }
    if (controlFile_) {
        add({"-chardev", "file,id=ukctl,path=" + escapeQemuOptionValue(controlFile_->string()),
             "-device", "isa-debugcon,iobase=0xe9,chardev=ukctl"});
    }
    add({"-kernel", std::filesystem::absolute(options_.image).lexically_normal().string()});
    if (!options_.initrd.empty()) {
        // QEMU hands it to the guest as the first PVH module.
        add({"-initrd", std::filesystem::absolute(options_.initrd).lexically_normal().string()});
    }
    std::string cmdline = kernelCommandLine();
    if (!cmdline.empty()) {
        add({"-append", cmdline});
    }
    return a;
}

} // namespace uk::loader
