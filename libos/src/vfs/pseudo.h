// Building blocks for generated file systems (/proc, /sys): directories with fixed and
// computed entries, files whose text is produced when they are opened (a consistent
// snapshot for the reader, like Linux's seq_file), and symlinks whose target is computed
// (or that lead straight to a node, like /proc/self/fd/N).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "file.h"
#include "node.h"

namespace uk::vfs {

class PseudoFs : public FileSystem {
public:
    using FileSystem::FileSystem;
};

class PseudoDir : public Node {
public:
    // `name` is static storage (or owned by a subclass that outlives the node).
    PseudoDir(FileSystem* fs, uint32_t perm, Node* parent, const char* name);

    // A fixed entry; `name` is static storage. False when memory is exhausted.
    bool add(const char* name, Ref<Node> child);

    long lookup(Name name, Ref<Node>* out) override;
    long readdir(uint64_t* cookie, DirSink& sink) override;
    Node* parentDir() const override { return parent_; }
    const char* dirName() const override { return name_; }
    bool isEmptyDir() const override { return head_ == nullptr; }
    // Creating things in a generated directory is not possible.
    long create(Name, uint32_t, uint64_t, const Cred&, Ref<Node>*) override { return -EACCES; }
    long symlink(Name, Name, const Cred&, Ref<Node>*) override { return -EACCES; }
    long link(Name, Node*) override { return -EACCES; }
    long unlink(Name name, bool) override;
    long rename(Name, Node*, Name, uint32_t) override { return -EACCES; }

protected:
    ~PseudoDir() override;
    // Computed entries, after the fixed ones: entry `index` (0, 1, ...) or false past the
    // last. Cookies stay stable as long as the index of an entry does.
    virtual bool dynamicEntry(uint64_t index, Text* name, Ref<Node>* node) { return false; }
    virtual long dynamicLookup(Name name, Ref<Node>* out) { return -ENOENT; }

private:
    struct Entry {
        const char* name;
        Node* node; // holds a reference
        Entry* next;
    };
    static constexpr uint64_t kDynamicBase = 1u << 20; // cookies of computed entries

    Node* parent_; // parents outlive their children here (the tree is never torn down
                   // while in use), so no reference
    const char* name_;
    Entry* head_ = nullptr;
    Entry* tail_ = nullptr;
};

// Produces a file's text when it is opened. Returns false when it cannot (then the open
// fails with ENOMEM if the Text failed, else EIO).
using Generator = bool (*)(Text* out, void* arg);
// Takes what was written to the file (one write), returns bytes taken or -errno.
using Writer = long (*)(const char* data, size_t size, void* arg);

class PseudoFile : public Node {
public:
    PseudoFile(FileSystem* fs, uint32_t perm, Generator gen, void* arg, Writer writer = nullptr);
    long open(uint32_t flags, Ref<File>* out) override;

protected:
    ~PseudoFile() override = default;

private:
    Generator gen_;
    void* arg_;
    Writer writer_;
};

// A symlink with a computed target, or (with a Magic function) one that leads straight to
// a node when followed.
using LinkTarget = bool (*)(Text* out, void* arg);
using MagicTarget = Ref<Node> (*)(void* arg);

class PseudoLink : public Node {
public:
    PseudoLink(FileSystem* fs, LinkTarget target, void* arg, MagicTarget magic = nullptr);
    long readlink(Text* out) const override;
    Ref<Node> magicTarget() override { return magic_ != nullptr ? magic_(arg_) : nullptr; }
    uint64_t size() const override;

protected:
    ~PseudoLink() override = default;

private:
    LinkTarget target_;
    void* arg_;
    MagicTarget magic_;
};

// A file opened on generated text: a private copy, seekable, read-only unless a Writer.
class SnapshotFile : public File {
public:
    SnapshotFile(Ref<Node> node, uint32_t flags, Writer writer, void* arg)
        : File(static_cast<Ref<Node>&&>(node), flags), writer_(writer), arg_(arg) {}
    Text& text() { return text_; }

    long read(void* buf, size_t size) override;
    long write(const void* buf, size_t size) override;
    long pread(void* buf, size_t size, uint64_t offset) override;
    long pwrite(const void* buf, size_t size, uint64_t offset) override { return write(buf, size); }
    long seek(int64_t offset, int whence, uint64_t* result) override;
    long available() const override;

private:
    Text text_;
    Writer writer_;
    void* arg_;
};

// Convenience: fixed text (static storage).
bool staticText(Text* out, void* text);

} // namespace uk::vfs
