#ifndef AUDIENCESYNC_CCURL_SHIM_H
#define AUDIENCESYNC_CCURL_SHIM_H

/* Swift cannot import C variadic functions (curl_easy_setopt, curl_easy_getinfo,
 * curl_multi_setopt), so each argument type we need gets a typed wrapper here. */

#include <curl/curl.h>

/* Signature shared by CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION. */
typedef size_t (*as_curl_writefn)(char *data, size_t size, size_t count, void *userdata);

/* Signature of CURLOPT_READFUNCTION (upload data, e.g. an SMTP message). */
typedef size_t (*as_curl_readfn)(char *buffer, size_t size, size_t count, void *userdata);

/* Signature of CURLOPT_DEBUGFUNCTION (protocol trace: SMTP commands sent, replies received). */
typedef int (*as_curl_debugfn)(CURL *handle, curl_infotype type, char *data, size_t size, void *userdata);

static inline CURLcode as_curl_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

static inline CURLcode as_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode as_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode as_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode as_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode as_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode as_curl_setopt_writefn(CURL *handle, CURLoption option, as_curl_writefn value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode as_curl_setopt_readfn(CURL *handle, CURLoption option, as_curl_readfn value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode as_curl_setopt_debugfn(CURL *handle, CURLoption option, as_curl_debugfn value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode as_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode as_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode as_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode as_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

#endif
