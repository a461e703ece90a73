// Waiting on many files (poll hooks, MultiWait), epoll instances (level- and edge-triggered,
// one-shot, nesting, interests dropped with their file), eventfd counters, and the time
// arithmetic of timeouts and periodic timers.
#include "libos_vfs_fixture.h"
#include "time/timespec.h"
#include "vfs/epoll.h"
#include "vfs/eventfd.h"
#include "vfs/pipe.h"
#include "vfs/wait.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace uk::vfs;

namespace {

// A file whose readiness the test sets; every change wakes its queue, as File requires.
class FakeFile : public File {
public:
    FakeFile() : File(nullptr, kORdwr) {}
    uint32_t poll() const override { return bits_; }
    uk::sched::WaitQueue* pollQueue() override { return &queue_; }
    void set(uint32_t bits) {
        bits_ = bits;
        wakeAll(queue_);
    }
    void poke() { wakeAll(queue_); } // a wake-up without a change

private:
    uint32_t bits_ = 0;
    uk::sched::WaitQueue queue_;
};

// A file that cannot be waited for (like a regular file).
class PlainFile : public File {
public:
    PlainFile() : File(nullptr, kORdwr) {}
};

EpollEvent ev(uint32_t events, uint64_t data) {
    return EpollEvent{events, data};
}

// What one collect returns, as (data, events) pairs.
std::vector<std::pair<uint64_t, uint32_t>> collect(EpollFile& ep, int max = 16) {
    std::vector<EpollEvent> out(static_cast<size_t>(max));
    int n = ep.collect(out.data(), max);
    std::vector<std::pair<uint64_t, uint32_t>> r;
    for (int i = 0; i < n; ++i) {
        // Copies: the packed fields cannot be bound to references.
        uint64_t data = out[static_cast<size_t>(i)].data;
        uint32_t events = out[static_cast<size_t>(i)].events;
        r.emplace_back(data, events);
    }
    return r;
}

using Events = std::vector<std::pair<uint64_t, uint32_t>>;

} // namespace

TEST_CASE("poll hooks: wakeAll calls the hooks of that queue only; MultiWait") {
    uk::sched::WaitQueue a, b;
    int hits = 0;
    PollHook h;
    h.notify = [](PollHook* self) { ++*static_cast<int*>(self->context); };
    h.context = &hits;
    addHook(&h, a);
    wakeAll(b);
    CHECK(hits == 0);
    wakeAll(a);
    wakeAll(a);
    CHECK(hits == 2);
    removeHook(&h);
    removeHook(&h); // twice is harmless
    wakeAll(a);
    CHECK(hits == 2);

    MultiWait w;
    REQUIRE(w.reserve(20));
    std::vector<uk::sched::WaitQueue> queues(20);
    for (auto& q : queues) {
        w.watch(q);
        w.watch(q); // the same queue again is not watched twice
    }
    CHECK(w.watched() == 20);
    CHECK_FALSE(w.fired());
    // Nothing woke it: on the host a wait is interrupted at once.
    CHECK(w.wait(0) == WaitResult::Interrupted);
    wakeAll(queues[17]);
    CHECK(w.fired());
    CHECK(w.wait(0) == WaitResult::Woken);
    CHECK_FALSE(w.fired());
}

