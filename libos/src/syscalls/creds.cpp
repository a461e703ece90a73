// Credentials, supplementary groups and capabilities. Every process runs as root (uid and
// gid 0, every capability).
//
// Changing to another user or group, or dropping capabilities, would have to take effect
// in every permission check and in getuid() and friends (process.cpp); until credentials
// are per process, such changes fail with EPERM instead of pretending to work.
#include "../proc/process.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

constexpr uint32_t kKeep = ~0u; // -1: leave this id as it is

// Each id argument must be root's (or -1).
bool rootOrKeep(uint32_t id) {
    return id == 0 || id == kKeep;
}

long setIds(uint32_t a, uint32_t b = kKeep, uint32_t c = kKeep) {
    return rootOrKeep(a) && rootOrKeep(b) && rootOrKeep(c) ? 0 : -EPERM;
}

long sysSetuid(unsigned uid) {
    return uid == kKeep ? -EINVAL : setIds(uid);
}
long sysSetgid(unsigned gid) {
    return gid == kKeep ? -EINVAL : setIds(gid);
}
long sysSetreuid(unsigned r, unsigned e) {
    return setIds(r, e);
}
long sysSetregid(unsigned r, unsigned e) {
    return setIds(r, e);
}
long sysSetresuid(unsigned r, unsigned e, unsigned s) {
    return setIds(r, e, s);
}
long sysSetresgid(unsigned r, unsigned e, unsigned s) {
    return setIds(r, e, s);
}

long getIds(void* r, void* e, void* s) {
    uint32_t zero = 0;
    void* const out[] = {r, e, s};
    for (void* p : out) {
        if (copyOut(p, &zero, sizeof zero) != 0) {
            return -EFAULT;
        }
    }
    return 0;
}
long sysGetresuid(void* r, void* e, void* s) {
    return getIds(r, e, s);
}
long sysGetresgid(void* r, void* e, void* s) {
    return getIds(r, e, s);
}

// setfsuid/setfsgid return the previous id whether or not the change happened (Linux has
// no other way to report failure for them).
long sysSetfsuid(unsigned) {
    return 0;
}
long sysSetfsgid(unsigned) {
    return 0;
}

// ---- supplementary groups ---------------------------------------------------------------

constexpr int kNgroupsMax = 65536;
// One list for every process (they all belong to root, and new ones would inherit it).
constinit uint32_t* g_groups = nullptr;
constinit int g_groupCount = 0;

long sysGetgroups(int size, void* list) {
    if (size < 0) {
        return -EINVAL;
    }
    if (size == 0) {
        return g_groupCount;
    }
    if (size < g_groupCount) {
        return -EINVAL;
    }
    if (g_groupCount > 0 &&
        copyOut(list, g_groups, static_cast<size_t>(g_groupCount) * sizeof(uint32_t)) != 0) {
        return -EFAULT;
    }
    return g_groupCount;
}

// Root may set any list. Permission checks do not consult it (root passes them anyway);
// getgroups reports it.
long sysSetgroups(int size, const void* list) {
    if (size < 0 || size > kNgroupsMax) {
        return -EINVAL;
    }
    uint32_t* groups = nullptr;
    if (size > 0) {
        groups = new (std::nothrow) uint32_t[size];
        if (groups == nullptr) {
            return -ENOMEM;
        }
        if (copyIn(groups, list, static_cast<size_t>(size) * sizeof(uint32_t)) != 0) {
            delete[] groups;
            return -EFAULT;
        }
        // Linux keeps the list sorted (groups_sort) and getgroups shows it that way.
        for (int i = 1; i < size; ++i) {
            uint32_t g = groups[i];
            int j = i - 1;
            for (; j >= 0 && groups[j] > g; --j) {
                groups[j + 1] = groups[j];
            }
            groups[j + 1] = g;
        }
    }
    delete[] g_groups;
    g_groups = groups;
    g_groupCount = size;
    return 0;
}

// ---- capabilities ---------------------------------------------------------------------------

constexpr uint32_t kCapVersion1 = 0x19980330, kCapVersion2 = 0x20071026, kCapVersion3 = 0x20080522;
struct CapHeader {
    uint32_t version;
    int32_t pid;
};
struct CapData {
    uint32_t effective, permitted, inheritable;
};
// Every capability up to CAP_LAST_CAP (40): root's effective and permitted sets.
constexpr uint64_t kAllCaps = (1ull << 41) - 1;

