import Glibc
import Logging
import ServiceLifecycle

/// The service-manager side of the lifecycle: `READY=1` once the API serves (called from the
/// server's running callback), `STOPPING=1` as soon as graceful shutdown begins. Registered
/// last, so it is the first told to shut down: systemd learns of the drain before it starts.
struct SystemdNotifyService: Service {
    let notifier: SystemdNotifier
    /// A drain for a restart into another release: systemd hears RELOADING=1 (the pid stays
    /// and the exec'd binary sends READY=1), not STOPPING=1, which would end the unit.
    var restart: ProcessRestart? = nil
    let logger: Logger

    func ready(url: String) {
        if notifier.send(["READY=1", "STATUS=serving on \(url)"]) {
            logger.info("told systemd READY=1")
        }
    }

    func run() async throws {
        try? await gracefulShutdown()
        if let binary = restart?.pending {
            notifier.send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())",
                           "STATUS=draining in-flight requests, then restarting into \(binary)"])
        } else {
            notifier.send(["STOPPING=1", "STATUS=draining in-flight requests"])
        }
    }

    /// CLOCK_MONOTONIC in microseconds, which systemd pairs with RELOADING=1.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec / 1_000)
    }
}
