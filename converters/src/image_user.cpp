#include <uk/converters/image_user.h>
#include <uk/support/error.h>

#include <charconv>
#include <sstream>

namespace uk::converters {

namespace {

std::vector<std::string> fields(const std::string& line) {
    std::vector<std::string> out;
    size_t i = 0;
    while (true) {
        size_t end = line.find(':', i);
        out.push_back(line.substr(i, end == std::string::npos ? std::string::npos : end - i));
        if (end == std::string::npos) {
            return out;
        }
        i = end + 1;
    }
}

std::optional<uint32_t> number(const std::string& s) {
    uint32_t v = 0;
    if (s.empty()) {
        return std::nullopt;
    }
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

struct PasswdEntry {
    std::string name;
    uint32_t uid;
    uint32_t gid;
    std::string home;
};

struct GroupEntry {
    std::string name;
    uint32_t gid;
    std::vector<std::string> members;
};

// Lines that do not parse are skipped, as libc does.
std::vector<PasswdEntry> parsePasswd(const std::string& text) {
    std::vector<PasswdEntry> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        auto f = fields(line);
        if (f.size() < 7 || f[0].empty()) {
            continue;
        }
        auto uid = number(f[2]);
        auto gid = number(f[3]);
        if (uid && gid) {
            out.push_back({f[0], *uid, *gid, f[5]});
        }
    }
    return out;
}

std::vector<GroupEntry> parseGroup(const std::string& text) {
    std::vector<GroupEntry> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        auto f = fields(line);
        if (f.size() < 4 || f[0].empty()) {
            continue;
        }
        auto gid = number(f[2]);
        if (!gid) {
            continue;
        }
        GroupEntry g{f[0], *gid, {}};
        std::string member;
        std::istringstream members(f[3]);
        while (std::getline(members, member, ',')) {
            if (!member.empty()) {
                g.members.push_back(member);
            }
        }
        out.push_back(std::move(g));
    }
    return out;
}

} // namespace

ResolvedUser resolveImageUser(const std::string& spec, const std::optional<std::string>& passwd,
                              const std::optional<std::string>& group) {
    ResolvedUser r;
    const auto users = parsePasswd(passwd.value_or(""));
    const auto groups = parseGroup(group.value_or(""));
    std::string userPart = spec;
    std::optional<std::string> groupPart;
    if (auto colon = spec.find(':'); colon != std::string::npos) {
        userPart = spec.substr(0, colon);
        groupPart = spec.substr(colon + 1);
    }
    if (userPart.empty()) {
        userPart = "0";
    }
    const PasswdEntry* found = nullptr;
    if (auto uid = number(userPart)) {
        r.uid = *uid;
        for (const auto& u : users) {
            if (u.uid == *uid) {
                found = &u;
                break;
            }
        }
    } else {
        for (const auto& u : users) {
            if (u.name == userPart) {
                found = &u;
                break;
            }
        }
        if (found == nullptr) {
            throw Error("unable to find user " + userPart + ": no matching entries in passwd file" +
                        (passwd ? "" : " (the image has no /etc/passwd)"));
        }
        r.uid = found->uid;
    }
    if (found != nullptr) {
        r.gid = found->gid;
        if (!found->home.empty()) {
            r.home = found->home;
        }
    }
    if (groupPart && !groupPart->empty()) {
        if (auto gid = number(*groupPart)) {
            r.gid = *gid;
        } else {
            const GroupEntry* g = nullptr;
            for (const auto& e : groups) {
                if (e.name == *groupPart) {
                    g = &e;
                    break;
                }
            }
            if (g == nullptr) {
                throw Error("unable to find group " + *groupPart +
                            ": no matching entries in group file" +
                            (group ? "" : " (the image has no /etc/group)"));
            }
            r.gid = g->gid;
        }
        r.groups.push_back(r.gid);
        return r;
    }
    r.groups.push_back(r.gid);
    if (found != nullptr) {
        for (const auto& g : groups) {
            for (const auto& m : g.members) {
                if (m == found->name) {
                    bool seen = false;
                    for (uint32_t x : r.groups) {
                        seen = seen || x == g.gid;
                    }
                    if (!seen) {
                        r.groups.push_back(g.gid);
                    }
                }
            }
        }
    }
    return r;
}

} // namespace uk::converters
