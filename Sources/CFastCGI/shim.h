#ifndef AUDIENCESYNC_CFASTCGI_SHIM_H
#define AUDIENCESYNC_CFASTCGI_SHIM_H
#include <fcgiapp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <signal.h>
#include <pthread.h>

/// Writes `len` bytes to a FastCGI stream; returns the count written or -1.
static inline int as_fcgx_write(FCGX_Stream *stream, const void *bytes, int len) {
    return FCGX_PutStr((const char *)bytes, len, stream);
}
#endif
