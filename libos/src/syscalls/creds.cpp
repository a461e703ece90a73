// Credentials, supplementary groups and capabilities, with Linux's rules.
//
// A process's ids live in its file context (vfs::Cred): real, effective and saved user and
// group ids, and the file-system ids that permission checks use. The first process starts
// as root unless the image's User record (or uk.user) names other ids; children inherit
// them. Capabilities are not stored: they follow the ids as on Linux without
// SECBIT_KEEP_CAPS, so every capability is effective while the effective uid is 0 and
// permitted while any of the real, effective and saved uids is 0. CAP_SETUID/CAP_SETGID
// below therefore mean "effective uid 0".
#include "../proc/process.h"
#include "../vfs/node.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

constexpr uint32_t kKeep = ~0u; // -1: leave this id as it is

vfs::Cred& cred() {
    return fsContext().cred;
}

bool privileged(const vfs::Cred& c) {
    return c.euid == 0;
}

// Is `id` one of the three (or -1)?
bool oneOf(uint32_t id, uint32_t a, uint32_t b, uint32_t c) {
    return id == kKeep || id == a || id == b || id == c;
}

long sysGetuid() {
    return cred().ruid;
}
long sysGetgid() {
    return cred().rgid;
}
long sysGeteuid() {
    return cred().euid;
}
long sysGetegid() {
    return cred().egid;
}

// setuid(2): with CAP_SETUID every user id, otherwise only the effective one (to the real
// or saved id).
long sysSetuid(unsigned uid) {
    vfs::Cred& c = cred();
    if (uid == kKeep) {
        return -EINVAL;
    }
    if (privileged(c)) {
        c.ruid = c.suid = uid;
    } else if (uid != c.ruid && uid != c.suid) {
        return -EPERM;
    }
    c.euid = c.uid = uid;
    return 0;
}
long sysSetgid(unsigned gid) {
    vfs::Cred& c = cred();
    if (gid == kKeep) {
        return -EINVAL;
    }
    if (privileged(c)) {
        c.rgid = c.sgid = gid;
    } else if (gid != c.rgid && gid != c.sgid) {
        return -EPERM;
    }
    c.egid = c.gid = gid;
    return 0;
}

// setreuid(2)/setregid(2): the real id to the real or effective one, the effective id to
// any of the three; the saved id follows the new effective one when the real id is set or
// the effective one moves away from the real one.
long setReal(uint32_t* ruid, uint32_t* euid, uint32_t* suid, uint32_t* fsuid, bool priv, uint32_t r,
             uint32_t e) {
    uint32_t newR = *ruid, newE = *euid, newS = *suid;
    if (r != kKeep) {
        if (!priv && r != *ruid && r != *euid) {
            return -EPERM;
        }
        newR = r;
    }
    if (e != kKeep) {
        if (!priv && !oneOf(e, *ruid, *euid, *suid)) {
            return -EPERM;
        }
        newE = e;
    }
    if (r != kKeep || (e != kKeep && e != *ruid)) {
        newS = newE;
    }
    *ruid = newR;
    *euid = newE;
    *suid = newS;
    *fsuid = newE;
    return 0;
}
long sysSetreuid(unsigned r, unsigned e) {
    vfs::Cred& c = cred();
    return setReal(&c.ruid, &c.euid, &c.suid, &c.uid, privileged(c), r, e);
}
long sysSetregid(unsigned r, unsigned e) {
    vfs::Cred& c = cred();
    return setReal(&c.rgid, &c.egid, &c.sgid, &c.gid, privileged(c), r, e);
}

// setresuid(2)/setresgid(2): without the capability each new id must be one of the current
// real, effective and saved ids.
long setAll(uint32_t* ruid, uint32_t* euid, uint32_t* suid, uint32_t* fsuid, bool priv, uint32_t r,
            uint32_t e, uint32_t s) {
    if (!priv && (!oneOf(r, *ruid, *euid, *suid) || !oneOf(e, *ruid, *euid, *suid) ||
                  !oneOf(s, *ruid, *euid, *suid))) {
        return -EPERM;
    }
    if (r != kKeep) {
        *ruid = r;
    }
    if (e != kKeep) {
        *euid = e;
    }
    if (s != kKeep) {
        *suid = s;
    }
    *fsuid = *euid;
    return 0;
}
long sysSetresuid(unsigned r, unsigned e, unsigned s) {
    vfs::Cred& c = cred();
    return setAll(&c.ruid, &c.euid, &c.suid, &c.uid, privileged(c), r, e, s);
}
long sysSetresgid(unsigned r, unsigned e, unsigned s) {
    vfs::Cred& c = cred();
    return setAll(&c.rgid, &c.egid, &c.sgid, &c.gid, privileged(c), r, e, s);
}

long getIds(uint32_t r, uint32_t e, uint32_t s, void* ro, void* eo, void* so) {
    const uint32_t ids[] = {r, e, s};
    void* const out[] = {ro, eo, so};
    for (int i = 0; i < 3; ++i) {
        if (copyOut(out[i], &ids[i], sizeof ids[i]) != 0) {
            return -EFAULT;
        }
    }
    return 0;
}
long sysGetresuid(void* r, void* e, void* s) {
    const vfs::Cred& c = cred();
    return getIds(c.ruid, c.euid, c.suid, r, e, s);
}
long sysGetresgid(void* r, void* e, void* s) {
    const vfs::Cred& c = cred();
    return getIds(c.rgid, c.egid, c.sgid, r, e, s);
}

