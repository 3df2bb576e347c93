import Storage
import Net
import NIOCore
import NIOPosix
import Synchronization

/// One check that the process can still do its work. The watchdog pings systemd only while
/// every check passes within its deadline, so a hung node is restarted by systemd.
struct LivenessCheck: Sendable {
    let name: String
    /// Throws (or overruns the deadline the watchdog gives it) when not live.
    let probe: @Sendable () async throws -> Void

    /// Every event loop of the group runs a submitted task (none is stuck in a handler).
    static func eventLoops(_ group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) -> LivenessCheck {
        LivenessCheck(name: "event loops") {
            for loop in group.makeIterator() {
                try await loop.submit {}.get()
            }
        }
    }

    /// The writer thread takes the write lock: not stuck in a job, and no other process holds
    /// the database locked. Rolls back at once, so nothing touches the disk.
    static func databaseWriter(_ database: Database) -> LivenessCheck {
        LivenessCheck(name: "database writer") {
            try await database.write { connection in
                try connection.execute("BEGIN IMMEDIATE")
                try connection.execute("ROLLBACK")
            }
        }
    }

    /// The libcurl event thread answers a ping (it drives every outgoing request).
    static func curlLoop(_ client: CurlHTTPClient) -> LivenessCheck {
        LivenessCheck(name: "curl loop") {
            guard await client.ping() else { throw LivenessFailure("curl event thread shut down") }
        }
    }

    /// A listener has bound its port (a listener that stops ends the service group anyway).
    static func listener(_ name: String, _ state: ListenerState) -> LivenessCheck {
        LivenessCheck(name: name) {
            guard state.port != nil else { throw LivenessFailure("not listening yet") }
        }
    }
}

struct LivenessFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Set by a server's onServerRunning callback: the port it bound.
final class ListenerState: Sendable {
    private let bound = Mutex<Int?>(nil)
    func running(on port: Int) { bound.withLock { $0 = port } }
    var port: Int? { bound.withLock { $0 } }
}
