internal import CCurl
import FoundationEssentials
import Glibc
import Synchronization

/// Largest response head accepted (all header lines of one response together).
private let maxHeadBytes = 256 << 10

// The curl callbacks. All of them run on the event thread.
extension CurlTransfer {
    func onBody(_ bytes: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard count > 0, let bytes else { return count }
        if !event.headDelivered {
            // curl does not hand over the body of a redirect it follows; be safe if it does.
            if event.followingRedirect { return count }
            deliverHead()
        }
        if event.received + count > request.maxResponseBytes {
            event.failure = error(.bodyTooLarge, "response body exceeds \(request.maxResponseBytes) bytes")
            return 0
        }
        let chunk = Data(bytes: bytes, count: count)
        enum Step { case stored, handed(CheckedContinuation<Data?, any Error>), pause, abort }
        let step = shared.withLock { state -> Step in
            if state.cancelled { return .abort }
            if let waiter = state.bodyWaiter {
                state.bodyWaiter = nil
                return .handed(waiter)
            }
            // Checked before storing: a paused chunk stays with curl, which hands it over again.
            if state.pending.count >= highWater {
                state.paused = true
                return .pause
            }
            state.pending.append(chunk)
            return .stored
        }
        switch step {
        case .pause:
            event.paused = true
            return ccurl_writefunc_pause()
        case .abort:
            event.failure = error(.cancelled, "cancelled")
            return 0
        case .handed(let waiter):
            resumeOnRequesterLoop { waiter.resume(returning: chunk) }
        case .stored:
            break
        }
        event.received += count
        event.lastActivity = .now
        return count
    }

    func onHeader(_ bytes: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let bytes else { return count }
        // The line is read into `event` through one inout access: each property access of
        // the class's `event` was a run-time exclusivity check (18 per request, callgrind).
        switch Self.readHeadLine(UnsafeRawBufferPointer(start: bytes, count: count), into: &event, followsRedirects: request.maxRedirects > 0) {
        case .read:
            return count
        case .tooLarge:
            event.failure = error(.transport, "response head exceeds \(maxHeadBytes) bytes")
            return 0
        case .complete:
            deliverHead()
            return count
        }
    }

    enum HeadLine { case read, tooLarge, complete }

    /// One line of a response head (status line, header, or the empty line that ends it).
    /// Parsed as bytes: this runs for every header line of every upstream response, and going
    /// through String and Character cost ~4 % of a request's CPU in the profile.
    static func readHeadLine(_ raw: UnsafeRawBufferPointer, into event: inout EventState, followsRedirects: Bool) -> HeadLine {
        // After the head only trailers come here; they are not part of the contract.
        guard !event.headDelivered else { return .read }
        event.headBytes += raw.count
        guard event.headBytes <= maxHeadBytes else { return .tooLarge }
        var end = raw.count
        while end > 0, raw[end - 1] == 0x0A || raw[end - 1] == 0x0D { end -= 1 }
        let line = UnsafeRawBufferPointer(rebasing: raw[0..<end])

        if line.count >= 5, line[0] == 0x48, line[1] == 0x54, line[2] == 0x54, line[3] == 0x50, line[4] == 0x2F {   // "HTTP/"
            // A new response starts (after a 1xx or a followed redirect): forget the last one.
            let afterVersion = line.firstIndex(of: 0x20).map { $0 + 1 } ?? line.count
            let codeEnd = line[afterVersion...].firstIndex(of: 0x20) ?? line.count
            event.status = Int(String(decoding: UnsafeRawBufferPointer(rebasing: line[afterVersion..<codeEnd]), as: UTF8.self))
            event.headers.removeAll(keepingCapacity: true)
            event.headers.reserveCapacity(16)
            event.sawLocation = false
            event.followingRedirect = false
            return .read
        }
        if line.isEmpty {
            guard let status = event.status else { return .read }
            if (100..<200).contains(status) {
                event.status = nil
            } else if followsRedirects, (300..<400).contains(status), event.sawLocation {
                event.followingRedirect = true
                event.redirectHops += 1
            } else {
                return .complete
            }
            return .read
        }
        if line[0] == 0x20 || line[0] == 0x09 {
            // Obsolete line folding: continues the previous value.
            if !event.headers.isEmpty {
                event.headers[event.headers.count - 1].value += " " + trimmedText(line[...])
            }
            return .read
        }
        guard let colon = line.firstIndex(of: 0x3A) else { return .read }
        // Header names are ASCII tokens: lowercase them byte by byte, straight into the string
        // (a lazy map went through generic decoding and a dynamic cast per header line).
        let name = String(unsafeUninitializedCapacity: colon) { out in
            for index in 0..<colon {
                let byte = line[index]
                out[index] = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
            }
            return colon
        }
        if name == "location" { event.sawLocation = true }
        event.headers.append((name: name, value: trimmedText(line[(colon + 1)...])))
        return .read
    }

