#include <uk/support/error.h>
#include <uk/toolchain/tree_paths.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <vector>

namespace uk::toolchain {

namespace {

// Linux's limit on symlinks followed in one lookup (ELOOP beyond it).
constexpr int kMaxSymlinks = 40;

std::deque<std::string> componentsOf(std::string_view path) {
    std::deque<std::string> components;
    size_t start = 0;
    while (start < path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) {
            slash = path.size();
        }
        if (slash > start) {
            components.emplace_back(path.substr(start, slash - start));
        }
        start = slash + 1;
    }
    return components;
}

std::string join(const std::vector<std::string>& components) {
    std::string path;
    for (const auto& component : components) {
        path += (path.empty() ? "" : "/") + component;
    }
    return path;
}

} // namespace

std::string resolveInTree(const std::filesystem::path& root, std::string_view guestPath) {
    const std::string what(guestPath);
    std::vector<std::string> resolved; // existing, symlink-free components so far
    std::deque<std::string> todo = componentsOf(guestPath);
    int symlinks = 0;
    while (!todo.empty()) {
        std::string component = std::move(todo.front());
        todo.pop_front();
        if (component == ".") {
            continue;
        }
        if (component == "..") {
            if (!resolved.empty()) {
                resolved.pop_back();
            }
            continue;
        }
        resolved.push_back(component);
        const std::string inTree = "/" + join(resolved);
        const std::filesystem::path host = root / join(resolved);
        struct stat st;
        if (::lstat(host.c_str(), &st) != 0) {
            if (errno == ENOENT) {
                throw Error(what + ": not found in " + root.string() +
                            (symlinks > 0 || inTree != what ? " (" + inTree + " is missing)" : ""));
            }
            throwErrno(what + ": " + host.string());
        }
        if (S_ISLNK(st.st_mode)) {
            if (++symlinks > kMaxSymlinks) {
                throw Error(what + ": too many levels of symbolic links in " + root.string());
            }
            // Not st_size: some file systems report 0 for symlinks.
            char buffer[4096];
            ssize_t n = ::readlink(host.c_str(), buffer, sizeof buffer);
            if (n < 0 || static_cast<size_t>(n) == sizeof buffer) {
                throwErrno(what + ": " + host.string());
            }
            const std::string target(buffer, static_cast<size_t>(n));
            resolved.pop_back();
            if (target.starts_with('/')) {
                resolved.clear(); // absolute targets mean the tree's root
            }
            std::deque<std::string> next = componentsOf(target);
            todo.insert(todo.begin(), next.begin(), next.end());
            continue;
        }
        if (!todo.empty() && !S_ISDIR(st.st_mode)) {
            throw Error(what + ": " + inTree + " is not a directory in " + root.string());
        }
    }
    return join(resolved);
}

} // namespace uk::toolchain
