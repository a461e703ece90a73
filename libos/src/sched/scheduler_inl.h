#pragma once

namespace uk::sched {

template <typename Fn>
void forEachThread(Fn&& fn) {
    for (Thread* t = firstThread(); t != nullptr; t = t->allNext) {
        fn(t);
    }
}

} // namespace uk::sched
