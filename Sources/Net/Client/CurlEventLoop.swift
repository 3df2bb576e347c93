internal import CCurl
import FoundationEssentials
import Glibc
import Synchronization

/// curl_global_init is not thread-safe; a static let runs it exactly once, process-wide.
private enum CurlGlobal {
    static let ready: Bool = curl_global_init(ccurl_global_default()) == CURLE_OK
}

/// The one thread that drives every transfer of a client through a curl multi handle.
///
/// It runs curl's multi socket interface over an epoll set of its own: curl names the sockets
/// to watch (`onSocket`) and its next timeout (`onTimer`), and each ready socket is handed back
/// with `curl_multi_socket_action`, which advances only the transfers on that socket. (With
/// `curl_multi_perform` every wake-up walked every transfer, each with a `poll` of its socket:
/// with 1,000 open streams, 44 `poll` calls and 165 µs of CPU per streamed chunk, perf.)
///
/// Other threads talk to it only through `inbox` and the `wakeup` eventfd. The multi handle,
/// the timer and the set of attached transfers belong to the event thread alone; the
/// descriptors are closed in `deinit`, so no wake-up (its caller holds a reference) can race
/// their closing.
final class CurlEventLoop: Sendable {
    enum Command {
        case start(CurlTransfer), cancel(CurlTransfer), resume(CurlTransfer)
        /// Answered true from the event thread (it is not stuck), false after shutdown.
        case ping(@Sendable (Bool) -> Void)
    }

    private struct Inbox {
        var commands: [Command] = []
        var closed = false
        /// A wake-up was sent (or is about to be) since the event thread last took the
        /// commands: another one would only cost a syscall, so it is skipped.
        var wakeSent = false
    }

    private nonisolated(unsafe) let multi: UnsafeMutableRawPointer
    private let epoll: Int32
    /// Written by any thread to wake the event thread (an eventfd in the epoll set).
    private let wakeup: Int32
    private let inbox = Mutex(Inbox())
    /// When curl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)` next (event thread).
    private nonisolated(unsafe) var timerDeadline: ContinuousClock.Instant?
    /// Easy handles of finished transfers, reset and kept for the next ones (event thread
    /// only): `curl_easy_init` and `curl_easy_cleanup` allocate and free a handle's buffers
    /// on every request. At most `maxSpareHandles`, so a burst does not stay resident.
    private nonisolated(unsafe) var spareHandles: [UnsafeMutableRawPointer] = []
    static let maxSpareHandles = 16

