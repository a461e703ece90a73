// mmap of a ramfs file: the backing that file-backed memory areas use. MAP_SHARED maps the
// file's own pages (writes reach read(2) and every other mapping); MAP_PRIVATE gets copies
// made at the first touch of each page.
#pragma once

#include "../mm/vma_backing.h"
#include "ramfs.h"

namespace uk::vfs {

class FileMapping final : public mm::VmaBacking {
public:
    // nullptr when memory is exhausted. Starts with no holder.
    static FileMapping* create(Ref<RamFile> file, bool shared, const char* path);

    void hold() override { ++holds_; }
    void release() override;
    bool shared() const override { return shared_; }
    uint64_t sharedFrame(uint64_t index) override;
    void copyPage(uint64_t index, void* dst) override;
    void describe(uint64_t* dev, uint64_t* ino, const char** path) const override;

    RamFile* file() const { return file_.get(); }
    uint32_t holds() const { return holds_; }

private:
    FileMapping(Ref<RamFile> file, bool shared, char* path);
    ~FileMapping();

    Ref<RamFile> file_;
    bool shared_;
    char* path_;
    uint32_t holds_ = 0;
};

} // namespace uk::vfs