    /// The bytes as text without leading and trailing spaces and tabs.
    static func trimmedText(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        var lower = bytes.startIndex, upper = bytes.endIndex
        while lower < upper, bytes[lower] == 0x20 || bytes[lower] == 0x09 { lower += 1 }
        while upper > lower, bytes[upper - 1] == 0x20 || bytes[upper - 1] == 0x09 { upper -= 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[lower..<upper]), as: UTF8.self)
    }

    /// Before every socket: the resolved peer address goes through the SSRF guard, and the
    /// socket is opened close-on-exec. curl's own `socket()` is not, so every process spawned
    /// meanwhile (an agent, a tool) inherited the connection and kept it open after curl closed
    /// it: an aborted upstream transfer never reached the server.
    func onOpenSocket(_ purpose: curlsocktype, _ address: UnsafeMutablePointer<curl_sockaddr>?) -> curl_socket_t {
        guard let address else { return ccurl_socket_bad() }
        let closeOnExec = Int32(SOCK_CLOEXEC.rawValue)
        guard let allow = request.allowAddress else {
            return socket(address.pointee.family, address.pointee.socktype | closeOnExec, address.pointee.protocol)
        }
        var text = [CChar](repeating: 0, count: 64)
        let known = ccurl_sockaddr_text(address, &text, socklen_t(text.count)) == 0
        let peer = known ? String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown address family \(address.pointee.family)"
        guard known, allow(peer) else {
            event.failure = error(.blocked, "address \(peer) refused by policy")
            return ccurl_socket_bad()
        }
        return socket(address.pointee.family, address.pointee.socktype | closeOnExec, address.pointee.protocol)
    }

    /// Before every request, on a new or a reused connection (a reused one opened no socket).
    func onPrerequest(_ primaryIP: UnsafeMutablePointer<CChar>?) -> Int32 {
        guard let allow = request.allowAddress else { return ccurl_prereqfunc_ok() }
        var peer = primaryIP.map { String(cString: $0) } ?? ""
        if peer.hasPrefix("::ffff:"), peer.contains(".") { peer.removeFirst(7) }
        guard !peer.isEmpty, allow(peer) else {
            event.failure = error(.blocked, "address \(peer) refused by policy")
            return ccurl_prereqfunc_abort()
        }
        return ccurl_prereqfunc_ok()
    }

    /// Hands status and headers to the task waiting in `send`.
    func deliverHead() {
        event.headDelivered = true
        event.lastActivity = .now
        var effective: UnsafeMutablePointer<CChar>?
        var url = request.url
        if let easy, ccurl_easy_getinfo_string(easy, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK, let effective {
            url = String(cString: effective)
        }
        let reader = BodyReader(self)
        let body = ResponseBody(pull: { try await reader.next() }, cancel: { reader.cancel() })
        let response = OutgoingResponse(status: event.status ?? 0, headers: event.headers, body: body, url: url)
        // The response has them now; kept here too they would stay allocated for as long as
        // the body streams (an open stream's lifetime).
        event.headers = []
        let waiter = shared.withLock { state in
            defer { state.headWaiter = nil }
            return state.headWaiter
        }
        if let waiter { resumeOnRequesterLoop { waiter.resume(returning: .success(response)) } }
    }
}
