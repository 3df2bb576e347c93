@testable import Appliance
import FoundationEssentials
import Glibc
import Storage
import Synchronization
import Testing
import TestSupport

/// A test-owned notify socket (what systemd listens on): collects datagrams with the time
/// each was read. Polled without blocking, so no thread of the cooperative pool is held.
final class NotifySocket: Sendable {
    struct Message: Sendable {
        let text: String
        let at: ContinuousClock.Instant
    }

    final class Inbox: Sendable {
        let received = Mutex<[Message]>([])
    }

    let name: String
    private let fd: Int32
    private let inbox = Inbox()
    private let reader: Task<Void, Never>

    init(name: String) throws {
        self.name = name
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.fd = fd
        let address = SystemdNotifier.sockaddrBytes(name) ?? []
        let bound = address.withUnsafeBytes { bind(fd, $0.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count)) }
        let inbox = inbox
        reader = Task {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !Task.isCancelled {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n > 0 {
                    let message = Message(text: String(decoding: buffer.prefix(n), as: UTF8.self), at: .now)
                    inbox.received.withLock { $0.append(message) }
                } else {
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }
        }
        try #require(fd >= 0 && !address.isEmpty && bound == 0, "bind \(name): errno \(errno)")
    }

    deinit {
        reader.cancel()
        close(fd)
        if !name.hasPrefix("@") { unlink(name) }
    }

    var messages: [Message] { inbox.received.withLock { $0 } }

    /// Waits (generously) until `condition` holds over the messages so far.
    func wait(for what: String, timeout: Duration = .seconds(60), _ condition: ([Message]) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(messages) {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what); got \(messages.map(\.text))")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

@Suite("systemd notify and watchdog")
struct SystemdNotifyTests {
    @Test func notifierReachesPathAndAbstractSockets() async throws {
        for name in [TemporaryDirectory.make() + "/notify", "@triforce-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"] {
            let socket = try NotifySocket(name: name)
            let notifier = SystemdNotifier(socketName: name)
            #expect(notifier.isEnabled)
            #expect(notifier.send(["READY=1", "STATUS=line one\nline two"]))
            try await socket.wait(for: "a datagram on \(name)") { !$0.isEmpty }
            #expect(socket.messages.first?.text == "READY=1\nSTATUS=line one line two")
        }
        #expect(!SystemdNotifier(socketName: nil).send(["READY=1"]))
        #expect(SystemdNotifier.sockaddrBytes("") == nil)
        #expect(SystemdNotifier.sockaddrBytes("/" + String(repeating: "x", count: 200)) == nil)
    }

    @Test func watchdogIntervalIsHalfOfWatchdogUsecForThisProcessOnly() {
        #expect(WatchdogService.interval(environment: ["WATCHDOG_USEC": "30000000"]) == .seconds(15))
        #expect(WatchdogService.interval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"]) == .seconds(15))
        #expect(WatchdogService.interval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]) == nil)
        for garbage in ["", "0", "-5", "1e9", "99999999999999999999999", "ten"] {
            #expect(WatchdogService.interval(environment: ["WATCHDOG_USEC": garbage]) == nil, "\(garbage)")
        }
        #expect(WatchdogService.interval(environment: [:]) == nil)
    }

    /// The real binary under a fake service manager: READY once serving, WATCHDOG at half of
    /// WATCHDOG_USEC, none while the database writer cannot take its lock, STOPPING on SIGTERM.
    @Test func servePingsOnlyWhileLive() async throws {
        let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"
        try #require(FileManager.default.fileExists(atPath: binary), "build the triforce binary first")
        let dir = TemporaryDirectory.make()
        let socket = try NotifySocket(name: dir + "/notify.sock")
        let spawnedAt = ContinuousClock.now
        let server = try Subprocess.Running.spawn(
            [binary, "serve", "--port", "0", "--data-dir", dir],
            environment: ["PATH": "/usr/bin:/bin", "NOTIFY_SOCKET": dir + "/notify.sock", "WATCHDOG_USEC": "2000000"])
        defer { server.signal(SIGKILL) }
        let drain = Task { var lines: [String] = []; while let line = await server.readLine(fd: server.stderrFD) { lines.append(line) }; return lines }

        try await socket.wait(for: "READY=1") { $0.contains { $0.text.hasPrefix("READY=1") } }
        #expect(socket.messages.first { $0.text.hasPrefix("READY=1") }?.text.contains("STATUS=serving on http://127.0.0.1:") == true)
        try await socket.wait(for: "four pings") { $0.filter { $0.text == "WATCHDOG=1" }.count >= 4 }
        let pings = socket.messages.filter { $0.text == "WATCHDOG=1" }.map(\.at)
        let gaps = zip(pings.dropFirst(), pings).map { $0 - $1 }.sorted()
        // Interval 1 s: never faster in aggregate. Counted against the time since spawn, not
        // between receipts: a reader delayed by load sees two pings back to back, a sender
        // cannot have sent more than one per interval (plus the first) in that time.
        let allowed = Int((ContinuousClock.now - spawnedAt) / .seconds(1)) + 1
        #expect(pings.count <= allowed, "\(pings.count) pings, \(allowed) allowed")
        #expect(gaps[gaps.count / 2] <= .seconds(3), "\(gaps)")

        // Another process holds the write lock: the writer check fails, pings stop.
        let blocker = try Connection(path: dir + "/triforce.db")
        try blocker.execute("BEGIN EXCLUSIVE")
        try await socket.wait(for: "a failing STATUS") { $0.contains { $0.text.contains("liveness failing") } }
        let failingAt = try #require(socket.messages.first { $0.text.contains("liveness failing") })
        #expect(failingAt.text.contains("database writer"))
        try await Task.sleep(for: .seconds(4))  // an observation window: 4 ping intervals
        let releasedAt = ContinuousClock.now
        try blocker.execute("ROLLBACK")
        #expect(!socket.messages.contains { $0.text == "WATCHDOG=1" && $0.at > failingAt.at && $0.at < releasedAt })

        try await socket.wait(for: "recovery and a ping") { messages in
            messages.contains { $0.text.contains("liveness checks pass") && $0.at > releasedAt }
                && messages.contains { $0.text == "WATCHDOG=1" && $0.at > releasedAt }
        }
        server.signal(SIGTERM)
        #expect(await server.wait(until: .now + .seconds(60)) == 0)
        try await socket.wait(for: "STOPPING=1") { $0.contains { $0.text.hasPrefix("STOPPING=1") } }
        let log = await drain.value
        #expect(log.contains { $0.contains("stopped cleanly") })
    }
}