TEST_CASE("eventfd: counter, semaphore mode, limits, readiness") {
    Ref<EventFdFile> f = EventFdFile::create(3, kEfdNonblock);
    REQUIRE(f);
    uint64_t v = 0;
    CHECK(f->read(&v, 4) == -EINVAL);
    CHECK((f->poll() & kPollIn) != 0);
    CHECK(f->read(&v, 8) == 8);
    CHECK(v == 3);
    CHECK(f->read(&v, 8) == -EAGAIN);
    CHECK((f->poll() & kPollIn) == 0);
    CHECK((f->poll() & kPollOut) != 0);
    v = 5;
    CHECK(f->write(&v, 8) == 8);
    v = 7;
    CHECK(f->write(&v, 16) == 8); // more than 8 bytes: the first 8 count
    CHECK(f->count() == 12);
    v = ~0ull;
    CHECK(f->write(&v, 8) == -EINVAL);
    v = EventFdFile::kMax - 12;
    CHECK(f->write(&v, 8) == 8);
    CHECK((f->poll() & kPollOut) == 0);
    v = 1;
    CHECK(f->write(&v, 8) == -EAGAIN); // would pass the maximum
    Text t;
    f->describe(&t);
    CHECK(std::string(t.c_str()) == "anon_inode:[eventfd]");
    REQUIRE(f->node() != nullptr);
    CHECK((f->node()->mode() & kIfMt) == 0); // anon inodes have no file type

    Ref<EventFdFile> sem = EventFdFile::create(2, kEfdSemaphore | kEfdNonblock);
    REQUIRE(sem);
    CHECK(sem->read(&v, 8) == 8);
    CHECK(v == 1);
    CHECK(sem->read(&v, 8) == 8);
    CHECK(v == 1);
    CHECK(sem->read(&v, 8) == -EAGAIN);
    // Blocking read on the host: nobody to wait for, so interrupted (to be restarted).
    Ref<EventFdFile> blocking = EventFdFile::create(0, 0);
    CHECK(blocking->read(&v, 8) == -kRestartSys);
}

TEST_CASE("epoll: level-triggered reports while ready, rotating through a short buffer") {
    Ref<EpollFile> ep = EpollFile::create(0);
    REQUIRE(ep);
    Ref<FakeFile> a = make<FakeFile>(), b = make<FakeFile>();
    CHECK(ep->control(kEpollCtlAdd, 3, a.get(), ev(kEpollIn, 30)) == 0);
    CHECK(ep->control(kEpollCtlAdd, 4, b.get(), ev(kEpollIn | kEpollOut, 40)) == 0);
    CHECK(ep->control(kEpollCtlAdd, 3, a.get(), ev(kEpollIn, 30)) == -EEXIST);
    CHECK(collect(*ep).empty());
    CHECK(ep->poll() == 0);
    a->set(kPollIn);
    CHECK(ep->poll() == (kPollIn | kPollRdNorm));
    CHECK(collect(*ep) == Events{{30, kEpollIn}});
    CHECK(collect(*ep) == Events{{30, kEpollIn}}); // still ready: reported again
    b->set(kPollOut | kPollIn);
    // One at a time: each collect gives the next, not always the first.
    CHECK(collect(*ep, 1) == Events{{30, kEpollIn}});
    CHECK(collect(*ep, 1) == Events{{40, kEpollIn | kEpollOut}});
    CHECK(collect(*ep, 1) == Events{{30, kEpollIn}});
    a->set(0);
    CHECK(collect(*ep) == Events{{40, kEpollIn | kEpollOut}});
    // Only asked-for events, plus ERR and HUP always.
    b->set(kPollOut | kPollHup);
    CHECK(ep->control(kEpollCtlMod, 4, b.get(), ev(kEpollIn, 41)) == 0);
    CHECK(collect(*ep) == Events{{41, kEpollHup}});
    CHECK(ep->control(kEpollCtlDel, 4, b.get(), ev(0, 0)) == 0);
    CHECK(ep->control(kEpollCtlDel, 4, b.get(), ev(0, 0)) == -ENOENT);
    CHECK(ep->control(kEpollCtlMod, 4, b.get(), ev(kEpollIn, 0)) == -ENOENT);
    CHECK(collect(*ep).empty());
    CHECK(ep->interestCount() == 1);
}

