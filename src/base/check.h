// CHECK: aborts in every build when a "cannot happen" condition happens.
#pragma once

#include <cstdio>
#include <cstdlib>

#define LAMPI_CHECK(cond)                                                                 \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                 \
        }                                                                                 \
    } while (0)
