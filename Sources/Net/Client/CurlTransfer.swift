internal import CCurl
import FoundationEssentials
import NIOCore
import NIOPosix
import Synchronization

/// One request on its way through the event thread: the easy handle, the state its curl
/// callbacks keep, and the meeting point with the Swift tasks that await the head and read
/// the body.
///
/// Why `@unchecked Sendable` is sound: `easy`, `headerList`, `body`, `errorBuffer` and `event` are
/// touched only on the event thread (loop code, and curl callbacks, which curl runs inside
/// `curl_multi_socket_action` / `curl_easy_pause` on that thread), except before the transfer is
/// handed to the loop and after it was finished there. `shared` is guarded by its own Mutex and
/// is the only state Swift tasks touch.
final class CurlTransfer: @unchecked Sendable {
    /// The request without its body (curl keeps its own copy; a stream may run for minutes).
    let request: OutgoingRequest
    let loop: CurlEventLoop
    /// Buffered body bytes past which the transfer is paused until the consumer catches up.
    let highWater: Int
    let shared = Mutex(SharedState())
    /// The event loop the sending task ran on, if any: where the event thread resumes it.
    let requesterLoop: (any EventLoop)?

    // Event thread only.
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    /// Until `makeHandle` gives it to curl.
    var body: Data?
    let errorBuffer: UnsafeMutablePointer<CChar>
    var event: EventState

    /// What the event thread knows about the transfer.
    struct EventState {
        let started: ContinuousClock.Instant
        var status: Int?
        var headers: [(name: String, value: String)] = []
        var headBytes = 0
        var sawLocation = false
        /// The current response is a redirect curl is about to follow: its body is not ours.
        var followingRedirect = false
        var redirectHops = 0
        var headDelivered = false
        var received = 0
        var lastActivity: ContinuousClock.Instant
        /// The write callback returned CURL_WRITEFUNC_PAUSE; idle time does not count.
        var paused = false
        /// Why a callback aborted the transfer (curl then reports a generic code).
        var failure: OutgoingHTTPError?
        var finished = false
    }

    /// What the event thread and the Swift tasks share (guarded by `shared`'s Mutex).
    struct SharedState {
        var headWaiter: CheckedContinuation<Result<OutgoingResponse, OutgoingHTTPError>, Never>?
        /// Bytes received and not yet read, in arrival order: at most `highWater` plus one
        /// callback's worth. One buffer, taken whole by the reader: a queue of chunks cost a
        /// reader one wake-up per chunk, and a sender of 1-byte chunks made that 256K per read.
        var pending = Data()
        var paused = false
        var bodyWaiter: CheckedContinuation<Data?, any Error>?
        var end: End?
        var cancelled = false
    }

    enum End { case finished, failed(OutgoingHTTPError) }

    init(request: OutgoingRequest, loop: CurlEventLoop, highWater: Int) {
        var request = request
        body = request.body
        request.body = nil
        self.request = request
        self.loop = loop
        self.highWater = max(highWater, 1)
        requesterLoop = MultiThreadedEventLoopGroup.currentEventLoop
        let now = ContinuousClock.now
        event = EventState(started: now, lastActivity: now)
        errorBuffer = .allocate(capacity: Int(ccurl_error_size()))
        errorBuffer.initialize(repeating: 0, count: Int(ccurl_error_size()))
    }

    deinit {
        releaseHandle()
        errorBuffer.deallocate()
    }

    /// Resumes the waiting task from the event thread, on the loop it was sent from.
    ///
    /// Why: a continuation resumed on curl's thread goes to the global executor, which from a
    /// thread outside the event loops picks any loop; the answer is then written by another
    /// hop to the connection's loop. Resumed on the requester's loop, the task continues where
    /// it writes, without a task executor preference (whose record every task switch looked up
    /// under the task's status lock: 6 % of the node's CPU under load, perf).
    func resumeOnRequesterLoop(_ resume: @escaping @Sendable () -> Void) {
        if let requesterLoop { requesterLoop.execute(resume) } else { resume() }
    }

    func error(_ code: OutgoingHTTPError.Code, _ message: String) -> OutgoingHTTPError {
        OutgoingHTTPError(code, message, url: request.url)
    }

