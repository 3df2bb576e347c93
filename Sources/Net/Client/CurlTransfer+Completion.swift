internal import CCurl
import FoundationEssentials
import Synchronization

private let tlsCodes: Set<UInt32> = [
    CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
    CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CACERT_BADFILE,
    CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
    CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT,
].reduce(into: []) { $0.insert($1.rawValue) }

// Deadlines and the end of a transfer, on the event thread.
extension CurlTransfer {
    /// The first-byte or idle deadline that has passed, if any (curl enforces connect and total).
    func expiredDeadline(at now: ContinuousClock.Instant) -> OutgoingHTTPError? {
        if !event.headDelivered {
            if now - event.started >= request.timeouts.firstByte {
                return error(.firstByteTimeout, "no response head within \(request.timeouts.firstByte)")
            }
        } else if !event.paused, now - event.lastActivity >= request.timeouts.idle {
            return error(.idleTimeout, "no body data for \(request.timeouts.idle)")
        }
        return nil
    }

    /// When `expiredDeadline` next needs a look; nil when none is running (paused body).
    var nextDeadline: ContinuousClock.Instant? {
        if !event.headDelivered { return event.started + request.timeouts.firstByte }
        if event.paused { return nil }
        return event.lastActivity + request.timeouts.idle
    }

    /// curl is done with the transfer (CURLMSG_DONE); the handle is already out of the multi.
    func complete(_ code: CURLcode) {
        if code == CURLE_OK {
            if !event.headDelivered {
                guard event.status != nil else {
                    finish(error(.transport, "transfer ended without a response"))
                    return
                }
                deliverHead()
            }
            finish(nil)
        } else {
            finish(map(code))
        }
    }

    /// Ends the transfer with `failure` (nil: the body ended normally) and frees the handle.
    func finish(_ failure: OutgoingHTTPError?) {
        guard !event.finished else { return }
        event.finished = true
        releaseHandle(recycle: true)
        let (headWaiter, bodyWaiter) = shared.withLock { state in
            state.end = failure.map { .failed($0) } ?? .finished
            defer { state.headWaiter = nil; state.bodyWaiter = nil }
            return (state.headWaiter, state.bodyWaiter)
        }
        guard headWaiter != nil || bodyWaiter != nil else { return }
        let headFailure = failure ?? error(.transport, "transfer ended without a response")
        resumeOnRequesterLoop {
            headWaiter?.resume(returning: .failure(headFailure))
            if let bodyWaiter {
                if let failure { bodyWaiter.resume(throwing: failure) } else { bodyWaiter.resume(returning: nil) }
            }
        }
    }

    private func map(_ code: CURLcode) -> OutgoingHTTPError {
        var text = String(cString: errorBuffer)
        if text.isEmpty { text = String(cString: curl_easy_strerror(code)) }
        // A callback refused (SSRF guard, size cap, cancel): its reason is the real one.
        if let failure = event.failure,
           [CURLE_WRITE_ERROR, CURLE_ABORTED_BY_CALLBACK, CURLE_COULDNT_CONNECT, CURLE_RECV_ERROR].contains(code) {
            return failure
        }
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL:
            return error(event.redirectHops > 0 ? .blocked : .invalidURL, text)
        case CURLE_URL_MALFORMAT:
            return error(.invalidURL, text)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return error(.connect, text)
        case CURLE_OPERATION_TIMEDOUT:
            // curl uses one code for its two limits; a connect limit fires before the total one.
            let elapsed = ContinuousClock.now - event.started
            let total = elapsed + .milliseconds(20) >= request.timeouts.total || event.headDelivered
            return error(total ? .totalTimeout : .connectTimeout, text)
        case CURLE_TOO_MANY_REDIRECTS:
            return error(.tooManyRedirects, text)
        case CURLE_FILESIZE_EXCEEDED:
            return error(.bodyTooLarge, text)
        default:
            return error(tlsCodes.contains(code.rawValue) ? .tls : .transport, text)
        }
    }
}

// The consumer side, on any task.
extension CurlTransfer {
    /// The next body chunk; nil at the end. Cancelling the calling task aborts the transfer.
    func nextChunk() async throws -> Data? {
        if Task.isCancelled {
            cancel()
            throw error(.cancelled, "cancelled")
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Data?, any Error>) in
                let (result, resume) = shared.withLock { state -> (Result<Data?, any Error>?, Bool) in
                    if state.cancelled { return (.failure(error(.cancelled, "cancelled")), false) }
                    if !state.pending.isEmpty {
                        // Everything buffered at once: the buffer is empty after this, so a paused
                        // transfer resumes with a whole `highWater` of room (no flapping per chunk).
                        let chunk = state.pending
                        state.pending = Data()
                        let resume = state.paused
                        state.paused = false
                        return (.success(chunk), resume)
                    }
                    switch state.end {
                    case .finished: return (.success(nil), false)
                    case .failed(let reason): return (.failure(reason), false)
                    case nil: break
                    }
                    state.bodyWaiter = waiter
                    return (nil, false)
                }
                if resume { loop.enqueue(.resume(self)) }
                if let result { waiter.resume(with: result) }
            }
        } onCancel: {
            cancel()
        }
    }

    /// Aborts the transfer from any thread: wakes a waiting reader, tells the event thread.
    func cancel() {
        let (waiter, running) = shared.withLock { state in
            state.cancelled = true
            defer { state.bodyWaiter = nil }
            return (state.bodyWaiter, state.end.map { _ in false } ?? true)
        }
        waiter?.resume(throwing: error(.cancelled, "cancelled"))
        if running { loop.enqueue(.cancel(self)) }
    }
}

/// The body stream's hold on a transfer: when the stream is dropped (read to the end, or
/// abandoned half way), a transfer still running is aborted.
final class BodyReader: Sendable {
    private let transfer: CurlTransfer
    init(_ transfer: CurlTransfer) { self.transfer = transfer }
    func next() async throws -> Data? { try await transfer.nextChunk() }
    func cancel() { transfer.cancel() }
    deinit { transfer.cancel() }
}
