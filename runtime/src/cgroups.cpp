#include <uk/runtime/cgroups.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <sstream>

#include <uk/support/error.h>
#include <uk/support/fs.h>
#include <uk/support/text.h>

namespace uk::runtime {

namespace stdfs = std::filesystem;

namespace {

// "a-b.slice" -> "/a.slice/a-b.slice", as systemd nests slices by their dashes.
std::string expandSlice(const std::string& slice) {
    if (slice.empty() || slice == "-.slice") {
        return "";
    }
    std::string base = slice.substr(0, slice.size() - std::string(".slice").size());
    std::string path;
    size_t pos = 0;
    while (true) {
        size_t dash = base.find('-', pos);
        std::string prefix = dash == std::string::npos ? base : base.substr(0, dash);
        path += "/" + prefix + ".slice";
        if (dash == std::string::npos) {
            break;
        }
        pos = dash + 1;
    }
    return path;
}

bool writeSmallFile(const stdfs::path& file, const std::string& text) {
    FILE* f = std::fopen(file.c_str(), "we");
    if (f == nullptr) {
        return false;
    }
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    return std::fclose(f) == 0 && ok;
}

std::string readSmallFile(const stdfs::path& file) {
    try {
        std::string s = fs::readFile(file);
        while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
            s.pop_back();
        }
        return s;
    } catch (const Error&) {
        return "";
    }
}

// A new cpuset cgroup starts with no CPUs and no memory nodes, and refuses tasks until it
// has some: it gets its parent's, as runc does.
void inheritCpuset(const stdfs::path& dir) {
    for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
        if (stdfs::exists(dir / file) && readSmallFile(dir / file).empty()) {
            writeSmallFile(dir / file, readSmallFile(dir.parent_path() / file));
        }
    }
}

} // namespace

std::string cgroupRelativePath(const std::string& cgroupsPath, bool systemd) {
    if (systemd && cgroupsPath.find(':') != std::string::npos &&
        cgroupsPath.find('/') == std::string::npos) {
        std::vector<std::string> parts;
        std::stringstream in(cgroupsPath);
        std::string part;
        while (std::getline(in, part, ':')) {
            parts.push_back(part);
        }
        if (parts.size() == 3) {
            std::string slice = parts[0].empty() ? "system.slice" : parts[0];
            std::string unit = parts[2];
            if (unit.find('.') == std::string::npos) {
                unit = (parts[1].empty() ? "" : parts[1] + "-") + unit + ".scope";
            }
            return expandSlice(slice) + "/" + unit;
        }
    }
    if (cgroupsPath.empty() || cgroupsPath[0] == '/') {
        return cgroupsPath;
    }
    return "/" + cgroupsPath;
}

std::vector<stdfs::path> cgroupMounts() {
    std::vector<stdfs::path> mounts;
    std::string text;
    try {
        text = fs::readFile("/proc/self/mountinfo");
    } catch (const Error&) {
        return mounts;
    }
    std::set<std::string> devices;
    for (std::string_view line : text::splitLines(text)) {
        // ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
        std::vector<std::string> fields;
        std::stringstream in{std::string(line)};
        std::string f;
        while (in >> f) {
            fields.push_back(f);
        }
        auto dash = std::find(fields.begin(), fields.end(), "-");
        if (fields.size() < 5 || dash == fields.end() || dash + 1 == fields.end()) {
            continue;
        }
        const std::string& type = *(dash + 1);
        if (type != "cgroup" && type != "cgroup2") {
            continue;
        }
        if (!devices.insert(fields[2]).second) {
            continue; // the same hierarchy mounted twice
        }
        mounts.emplace_back(fields[4]);
    }
    return mounts;
}

std::vector<stdfs::path> joinCgroups(const std::string& relativePath, pid_t pid,
                                     std::vector<std::string>& warnings) {
    std::vector<stdfs::path> made;
    if (relativePath.empty() || relativePath == "/") {
        return made;
    }
    stdfs::path relative = stdfs::path(relativePath).relative_path().lexically_normal();
    if (relative.empty() || *relative.begin() == "..") {
        warnings.push_back("linux.cgroupsPath " + relativePath + ": not a path below the root");
        return made;
    }
    for (const auto& mount : cgroupMounts()) {
        stdfs::path dir = mount;
        bool createdLeaf = false;
        bool failed = false;
        for (const auto& component : relative) {
            dir /= component;
            if (::mkdir(dir.c_str(), 0755) == 0) {
                inheritCpuset(dir);
                createdLeaf = true;
            } else if (errno == EEXIST) {
                createdLeaf = false;
            } else {
                warnings.push_back("cgroup " + dir.string() + ": " + std::strerror(errno));
                failed = true;
                break;
            }
        }
        if (failed) {
            continue;
        }
        if (createdLeaf) {
            made.push_back(dir);
        }
        if (!writeSmallFile(dir / "cgroup.procs", std::to_string(pid))) {
            warnings.push_back("cannot move the container into cgroup " + dir.string() + ": " +
                               std::strerror(errno));
        }
    }
    return made;
}

void removeCgroups(const std::vector<stdfs::path>& dirs) {
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
        ::rmdir(it->c_str());
    }
}

} // namespace uk::runtime