// setfsuid/setfsgid return the previous id whether or not the change happened (Linux has
// no other way to report failure for them). Allowed: one of the other ids, or any with the
// capability.
long sysSetfsuid(unsigned uid) {
    vfs::Cred& c = cred();
    uint32_t old = c.uid;
    if (uid != kKeep && (privileged(c) || uid == c.ruid || uid == c.euid || uid == c.suid)) {
        c.uid = uid;
    }
    return old;
}
long sysSetfsgid(unsigned gid) {
    vfs::Cred& c = cred();
    uint32_t old = c.gid;
    if (gid != kKeep && (privileged(c) || gid == c.rgid || gid == c.egid || gid == c.sgid)) {
        c.gid = gid;
    }
    return old;
}

// ---- supplementary groups ---------------------------------------------------------------

constexpr int kNgroupsMax = 65536;

long sysGetgroups(int size, void* list) {
    int count = vfs::groupCount();
    if (size < 0) {
        return -EINVAL;
    }
    if (size == 0) {
        return count;
    }
    if (size < count) {
        return -EINVAL;
    }
    if (count > 0 &&
        copyOut(list, vfs::groupList(), static_cast<size_t>(count) * sizeof(uint32_t)) != 0) {
        return -EFAULT;
    }
    return count;
}

// Needs CAP_SETGID. The list is shared by every process (see vfs::setGroups).
long sysSetgroups(int size, const void* list) {
    if (size < 0 || size > kNgroupsMax) {
        return -EINVAL;
    }
    if (!privileged(cred())) {
        return -EPERM;
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
    }
    vfs::setGroups(groups, size); // sorted, as Linux's groups_sort
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

uint64_t effectiveCaps(const vfs::Cred& c) {
    return c.euid == 0 ? kAllCaps : 0;
}
uint64_t permittedCaps(const vfs::Cred& c) {
    return c.ruid == 0 || c.euid == 0 || c.suid == 0 ? kAllCaps : 0;
}

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
    proc::Process* p = h.pid != 0 ? proc::find(h.pid) : proc::current();
    if (h.pid != 0 && (p == nullptr || p->files == nullptr)) {
        return -ESRCH;
    }
    if (data == nullptr) {
        return 0;
    }
    const vfs::Cred& c = p != nullptr && p->files != nullptr ? p->files->cred : cred();
    uint64_t eff = effectiveCaps(c), perm = permittedCaps(c);
    CapData d[2] = {{static_cast<uint32_t>(eff), static_cast<uint32_t>(perm), 0},
                    {static_cast<uint32_t>(eff >> 32), static_cast<uint32_t>(perm >> 32), 0}};
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
    const vfs::Cred& c = cred();
    uint64_t haveEff = effectiveCaps(c), havePerm = permittedCaps(c);
    if (words == 1) {
        // A version 1 caller speaks for the low 32 capabilities; the others stay.
        eff |= haveEff & ~0xffffffffull;
        perm |= havePerm & ~0xffffffffull;
    }
    if ((eff & ~perm) || (perm & ~kAllCaps) || (inh & ~kAllCaps)) {
        return -EPERM; // more than permitted, or than exists
    }
    // Setting the sets the process has is fine; changing them is not supported: they follow
    // the ids (see the top).
    return eff == haveEff && perm == havePerm && inh == 0 ? 0 : -EPERM;
}

} // namespace

UK_SYSCALL_BEFORE_START(getuid, sysGetuid, Implemented, "");
UK_SYSCALL_BEFORE_START(getgid, sysGetgid, Implemented, "");
UK_SYSCALL_BEFORE_START(geteuid, sysGeteuid, Implemented, "");
UK_SYSCALL_BEFORE_START(getegid, sysGetegid, Implemented, "");
UK_SYSCALL(setuid, sysSetuid, Implemented, "");
UK_SYSCALL(setgid, sysSetgid, Implemented, "");
UK_SYSCALL(setreuid, sysSetreuid, Implemented, "");
UK_SYSCALL(setregid, sysSetregid, Implemented, "");
UK_SYSCALL(setresuid, sysSetresuid, Implemented, "");
UK_SYSCALL(setresgid, sysSetresgid, Implemented, "");
UK_SYSCALL_BEFORE_START(getresuid, sysGetresuid, Implemented, "");
UK_SYSCALL_BEFORE_START(getresgid, sysGetresgid, Implemented, "");
UK_SYSCALL(setfsuid, sysSetfsuid, Implemented, "");
UK_SYSCALL(setfsgid, sysSetfsgid, Implemented, "");
UK_SYSCALL_BEFORE_START(getgroups, sysGetgroups, Implemented, "");
UK_SYSCALL(setgroups, sysSetgroups, Partial,
           "one supplementary group list shared by every process (only root may set it)");
UK_SYSCALL(capget, sysCapget, Implemented, "");
UK_SYSCALL(capset, sysCapset, Partial,
           "capabilities follow the user ids (all with effective uid 0, none otherwise): a "
           "call that would change the sets fails with EPERM");

} // namespace uk::sys
