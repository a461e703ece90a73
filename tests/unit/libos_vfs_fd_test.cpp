// Descriptors and open file descriptions: lowest-free allocation, the limit, dup sharing
// offsets and status flags, close-on-exec per descriptor; pipes; the memory devices.
#include "libos_vfs_fixture.h"
#include "vfs/devices.h"
#include "vfs/pipe.h"

#include <doctest/doctest.h>

#include <string>

using namespace uk::vfs;
using uk::vfs::test::Fs;

TEST_CASE("fd table: lowest free number, limit, close") {
    Fs fs;
    REQUIRE(fs.write("/f", "0123456789") == 10);
    long a = openFd(fs.ctx, kAtFdCwd, "/f", kORdonly, 0);
    long b = openFd(fs.ctx, kAtFdCwd, "/f", kORdonly | kOCloexec, 0);
    CHECK(a == 0);
    CHECK(b == 1);
    CHECK_FALSE(fs.ctx.fds.cloexec(0));
    CHECK(fs.ctx.fds.cloexec(1));
    CHECK(fs.ctx.fds.close(0) == 0);
    CHECK(fs.ctx.fds.close(0) == -EBADF);
    CHECK(fs.ctx.fds.close(-1) == -EBADF);
    CHECK(openFd(fs.ctx, kAtFdCwd, "/f", kORdonly, 0) == 0);
    for (int i = 2; i < FdTable::kLimit; ++i) {
        REQUIRE(openFd(fs.ctx, kAtFdCwd, "/f", kORdonly, 0) == i);
    }
    CHECK(openFd(fs.ctx, kAtFdCwd, "/f", kORdonly, 0) == -EMFILE);
    CHECK(fs.ctx.fds.count() == FdTable::kLimit);
    fs.ctx.fds.closeRange(10, 20, false);
    CHECK(fs.ctx.fds.count() == FdTable::kLimit - 11);
    CHECK(fs.ctx.fds.next(10) == 21);
    fs.ctx.fds.closeRange(0, 5, true);
    CHECK(fs.ctx.fds.cloexec(3));
    fs.ctx.fds.closeOnExec();
    CHECK(fs.ctx.fds.next(0) == 6);
}

TEST_CASE("fd table: dup shares the offset and status flags; close-on-exec does not") {
    Fs fs;
    REQUIRE(fs.write("/f", "abcdef") == 6);
    long fd = openFd(fs.ctx, kAtFdCwd, "/f", kORdonly, 0);
    REQUIRE(fd == 0);
    long d = dupFd(fs.ctx, 0, 0, true);
    CHECK(d == 1);
    CHECK(fs.ctx.fds.cloexec(1));
    CHECK_FALSE(fs.ctx.fds.cloexec(0));
    char c;
    CHECK(fs.ctx.fds.peek(0)->read(&c, 1) == 1);
    CHECK(fs.ctx.fds.peek(1)->read(&c, 1) == 1);
    CHECK(c == 'b');
    fs.ctx.fds.peek(1)->setFlags(fs.ctx.fds.peek(1)->flags() | kONonblock);
    CHECK(fs.ctx.fds.peek(0)->nonBlocking());
    CHECK(dupFd(fs.ctx, 0, 10, false) == 10);
    CHECK(dupFd(fs.ctx, 0, FdTable::kLimit, false) == -EINVAL);
    CHECK(dupFd(fs.ctx, 5, 0, false) == -EBADF);
    // dup2/dup3
    CHECK(dup3Fd(fs.ctx, 0, 0, 0, true) == 0);
    CHECK(dup3Fd(fs.ctx, 0, 0, 0, false) == -EINVAL);
    CHECK(dup3Fd(fs.ctx, 0, 5, 0x1, false) == -EINVAL);
    CHECK(dup3Fd(fs.ctx, 7, 5, 0, false) == -EBADF);
    CHECK(dup3Fd(fs.ctx, 0, FdTable::kLimit, 0, false) == -EBADF);
    long other = openFd(fs.ctx, kAtFdCwd, "/f", kORdonly, 0);
    REQUIRE(other == 2);
    CHECK(dup3Fd(fs.ctx, 0, 2, kOCloexec, false) == 2); // replaces the other file silently
    CHECK(fs.ctx.fds.peek(2) == fs.ctx.fds.peek(0));
    CHECK(fs.ctx.fds.cloexec(2));
    CHECK(fs.ctx.fds.peek(2)->read(&c, 1) == 1);
    CHECK(c == 'c');
}

TEST_CASE("fd table: a child's copy shares open files, keeps cloexec, closes on its own") {
    Fs fs;
    REQUIRE(fs.write("/f", "xyz") == 3);
    REQUIRE(openFd(fs.ctx, kAtFdCwd, "/f", kORdonly, 0) == 0);
    REQUIRE(openFd(fs.ctx, kAtFdCwd, "/f", kORdonly | kOCloexec, 0) == 1);
    REQUIRE(dupFd(fs.ctx, 0, 7, false) == 7);
    FdTable child;
    REQUIRE(child.copyFrom(fs.ctx.fds) == 0);
    CHECK(child.count() == 3);
    CHECK(child.peek(0) == fs.ctx.fds.peek(0));
    CHECK(child.cloexec(1));
    CHECK(child.peek(7) == fs.ctx.fds.peek(7));
    char c;
    CHECK(child.peek(0)->read(&c, 1) == 1); // one open file description: a shared offset
    CHECK(fs.ctx.fds.peek(0)->read(&c, 1) == 1);
    CHECK(c == 'y');
    child.closeOnExec();
    CHECK(child.peek(1) == nullptr);
    CHECK(fs.ctx.fds.peek(1) != nullptr); // the parent's own descriptor is untouched
    CHECK(child.close(0) == 0);
    CHECK(fs.ctx.fds.peek(0)->read(&c, 1) == 1);
    CHECK(c == 'z');
}

