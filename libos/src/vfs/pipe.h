// Pipes and FIFOs: a ring buffer between readers and writers, with Linux's rules: writes of
// up to PIPE_BUF bytes are atomic, a read returns what is there (0 once every writer is
// gone), a write without readers raises SIGPIPE and fails with EPIPE, O_NONBLOCK gives
// EAGAIN instead of waiting. Anonymous pipes live on an internal pipefs; a FIFO's pipe
// belongs to its node.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../sched/wait_queue.h"
#include "file.h"

namespace uk::vfs {

class Pipe : public RefCounted {
public:
    static constexpr size_t kDefaultSize = 65536; // 16 pages, as on Linux
    static constexpr size_t kMaxSize = 1 << 20;   // /proc/sys/fs/pipe-max-size
    static constexpr size_t kAtomic = 4096;       // PIPE_BUF

    // A pipe for `node` (a FIFO, or a pipefs node).
    static Ref<Pipe> create(Node* node);
    // pipe2(): both ends, with O_NONBLOCK / O_DIRECT from `flags`.
    static long makePair(uint32_t flags, Ref<File>* readEnd, Ref<File>* writeEnd);

    // Opens one end of a FIFO (or /proc/self/fd/N of a pipe): O_RDONLY, O_WRONLY or O_RDWR.
    long openFifo(Node* node, uint32_t flags, Ref<File>* out);

    long read(void* buf, size_t size, bool nonBlocking);
    long write(const void* buf, size_t size, bool nonBlocking);
    uint32_t poll(bool reader, bool writer) const;
    sched::WaitQueue& queue() { return queue_; }
    size_t buffered() const { return count_; }
    size_t capacity() const { return capacity_; }
    // F_SETPIPE_SZ: rounds up to a power-of-two number of pages. Returns the new size.
    long setCapacity(uint64_t size);

    void addEnd(bool reader, bool writer);
    void dropEnd(bool reader, bool writer);

    Pipe() = default;

private:
    ~Pipe() override;

    char* buf_ = nullptr; // allocated at the first write
    size_t capacity_ = kDefaultSize;
    size_t head_ = 0; // next byte to read
    size_t count_ = 0;
    uint32_t readers_ = 0;
    uint32_t writers_ = 0;
    uint32_t readerOpens_ = 0; // FIFO open(2) waits for the other side's first open
    uint32_t writerOpens_ = 0;
    sched::WaitQueue queue_; // readers and writers alike; every change wakes all
};

// One end of a pipe, as an open file description.
class PipeFile : public File {
public:
    PipeFile(Ref<Node> node, Ref<Pipe> pipe, uint32_t flags);

    long read(void* buf, size_t size) override;
    long write(const void* buf, size_t size) override;
    long available() const override { return static_cast<long>(pipe_->buffered()); }
    uint32_t poll() const override;
    sched::WaitQueue* pollQueue() override { return &pipe_->queue(); }
    void describe(Text* out) const override;
    Pipe* pipe() const { return pipe_.get(); }

protected:
    ~PipeFile() override;

private:
    Ref<Pipe> pipe_;
};

} // namespace uk::vfs
