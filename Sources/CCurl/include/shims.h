#ifndef CCURL_SHIMS_H
#define CCURL_SHIMS_H

#include <curl/curl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
// The event thread waits on an epoll set of its own, woken through an eventfd.
#include <sys/epoll.h>
#include <sys/eventfd.h>

// curl_easy_setopt / curl_easy_getinfo / curl_multi_setopt are variadic: Swift cannot call
// them. One typed wrapper per argument kind.
static inline CURLcode ccurl_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_easy_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_easy_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_easy_setopt_write_cb(CURL *h, size_t (*cb)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cb);
}
static inline CURLcode ccurl_easy_setopt_header_cb(CURL *h, size_t (*cb)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, cb);
}
static inline CURLcode ccurl_easy_setopt_read_cb(CURL *h, size_t (*cb)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(h, CURLOPT_READFUNCTION, cb);
}
static inline CURLcode ccurl_easy_setopt_xferinfo_cb(CURL *h, int (*cb)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t)) {
    return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cb);
}
static inline CURLcode ccurl_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_easy_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_easy_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_easy_getinfo_pointer(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode ccurl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode ccurl_multi_setopt_pointer(CURLM *m, CURLMoption o, void *v) { return curl_multi_setopt(m, o, v); }

// The multi socket interface: curl says which sockets to watch and when its next timeout is.
static inline CURLMcode ccurl_multi_setopt_socket_cb(CURLM *m, int (*cb)(CURL *, curl_socket_t, int, void *, void *)) {
    return curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, cb);
}
static inline CURLMcode ccurl_multi_setopt_timer_cb(CURLM *m, int (*cb)(CURLM *, long, void *)) {
    return curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, cb);
}

// The SSRF guard: one callback before every socket curl opens, one before every request on a
// new or reused connection.
static inline CURLcode ccurl_easy_setopt_opensocket_cb(CURL *h, curl_socket_t (*cb)(void *, curlsocktype, struct curl_sockaddr *)) {
    return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, cb);
}
static inline CURLcode ccurl_easy_setopt_prereq_cb(CURL *h, int (*cb)(void *, char *, char *, int, int)) {
    return curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, cb);
}

// Compound macros Swift does not import.
static inline long ccurl_global_default(void) { return CURL_GLOBAL_DEFAULT; }
static inline int ccurl_pause_cont(void) { return CURLPAUSE_CONT; }
static inline size_t ccurl_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }
static inline curl_socket_t ccurl_socket_bad(void) { return CURL_SOCKET_BAD; }
static inline curl_socket_t ccurl_socket_timeout(void) { return CURL_SOCKET_TIMEOUT; }
static inline int ccurl_prereqfunc_ok(void) { return CURL_PREREQFUNC_OK; }
static inline int ccurl_prereqfunc_abort(void) { return CURL_PREREQFUNC_ABORT; }
static inline long ccurl_http_version_2tls(void) { return CURL_HTTP_VERSION_2TLS; }
static inline int ccurl_error_size(void) { return CURL_ERROR_SIZE; }

// The peer address of a socket curl is about to open, as text (IPv4 dotted, IPv6 text; an
// IPv4-mapped IPv6 address comes out as its IPv4 form so a guard sees one spelling).
// Returns 0 on success, -1 for an unknown family.
static inline int ccurl_sockaddr_text(const struct curl_sockaddr *a, char *out, socklen_t len) {
    if (a->family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&a->addr;
        return inet_ntop(AF_INET, &in->sin_addr, out, len) ? 0 : -1;
    }
    if (a->family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a->addr;
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            return inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], out, len) ? 0 : -1;
        }
        return inet_ntop(AF_INET6, &in6->sin6_addr, out, len) ? 0 : -1;
    }
    return -1;
}

#endif
