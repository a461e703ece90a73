#include "page_tree.h"

namespace uk::vfs {

void PageTree::prune(void* node, unsigned height) {
    if (node == nullptr || height == 0) {
        return;
    }
    auto* in = static_cast<Inner*>(node);
    for (uint64_t i = 0; i < kFanout; ++i) {
        prune(in->slots[i], height - 1);
    }
    delete in;
}

void* PageTree::get(uint64_t index) const {
    if (index >= span(height_)) {
        return nullptr;
    }
    void* node = root_;
    for (unsigned h = height_; h > 0 && node != nullptr; --h) {
        node = static_cast<Inner*>(node)->slots[(index >> (kFanoutBits * (h - 1))) & (kFanout - 1)];
    }
    return node;
}

void** PageTree::slot(uint64_t index) {
    if (index >= span(kMaxHeight)) {
        return nullptr;
    }
    while (index >= span(height_)) {
        auto* in = new (std::nothrow) Inner{};
        if (in == nullptr) {
            return nullptr;
        }
        in->slots[0] = root_;
        root_ = in;
        ++height_;
    }
    void** at = &root_;
    for (unsigned h = height_; h > 0; --h) {
        if (*at == nullptr) {
            *at = new (std::nothrow) Inner{};
            if (*at == nullptr) {
                return nullptr;
            }
        }
        at = &static_cast<Inner*>(*at)->slots[(index >> (kFanoutBits * (h - 1))) & (kFanout - 1)];
    }
    return at;
}

bool PageTree::insert(uint64_t index, void* page) {
    void** at = slot(index);
    if (at == nullptr) {
        return false;
    }
    if (*at == nullptr) {
        ++count_;
    }
    *at = page;
    return true;
}

void PageTree::replace(uint64_t index, void* page) {
    void** at = slot(index);
    if (at != nullptr && *at != nullptr) {
        *at = page;
    }
}

} // namespace uk::vfs