TEST_CASE("epoll: edge-triggered reports once per wake-up; one-shot until re-armed") {
    Ref<EpollFile> ep = EpollFile::create(0);
    REQUIRE(ep);
    Ref<FakeFile> a = make<FakeFile>(), b = make<FakeFile>();
    a->set(kPollIn);
    // Already ready when added: that counts as the edge.
    CHECK(ep->control(kEpollCtlAdd, 5, a.get(), ev(kEpollIn | kEpollEt, 5)) == 0);
    CHECK(collect(*ep) == Events{{5, kEpollIn}});
    CHECK(collect(*ep).empty()); // still readable, but no new edge
    a->poke();                   // new data arrived (readiness unchanged): a new edge
    CHECK(collect(*ep) == Events{{5, kEpollIn}});
    a->set(kPollOut); // a wake-up that is not about what it waits for: nothing
    CHECK(collect(*ep).empty());

    CHECK(ep->control(kEpollCtlAdd, 6, b.get(), ev(kEpollIn | kEpollOneshot, 6)) == 0);
    b->set(kPollIn);
    CHECK(collect(*ep) == Events{{6, kEpollIn}});
    b->poke();
    CHECK(collect(*ep).empty()); // disabled after the one report
    CHECK(ep->control(kEpollCtlMod, 6, b.get(), ev(kEpollIn | kEpollOneshot, 7)) == 0);
    CHECK(collect(*ep) == Events{{7, kEpollIn}}); // re-armed and ready at once
    CHECK(collect(*ep).empty());
}

TEST_CASE("epoll: errors, EPOLLEXCLUSIVE, closing a file drops its interest") {
    Ref<EpollFile> ep = EpollFile::create(0);
    REQUIRE(ep);
    Ref<PlainFile> plain = make<PlainFile>();
    CHECK(ep->control(kEpollCtlAdd, 1, plain.get(), ev(kEpollIn, 0)) == -EPERM);
    CHECK(ep->control(kEpollCtlAdd, 2, ep.get(), ev(kEpollIn, 0)) == -EINVAL);
    Ref<FakeFile> a = make<FakeFile>();
    CHECK(ep->control(9, 1, a.get(), ev(kEpollIn, 0)) == -EINVAL);
    CHECK(ep->control(kEpollCtlAdd, 1, a.get(),
                      ev(kEpollIn | kEpollExclusive | kEpollOneshot, 0)) == -EINVAL);
    CHECK(ep->control(kEpollCtlAdd, 1, a.get(), ev(kEpollIn | kEpollExclusive, 0)) == 0);
    CHECK(ep->control(kEpollCtlMod, 1, a.get(), ev(kEpollIn, 0)) == -EINVAL);
    // The same description under another descriptor is another interest.
    CHECK(ep->control(kEpollCtlAdd, 2, a.get(), ev(kEpollIn, 2)) == 0);
    a->set(kPollIn);
    CHECK(ep->interestCount() == 2);
    a.reset(); // the last reference: both interests go, ready or not
    CHECK(ep->interestCount() == 0);
    CHECK(collect(*ep).empty());
    // And an epoll instance going away first leaves its files unharmed.
    Ref<FakeFile> b = make<FakeFile>();
    CHECK(ep->control(kEpollCtlAdd, 3, b.get(), ev(kEpollIn, 3)) == 0);
    ep.reset();
    b->set(kPollIn); // its hook is gone with the instance
    Text t;
    Ref<EpollFile> ep2 = EpollFile::create(0);
    ep2->describe(&t);
    CHECK(std::string(t.c_str()) == "anon_inode:[eventpoll]");
    CHECK(EpollFile::from(ep2.get()) == ep2.get());
    CHECK(EpollFile::from(b.get()) == nullptr);
}