TEST_CASE("pipes: data in order, EOF, EPIPE, EAGAIN, atomic writes, capacity") {
    Ref<File> r, w;
    REQUIRE(Pipe::makePair(kONonblock, &r, &w) == 0);
    CHECK(r->readable());
    CHECK_FALSE(r->writable());
    CHECK(w->writable());
    CHECK(r->write("x", 1) == -EBADF);
    CHECK(w->read(nullptr, 0) == -EBADF);
    char buf[100];
    CHECK(r->read(buf, sizeof buf) == -EAGAIN);
    CHECK((r->poll() & kPollIn) == 0);
    CHECK(w->write("hello ", 6) == 6);
    CHECK(w->write("pipe", 4) == 4);
    CHECK((r->poll() & kPollIn) != 0);
    CHECK(r->available() == 10);
    CHECK(r->read(buf, 3) == 3);
    CHECK(r->read(buf + 3, sizeof buf) == 7);
    CHECK(std::string(buf, 10) == "hello pipe");
    // Fill it: non-blocking partial write, then EAGAIN; atomic writes are all or nothing.
    std::string big(Pipe::kDefaultSize + 100, 'z');
    CHECK(w->write(big.data(), big.size()) == static_cast<long>(Pipe::kDefaultSize));
    CHECK(w->write("a", 1) == -EAGAIN);
    CHECK((w->poll() & kPollOut) == 0);
    CHECK(r->read(buf, 10) == 10);
    CHECK(w->write(big.data(), 100) == -EAGAIN); // 100 <= PIPE_BUF does not fit whole: wait
    CHECK(w->write(big.data(), 5) == 5);
    // Capacity.
    auto* pf = static_cast<PipeFile*>(r.get());
    CHECK(pf->pipe()->setCapacity(4096) == -EBUSY);
    std::string drain(Pipe::kDefaultSize, 0);
    CHECK(r->read(drain.data(), drain.size()) == static_cast<long>(Pipe::kDefaultSize - 5));
    CHECK(pf->pipe()->setCapacity(5000) == 8192);
    CHECK(pf->pipe()->setCapacity(2 << 20) == -EPERM);
    // Writers gone: EOF after the data. Readers gone: EPIPE.
    CHECK(w->write("tail", 4) == 4);
    w.reset();
    CHECK((r->poll() & kPollHup) != 0);
    CHECK(r->read(buf, sizeof buf) == 4);
    CHECK(r->read(buf, sizeof buf) == 0);
    Ref<File> r2, w2;
    REQUIRE(Pipe::makePair(0, &r2, &w2) == 0);
    r2.reset();
    CHECK(w2->write("x", 1) == -EPIPE);
    CHECK((w2->poll() & kPollErr) != 0);
    Text t;
    w2->describe(&t);
    CHECK(std::string(t.c_str()).rfind("pipe:[", 0) == 0);
    // A blocking read on the host has nobody to wait for: interrupted (to be restarted).
    Ref<File> r3, w3;
    REQUIRE(Pipe::makePair(0, &r3, &w3) == 0);
    CHECK(r3->read(buf, 1) == -kRestartSys);
}

TEST_CASE("devices: null, zero, full, random through device nodes") {
    registerMemoryDevices();
    Fs fs;
    REQUIRE(mknodAt(fs.ctx, kAtFdCwd, "/null", kIfChr | 0666, kDevNull) == 0);
    REQUIRE(mknodAt(fs.ctx, kAtFdCwd, "/zero", kIfChr | 0666, kDevZero) == 0);
    REQUIRE(mknodAt(fs.ctx, kAtFdCwd, "/full", kIfChr | 0666, kDevFull) == 0);
    REQUIRE(mknodAt(fs.ctx, kAtFdCwd, "/urandom", kIfChr | 0666, kDevUrandom) == 0);
    REQUIRE(mknodAt(fs.ctx, kAtFdCwd, "/nodrv", kIfChr | 0666, makeDev(42, 42)) == 0);
    CHECK(fs.read("/null") == "");
    CHECK(fs.write("/null", "gone") == 4);
    Ref<File> f;
    REQUIRE(openAt(fs.ctx, kAtFdCwd, "/zero", kORdwr, 0, &f) == 0);
    char buf[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    CHECK(f->read(buf, 8) == 8);
    CHECK(std::string(buf, 8) == std::string(8, '\0'));
    REQUIRE(openAt(fs.ctx, kAtFdCwd, "/full", kORdwr, 0, &f) == 0);
    CHECK(f->write("x", 1) == -ENOSPC);
    CHECK(f->read(buf, 8) == 8);
    REQUIRE(openAt(fs.ctx, kAtFdCwd, "/urandom", kORdonly, 0, &f) == 0);
    CHECK(f->read(buf, 8) == 8);
    uint64_t pos = 1;
    CHECK(f->seek(100, kSeekSet, &pos) == 0);
    CHECK(pos == 0);
    CHECK(openAt(fs.ctx, kAtFdCwd, "/nodrv", kORdonly, 0, &f) == -ENXIO);
    // Truncating a device opened with O_TRUNC is ignored, as on Linux.
    CHECK(openAt(fs.ctx, kAtFdCwd, "/null", kOWronly | kOTrunc, 0, &f) == 0);
}
