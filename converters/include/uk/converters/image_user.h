// The image's User, resolved the way Docker (runc's GetExecUser) does at container start,
// but once, at conversion, against the flattened tree's /etc/passwd and /etc/group:
//
//   ""            root: uid 0, gid 0
//   NAME          the passwd entry's uid and gid, plus every /etc/group group that lists
//                 NAME as a member (supplementary groups)
//   UID           that uid; gid and groups from a passwd entry with that uid if there is
//                 one, else gid 0 (the uid need not exist, as in Docker)
//   USER:GROUP    user as above; GROUP a name from /etc/group or a number; when a group is
//                 given, it is the only group (Docker ignores supplementary memberships)
//
// The supplementary groups start with the primary gid, as in a Docker container
// (getgroups() there lists it). HOME comes from the passwd entry ("/" when there is none), for
// images whose Env does not set it. A NAME (user or group) that is not in the files is an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace uk::converters {

struct ResolvedUser {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::vector<uint32_t> groups; // supplementary: gid first, as Docker (runc) sets them
    std::string home = "/";
};

// `passwd`/`group`: the files' contents, or nullopt when the image has none. Throws
// uk::Error ("unable to find user app: no matching entries in passwd file").
ResolvedUser resolveImageUser(const std::string& user, const std::optional<std::string>& passwd,
                              const std::optional<std::string>& group);

} // namespace uk::converters