// Checks the header: how many CapData words the version uses, or -errno. An unknown
// version is answered with the preferred one, as Linux does.
long capWords(void* header, CapHeader* h) {
    if (copyIn(h, header, sizeof *h) != 0) {
        return -EFAULT;
    }
    switch (h->version) {
    case kCapVersion1:
        return 1;
    case kCapVersion2:
    case kCapVersion3:
        return 2;
    default: {
        uint32_t preferred = kCapVersion3;
        return copyOut(header, &preferred, sizeof preferred) != 0 ? -EFAULT : -EINVAL;
    }
    }
}

long sysCapget(void* header, void* data) {
    CapHeader h;
    long words = capWords(header, &h);
    if (words == -EINVAL && data == nullptr) {
        return 0; // the version probe libcap makes
    }
    if (words < 0) {
        return words;
    }
    if (h.pid < 0) {
        return -EINVAL;
    }
    if (h.pid != 0 && proc::find(h.pid) == nullptr) {
        return -ESRCH;
    }
    if (data == nullptr) {
        return 0;
    }
    CapData d[2] = {
        {static_cast<uint32_t>(kAllCaps), static_cast<uint32_t>(kAllCaps), 0},
        {static_cast<uint32_t>(kAllCaps >> 32), static_cast<uint32_t>(kAllCaps >> 32), 0}};
    return copyOut(data, d, static_cast<size_t>(words) * sizeof(CapData));
}

long sysCapset(void* header, const void* data) {
    CapHeader h;
    long words = capWords(header, &h);
    if (words < 0) {
        return words;
    }
    if (h.pid != 0 && h.pid != proc::current()->pid) {
        return -EPERM; // only one's own capabilities may be set
    }
    CapData d[2] = {};
    if (copyIn(d, data, static_cast<size_t>(words) * sizeof(CapData)) != 0) {
        return -EFAULT;
    }
    uint64_t eff = d[0].effective | (uint64_t{d[1].effective} << 32);
    uint64_t perm = d[0].permitted | (uint64_t{d[1].permitted} << 32);
    uint64_t inh = d[0].inheritable | (uint64_t{d[1].inheritable} << 32);
    if (words == 1) {
        // A version 1 caller speaks for the low 32 capabilities; the others stay.
        eff |= kAllCaps & ~0xffffffffull;
        perm |= kAllCaps & ~0xffffffffull;
    }
    if ((eff & ~perm) || (perm & ~kAllCaps) || (inh & ~kAllCaps)) {
        return -EPERM; // more than permitted, or than exists
    }
    // Setting the sets root has is fine; dropping any is not supported (see the top).
    return eff == (kAllCaps & perm) && perm == kAllCaps && inh == 0 ? 0 : -EPERM;
}

} // namespace

UK_SYSCALL(setuid, sysSetuid, Partial, "one user: only uid 0 (root) is accepted, others EPERM");
UK_SYSCALL(setgid, sysSetgid, Partial, "one user: only gid 0 is accepted, others EPERM");
UK_SYSCALL(setreuid, sysSetreuid, Partial, "one user: only uid 0 or -1, others EPERM");
UK_SYSCALL(setregid, sysSetregid, Partial, "one user: only gid 0 or -1, others EPERM");
UK_SYSCALL(setresuid, sysSetresuid, Partial, "one user: only uid 0 or -1, others EPERM");
UK_SYSCALL(setresgid, sysSetresgid, Partial, "one user: only gid 0 or -1, others EPERM");
UK_SYSCALL(getresuid, sysGetresuid, Implemented, "");
UK_SYSCALL(getresgid, sysGetresgid, Implemented, "");
UK_SYSCALL(setfsuid, sysSetfsuid, Partial, "one user: the file-system uid stays 0");
UK_SYSCALL(setfsgid, sysSetfsgid, Partial, "one user: the file-system gid stays 0");
UK_SYSCALL(getgroups, sysGetgroups, Implemented, "");
UK_SYSCALL(setgroups, sysSetgroups, Implemented, "");
UK_SYSCALL(capget, sysCapget, Implemented, "");
UK_SYSCALL(capset, sysCapset, Partial,
           "capabilities cannot be dropped: a call that would change root's sets fails with "
           "EPERM");

} // namespace uk::sys