TEST_CASE("epoll: nested instances, loops refused, pipes and eventfds as targets") {
    Ref<EpollFile> outer = EpollFile::create(0), inner = EpollFile::create(0);
    REQUIRE(outer);
    REQUIRE(inner);
    Ref<File> r, w;
    REQUIRE(Pipe::makePair(kONonblock, &r, &w) == 0);
    CHECK(inner->control(kEpollCtlAdd, 10, r.get(), ev(kEpollIn, 10)) == 0);
    CHECK(outer->control(kEpollCtlAdd, 11, inner.get(), ev(kEpollIn, 11)) == 0);
    CHECK(inner->control(kEpollCtlAdd, 12, outer.get(), ev(kEpollIn, 12)) == -ELOOP);
    CHECK(collect(*outer).empty());
    CHECK(w->write("x", 1) == 1); // pipe -> inner -> outer
    CHECK(collect(*outer) == Events{{11, kEpollIn}});
    CHECK(collect(*inner) == Events{{10, kEpollIn}});
    char c;
    CHECK(r->read(&c, 1) == 1);
    CHECK(collect(*inner).empty());
    CHECK(collect(*outer).empty());
    // Nesting deeper than Linux allows.
    std::vector<Ref<EpollFile>> chain;
    chain.push_back(EpollFile::create(0));
    long last = 0;
    for (int i = 1; i < 8 && last == 0; ++i) {
        chain.push_back(EpollFile::create(0));
        last = chain[static_cast<size_t>(i)]->control(
            kEpollCtlAdd, i, chain[static_cast<size_t>(i - 1)].get(), ev(kEpollIn, 0));
    }
    CHECK(last == -ELOOP);
    CHECK(chain.size() <= static_cast<size_t>(EpollFile::kMaxNesting + 2));
    // An eventfd: edge-triggered sees each write.
    Ref<EventFdFile> efd = EventFdFile::create(0, kEfdNonblock);
    Ref<EpollFile> ep = EpollFile::create(0);
    CHECK(ep->control(kEpollCtlAdd, 20, efd.get(), ev(kEpollIn | kEpollEt, 20)) == 0);
    CHECK(collect(*ep).empty());
    uint64_t one = 1;
    CHECK(efd->write(&one, 8) == 8);
    CHECK(collect(*ep) == Events{{20, kEpollIn}});
    CHECK(collect(*ep).empty());
    CHECK(efd->write(&one, 8) == 8);
    CHECK(collect(*ep) == Events{{20, kEpollIn}});
}

TEST_CASE("time arithmetic: timespecs, saturation, periodic expiry") {
    namespace tu = uk::timeutil;
    using tu::after, tu::expire, tu::fromNs, tu::kForever, tu::left, tu::toNs, tu::toTimeval,
        tu::valid;
    using TS = tu::Timespec;
    CHECK(valid(TS{0, 0}));
    CHECK(valid(TS{5, 999'999'999}));
    CHECK_FALSE(valid(TS{-1, 0}));
    CHECK_FALSE(valid(TS{0, 1'000'000'000}));
    CHECK_FALSE(valid(TS{0, -1}));
    CHECK(toNs(TS{2, 5}) == 2'000'000'005);
    CHECK(toNs(TS{INT64_MAX, 0}) == kForever);
    CHECK(fromNs(3'000'000'007).sec == 3);
    CHECK(fromNs(3'000'000'007).nsec == 7);
    CHECK(toTimeval(1'500'000'999).usec == 500'000);
    CHECK(after(10, 5) == 15);
    CHECK(after(kForever - 1, 5) == kForever);
    CHECK(left(10, 5) == 0);
    CHECK(left(5, 10) == 5);
    // Not due yet; due once; a periodic timer that fell behind counts every period.
    CHECK(expire(99, 100, 10).count == 0);
    CHECK(expire(99, 100, 10).next == 100);
    CHECK(expire(100, 100, 0).count == 1);
    CHECK(expire(100, 100, 0).next == 0);
    CHECK(expire(100, 100, 10).count == 1);
    CHECK(expire(100, 100, 10).next == 110);
    CHECK(expire(135, 100, 10).count == 4);
    CHECK(expire(135, 100, 10).next == 140);
    CHECK(expire(500, 0, 10).count == 0); // disarmed
}
