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
/// Other threads talk to it only through `inbox` and `curl_multi_wakeup`. The multi handle and
/// the set of attached transfers belong to the event thread alone; the handle is cleaned up in
/// `deinit`, so no wake-up (its caller holds a reference) can race `curl_multi_cleanup`.
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

    /// Touched off the event thread only by `curl_multi_wakeup` (thread-safe by curl's contract).
    private nonisolated(unsafe) let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    /// Easy handles of finished transfers, reset and kept for the next ones (event thread
    /// only): `curl_easy_init` and `curl_easy_cleanup` allocate and free a handle's buffers
    /// on every request. At most `maxSpareHandles`, so a burst does not stay resident.
    private nonisolated(unsafe) var spareHandles: [UnsafeMutableRawPointer] = []
    static let maxSpareHandles = 16

    init(maxConnections: Int) throws(OutgoingHTTPError) {
        guard CurlGlobal.ready, let multi = curl_multi_init() else {
            throw OutgoingHTTPError(.transport, "curl initialisation failed", url: "")
        }
        self.multi = multi
        if maxConnections > 0 {
            _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxConnections)
        }
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

    deinit { curl_multi_cleanup(multi) }

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
        case .queuedAndWake: curl_multi_wakeup(multi); return
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
        curl_multi_wakeup(multi)
    }

    // MARK: Event thread

    private func run() {
        var attached: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        while true {
            let (commands, closed) = inbox.withLock { inbox in
                defer { inbox.commands.removeAll(keepingCapacity: true) }
                // Commands queued from here on need a new wake-up: the poll below may
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
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            collectFinished(&attached)
            let wait = checkDeadlines(&attached)
            curl_multi_poll(multi, nil, 0, wait, nil)
        }
        for easy in spareHandles { curl_easy_cleanup(easy) }
        spareHandles = []
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
