#ifndef AUDIENCESYNC_CMALLOC_SHIM_H
#define AUDIENCESYNC_CMALLOC_SHIM_H
#include <malloc.h>

/// Caps glibc's malloc arenas at `count` (mallopt's M_ARENA_MAX, a macro Swift does not import); returns 1 on success.
static inline int as_limit_malloc_arenas(int count) {
    return mallopt(M_ARENA_MAX, count);
}
#endif