    init(maxConnections: Int) throws(OutgoingHTTPError) {
        guard CurlGlobal.ready, let multi = curl_multi_init() else {
            throw OutgoingHTTPError(.transport, "curl initialisation failed", url: "")
        }
        let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        let wakeup = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard epoll >= 0, wakeup >= 0 else {
            if epoll >= 0 { close(epoll) }
            if wakeup >= 0 { close(wakeup) }
            curl_multi_cleanup(multi)
            throw OutgoingHTTPError(.transport, "cannot create the curl event thread's epoll set (errno \(errno))", url: "")
        }
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: wakeup))
        epoll_ctl(epoll, EPOLL_CTL_ADD, wakeup, &event)
        self.multi = multi
        self.epoll = epoll
        self.wakeup = wakeup
        if maxConnections > 0 {
            _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxConnections)
        }
        // Unretained: the callbacks run inside curl calls on the event thread, which holds a
        // reference for as long as the multi handle lives.
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = ccurl_multi_setopt_socket_cb(multi) { _, socket, what, me, _ in
            guard let me else { return 0 }
            Unmanaged<CurlEventLoop>.fromOpaque(me).takeUnretainedValue().onSocket(socket, what)
            return 0
        }
        _ = ccurl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, me)
        _ = ccurl_multi_setopt_timer_cb(multi) { _, milliseconds, me in
            guard let me else { return 0 }
            Unmanaged<CurlEventLoop>.fromOpaque(me).takeUnretainedValue().onTimer(milliseconds)
            return 0
        }
        _ = ccurl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, me)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<CurlEventLoop>.fromOpaque(context).takeRetainedValue().run()
            return nil
        }, context)
        guard created == 0 else {
            Unmanaged<CurlEventLoop>.fromOpaque(context).release()
            curl_multi_cleanup(multi)
            throw OutgoingHTTPError(.transport, "cannot start the curl event thread (\(created))", url: "")
        }
        pthread_detach(thread)
    }

    deinit {
        close(wakeup)
        close(epoll)
    }

    /// Hands work to the event thread. A transfer started after shutdown fails at once.
    ///
    /// The wake-up is sent after the lock is released: held through that syscall, the lock was
    /// the most contended one under load (`_lockSlow` 2 % of the node's CPU at 64 connections,
    /// perf). A wake-up that arrives after the event thread already took the command only
    /// costs it one spare poll round.
    func enqueue(_ command: Command) {
        enum Outcome { case queued, queuedAndWake, refused }
        let outcome = inbox.withLock { inbox -> Outcome in
            guard !inbox.closed else { return .refused }
            inbox.commands.append(command)
            guard !inbox.wakeSent else { return .queued }
            inbox.wakeSent = true
            return .queuedAndWake
        }
        switch outcome {
        case .queued: return
        case .queuedAndWake: wake(); return
        case .refused: break
        }
        switch command {
        case .start(let transfer): transfer.finish(transfer.error(.cancelled, "HTTP client shut down"))
        case .ping(let answer): answer(false)
        case .cancel, .resume: break
        }
    }

    /// Stops the thread: transfers in flight fail with `.cancelled`.
    func shutdown() {
        inbox.withLock { $0.closed = true }
        wake()
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeup, &one, 8)
    }

    // MARK: Event thread

    private func run() {
        var attached: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: 64)
        defer { events.deallocate() }
        var wait: Int32 = 0
        while true {
            let ready = epoll_wait(epoll, events, 64, wait)
            var running: Int32 = 0
            for index in 0..<Int(max(ready, 0)) {
                let event = events[index]
                if event.data.fd == wakeup {
                    var count: UInt64 = 0
                    _ = read(wakeup, &count, 8)
                    continue
                }
                var mask: Int32 = 0
                if event.events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLRDHUP.rawValue) != 0 { mask |= CURL_CSELECT_IN }
                if event.events & EPOLLOUT.rawValue != 0 { mask |= CURL_CSELECT_OUT }
                if event.events & EPOLLERR.rawValue != 0 { mask |= CURL_CSELECT_ERR }
                curl_multi_socket_action(multi, event.data.fd, mask, &running)
            }
            let (commands, closed) = inbox.withLock { inbox in
                defer { inbox.commands.removeAll(keepingCapacity: true) }
                // Commands queued from here on need a new wake-up: the wait above may
                // already have consumed the last one.
                inbox.wakeSent = false
                return (inbox.commands, inbox.closed)
            }
            for command in commands { handle(command, &attached) }
            if closed {
                for transfer in attached.values {
                    detach(transfer, transfer.error(.cancelled, "HTTP client shut down"), &attached)
                }
                break
            }
            // Set to nil first: the call may ask for the next timeout at once.
            if let deadline = timerDeadline, deadline <= .now {
                timerDeadline = nil
                curl_multi_socket_action(multi, ccurl_socket_timeout(), 0, &running)
            }
            collectFinished(&attached)
            wait = checkDeadlines(&attached)
            if let deadline = timerDeadline {
                wait = min(wait, Int32(clamping: Self.wholeMillisecondsUntil(deadline)))
            }
        }
        for easy in spareHandles { curl_easy_cleanup(easy) }
        spareHandles = []
        curl_multi_cleanup(multi)
    }

    /// curl asks to watch `socket` for `what` (`CURL_POLL_*`), or to stop (event thread).
    /// A descriptor curl closed left the set by itself, so a stale one is added anew.
    private func onSocket(_ socket: curl_socket_t, _ what: Int32) {
        guard what != CURL_POLL_REMOVE else {
            epoll_ctl(epoll, EPOLL_CTL_DEL, socket, nil)
            return
        }
        var flags: UInt32 = 0
        if what & CURL_POLL_IN != 0 { flags |= EPOLLIN.rawValue | EPOLLRDHUP.rawValue }
        if what & CURL_POLL_OUT != 0 { flags |= EPOLLOUT.rawValue }
        var event = epoll_event(events: flags, data: epoll_data_t(fd: socket))
        if epoll_ctl(epoll, EPOLL_CTL_MOD, socket, &event) != 0 {
            epoll_ctl(epoll, EPOLL_CTL_ADD, socket, &event)
        }
    }

    /// curl's next timeout: -1 none, 0 at once (event thread).
    private func onTimer(_ milliseconds: Int) {
        timerDeadline = milliseconds < 0 ? nil : .now + .milliseconds(milliseconds)
    }

    /// Rounded up, so a wait never ends just before the deadline and spins.
    static func wholeMillisecondsUntil(_ deadline: ContinuousClock.Instant) -> Int64 {
        let (seconds, attoseconds) = (deadline - .now).components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        return seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    }

    /// An easy handle with every option at its default (event thread).
    func takeHandle() -> UnsafeMutableRawPointer? {
        spareHandles.popLast() ?? curl_easy_init()
    }

    /// Takes back a handle that is out of the multi (event thread). `curl_easy_reset` clears
    /// every option, callback and pointer the last transfer set.
    func recycle(_ easy: UnsafeMutableRawPointer) {
        guard spareHandles.count < Self.maxSpareHandles else { return curl_easy_cleanup(easy) }
        curl_easy_reset(easy)
        spareHandles.append(easy)
    }

    private func handle(_ command: Command, _ attached: inout [UnsafeMutableRawPointer: CurlTransfer]) {
        switch command {
        case .start(let transfer):
            if transfer.shared.withLock({ $0.cancelled }) {
                transfer.finish(transfer.error(.cancelled, "cancelled"))
                return
            }
            if let failure = transfer.makeHandle() {
                transfer.finish(failure)
                return
            }
            guard let easy = transfer.easy, curl_multi_add_handle(multi, easy) == CURLM_OK else {
                transfer.finish(transfer.error(.transport, "curl_multi_add_handle failed"))
                return
            }
            attached[easy] = transfer
        case .cancel(let transfer):
            guard let easy = transfer.easy, attached[easy] === transfer else { return }
            detach(transfer, transfer.error(.cancelled, "cancelled"), &attached)
        case .resume(let transfer):
            guard let easy = transfer.easy, attached[easy] === transfer, transfer.event.paused else { return }
            transfer.event.paused = false
            transfer.event.lastActivity = .now
            // May call the write callback right here with the data held back while paused.
            curl_easy_pause(easy, ccurl_pause_cont())
        case .ping(let answer):
            answer(true)
        }
    }

    /// Removing an unfinished handle makes curl close its connection: the server sees the abort.
    private func detach(_ transfer: CurlTransfer, _ failure: OutgoingHTTPError,
                        _ attached: inout [UnsafeMutableRawPointer: CurlTransfer]) {
        if let easy = transfer.easy {
            curl_multi_remove_handle(multi, easy)
            attached[easy] = nil
        }
        transfer.finish(failure)
    }

    private func collectFinished(_ attached: inout [UnsafeMutableRawPointer: CurlTransfer]) {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            // The message dies with the handle: copy what is needed first.
            let code = message.pointee.data.result
            curl_multi_remove_handle(multi, easy)
            if let transfer = attached.removeValue(forKey: easy) { transfer.complete(code) }
        }
    }

    /// Fails transfers past their first-byte or idle deadline; returns how long to poll (ms).
    private func checkDeadlines(_ attached: inout [UnsafeMutableRawPointer: CurlTransfer]) -> Int32 {
        guard !attached.isEmpty else { return 60_000 }
        let now = ContinuousClock.now
        var wait = Duration.seconds(1)
        var expired: [(CurlTransfer, OutgoingHTTPError)] = []
        for transfer in attached.values {
            if let failure = transfer.expiredDeadline(at: now) {
                expired.append((transfer, failure))
            } else if let deadline = transfer.nextDeadline {
                wait = min(wait, deadline - now)
            }
        }
        for (transfer, failure) in expired { detach(transfer, failure, &attached) }
        return Int32(clamping: wait.curlMilliseconds)
    }
}
