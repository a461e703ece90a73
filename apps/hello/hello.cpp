// The smallest C++ unikernel: `uk build apps/hello/hello.cpp -o hello.img && uk run hello.img`.
#include <iostream>

int main() {
    std::cout << "Hello from uk!" << std::endl;
    return 0;
}
