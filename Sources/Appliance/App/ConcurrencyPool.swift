import NIOCore
import NIOPosix

/// Where Swift tasks run in `triforce serve`: on the NIO event loops that do the I/O.
///
/// Why: with Swift's default pool every request crossed threads four times (event loop →
/// pool thread for the handler → curl thread → pool thread → event loop for the write), and
/// on a one- or two-core VPS each crossing is a futex wake and a context switch. A `perf
/// record` of the gateway under load put 42 % of the node's CPU under dispatch worker
/// threads. With the event loops as the global executor a task resumes on the loop that
/// owns its connection, so a request is read, handled and written on one thread (the
/// figures are in the README, Performance).
///
/// The cost: work that blocks a thread now blocks an event loop. Nothing on our request
/// path does: SQLite, password hashing and curl own their threads, and processes are polled.
/// `TRIFORCE_CONCURRENCY_POOL=swift` keeps Swift's own pool (for an A/B or a bug hunt).
enum ConcurrencyPool {
    static func install(environment: [String: String]) -> String {
        guard environment["TRIFORCE_CONCURRENCY_POOL"] != "swift" else { return "swift" }
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() ? "event-loops" : "swift"
    }
}
