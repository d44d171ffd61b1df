#include <cstdio>

int main() {
    std::fprintf(stderr, "error: deployd is not implemented in this build yet\n");
    return 1;
}
