#include "file_mapping.h"

#include "env.h"

namespace uk::vfs {

FileMapping* FileMapping::create(Ref<RamFile> file, bool shared, const char* path) {
    char* copy = dupString(path);
    if (copy == nullptr) {
        return nullptr;
    }
    auto* m = new (std::nothrow) FileMapping(static_cast<Ref<RamFile>&&>(file), shared, copy);
    if (m == nullptr) {
        delete[] copy;
    }
    return m;
}

FileMapping::FileMapping(Ref<RamFile> file, bool shared, char* path)
    : file_(static_cast<Ref<RamFile>&&>(file)), shared_(shared), path_(path) {
    if (shared_) {
        file_->mapShared();
    }
}

FileMapping::~FileMapping() {
    if (shared_) {
        file_->unmapShared();
    }
    delete[] path_;
}

void FileMapping::release() {
    if (--holds_ == 0) {
        delete this;
    }
}

uint64_t FileMapping::sharedFrame(uint64_t index) {
    void* page = file_->pageForSharing(index);
    return page != nullptr ? pagePhys(page) : 0;
}

void FileMapping::copyPage(uint64_t index, void* dst) {
    file_->copyPage(index, dst);
}

void FileMapping::describe(uint64_t* dev, uint64_t* ino, const char** path) const {
    *dev = file_->fs()->dev();
    *ino = file_->ino();
    *path = path_;
}

} // namespace uk::vfs
