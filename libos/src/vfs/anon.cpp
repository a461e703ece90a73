#include "anon.h"

namespace uk::vfs {

namespace {

class AnonFs : public FileSystem {
public:
    AnonFs() : FileSystem("anon_inodefs", kAnonInodeMagic) {}
};

class AnonNode : public Node {
public:
    explicit AnonNode(FileSystem* fs) : Node(fs, 0600, Cred{}) {}

protected:
    ~AnonNode() override = default;
};

} // namespace

Ref<Node> anonNode() {
    // Lives for the whole run: one reference that is never dropped.
    static Node* node = nullptr;
    if (node == nullptr) {
        Ref<FileSystem> fs = make<AnonFs>();
        if (!fs) {
            return nullptr;
        }
        node = make<AnonNode>(fs.get()).leak();
    }
    return Ref<Node>(node);
}

AnonFile::AnonFile(const char* kind, uint32_t flags) : File(anonNode(), flags), kind_(kind) {}

void AnonFile::describe(Text* out) const {
    out->appendf("anon_inode:[%s]", kind_);
}

} // namespace uk::vfs
