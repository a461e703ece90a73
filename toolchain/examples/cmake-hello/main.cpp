// Prints a greeting and the arguments it was started with, then exits with status 0.
#include <iostream>
#include <string>
#include <vector>

#include "greeting.h"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    std::cout << greeting(GREETING_TARGET) << '\n';
    std::cout << "argv[0] = " << args.front() << ", " << args.size() - 1 << " more argument(s)\n";
    return 0;
}