    /// Creates and configures the easy handle (event thread). Returns why that failed.
    func makeHandle() -> OutgoingHTTPError? {
        guard var easy = loop.takeHandle() else { return error(.transport, "curl_easy_init failed") }
        // First, while nothing else is set: curl refuses a new receive buffer size on a handle
        // that still holds its last buffer (it frees it when a transfer ends, but a transfer
        // removed before it connected may keep it). Such a reused handle is swapped for a new one.
        if let bytes = request.receiveBufferBytes {
            let size = min(max(bytes, 1 << 10), 512 << 10)
            if ccurl_easy_setopt_long(easy, CURLOPT_BUFFERSIZE, size) != CURLE_OK {
                curl_easy_cleanup(easy)
                guard let fresh = curl_easy_init() else { return error(.transport, "curl_easy_init failed") }
                easy = fresh
                guard ccurl_easy_setopt_long(easy, CURLOPT_BUFFERSIZE, size) == CURLE_OK else {
                    self.easy = easy
                    return error(.invalidURL, "configure: receive buffer size refused")
                }
            }
        }
        self.easy = easy
        let me = Unmanaged.passUnretained(self).toOpaque()
        var firstFailure: CURLcode = CURLE_OK
        func check(_ code: CURLcode) { if firstFailure == CURLE_OK { firstFailure = code } }

        check(ccurl_easy_setopt_string(easy, CURLOPT_URL, request.url))
        // http and https only, on the first hop and on every redirect.
        check(ccurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        check(ccurl_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        // An environment proxy would make the SSRF guard see the proxy, not the target.
        check(ccurl_easy_setopt_string(easy, CURLOPT_PROXY, ""))
        check(ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        check(ccurl_easy_setopt_long(easy, CURLOPT_TCP_NODELAY, 1))
        check(ccurl_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, ccurl_http_version_2tls()))
        check(ccurl_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, ""))
        check(ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, request.timeouts.connect.curlMilliseconds))
        check(ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, request.timeouts.total.curlMilliseconds))
        let redirects = max(request.maxRedirects, 0)
        check(ccurl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, redirects > 0 ? 1 : 0))
        check(ccurl_easy_setopt_long(easy, CURLOPT_MAXREDIRS, redirects))
        // Refuses early when Content-Length already says too much; the write callback counts.
        check(ccurl_easy_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(max(request.maxResponseBytes, 0))))
        check(ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        // CAINFO replaces the bundle file; the system CA directory (CAPATH, compiled in)
        // stays, so public certificates still verify.
        if let authority = request.certificateAuthorityFile {
            check(ccurl_easy_setopt_string(easy, CURLOPT_CAINFO, authority))
            check(ccurl_easy_setopt_string(easy, CURLOPT_CAPATH, "/etc/ssl/certs"))
        }

        check(ccurl_easy_setopt_write_cb(easy) { data, size, count, me in
            guard let me else { return 0 }
            return Unmanaged<CurlTransfer>.fromOpaque(me).takeUnretainedValue().onBody(data, size * count)
        })
        check(ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me))
        check(ccurl_easy_setopt_header_cb(easy) { data, size, count, me in
            guard let me else { return 0 }
            return Unmanaged<CurlTransfer>.fromOpaque(me).takeUnretainedValue().onHeader(data, size * count)
        })
        check(ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me))
        // Every socket is opened here (close-on-exec, SSRF guard): curl's own are inheritable.
        check(ccurl_easy_setopt_opensocket_cb(easy) { me, purpose, address in
            guard let me else { return ccurl_socket_bad() }
            return Unmanaged<CurlTransfer>.fromOpaque(me).takeUnretainedValue().onOpenSocket(purpose, address)
        })
        check(ccurl_easy_setopt_pointer(easy, CURLOPT_OPENSOCKETDATA, me))
        if request.allowAddress != nil {
            check(ccurl_easy_setopt_prereq_cb(easy) { me, primaryIP, _, _, _ in
                guard let me else { return ccurl_prereqfunc_abort() }
                return Unmanaged<CurlTransfer>.fromOpaque(me).takeUnretainedValue().onPrerequest(primaryIP)
            })
            check(ccurl_easy_setopt_pointer(easy, CURLOPT_PREREQDATA, me))
        }
        configureMethodAndBody(easy, check)
        configureHeaders(easy, check)

        if firstFailure != CURLE_OK {
            return error(.invalidURL, "configure: " + String(cString: curl_easy_strerror(firstFailure)))
        }
        return nil
    }

    private func configureMethodAndBody(_ easy: UnsafeMutableRawPointer, _ check: (CURLcode) -> Void) {
        let method = request.method
        // Copied by curl (COPYPOSTFIELDS): ours goes now.
        defer { self.body = nil }
        if let body {
            check(ccurl_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            if body.isEmpty {
                check(ccurl_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, ""))
            } else {
                body.withUnsafeBytes { bytes in
                    check(ccurl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)))
                }
            }
            if method != "POST" { check(ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method)) }
        } else if method == "GET" {
            check(ccurl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1))
        } else if method == "HEAD" {
            check(ccurl_easy_setopt_long(easy, CURLOPT_NOBODY, 1))
        } else {
            check(ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method))
        }
    }

    private func configureHeaders(_ easy: UnsafeMutableRawPointer, _ check: (CURLcode) -> Void) {
        var list: UnsafeMutablePointer<curl_slist>?
        var hasExpect = false
        for (name, value) in request.headers {
            if name.lowercased() == "expect" { hasExpect = true }
            // "Name;" is curl's spelling for a header with an empty value ("Name:" removes it).
            let line = value.isEmpty ? "\(name);" : "\(name): \(value)"
            guard let next = curl_slist_append(list, line) else { continue }
            list = next
        }
        // curl would otherwise wait for a 100-continue before sending larger bodies.
        if !hasExpect, let next = curl_slist_append(list, "Expect:") { list = next }
        headerList = list
        check(ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list))
    }

    /// Frees the header list and gives the easy handle back to the loop for reuse (on the
    /// event thread) or frees it (`deinit`, wherever the last reference goes). The handle
    /// must already be out of the multi.
    func releaseHandle(recycle: Bool = false) {
        if let easy {
            if recycle { loop.recycle(easy) } else { curl_easy_cleanup(easy) }
        }
        easy = nil
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
    }
}

extension Duration {
    /// Whole milliseconds for a curl option, at least 1 (curl reads 0 as "no limit").
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 1 }
        let clampedSeconds = min(seconds, Int64(Int32.max))
        return max(Int(clampedSeconds * 1000 + attoseconds / 1_000_000_000_000_000), 1)
    }
}
