import Logging
import Glibc
import ServiceLifecycle

/// systemd's watchdog (`WatchdogSec=`): every `interval` (half of `WATCHDOG_USEC`) it runs the
/// liveness checks and sends `WATCHDOG=1` only when all pass within `checkTimeout`. A failing
/// check sends one `STATUS=` line naming it (and one when it recovers) instead of a ping, so
/// systemd restarts a node that stays unhealthy for the whole watchdog period.
struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let interval: Duration
    let runner: LivenessRunner
    let logger: Logger

    /// A check slower than this counts as failed: a hung thread never answers at all.
    var checkTimeout: Duration { min(interval, .seconds(5)) }

    /// Half of `WATCHDOG_USEC` (systemd's advice), when the watchdog is on for this process:
    /// `WATCHDOG_PID`, when set, must be our pid. Garbage or zero means off.
    static func interval(environment: [String: String], pid: Int32 = getpid()) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0,
              let half = Int64(exactly: usec / 2) else { return nil }
        if let owner = environment["WATCHDOG_PID"], Int32(owner) != pid { return nil }
        return .microseconds(max(half, 1_000))
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var reported: [String] = []
            while !Task.isCancelled {
                let started = ContinuousClock.now
                let failures = await runner.failures(timeout: checkTimeout)
                if failures.isEmpty {
                    notifier.send(["WATCHDOG=1"])
                    if !reported.isEmpty {
                        logger.notice("liveness checks pass again; watchdog pings resumed")
                        notifier.send(["STATUS=serving; liveness checks pass"])
                    }
                } else if failures != reported {
                    let summary = failures.joined(separator: "; ")
                    logger.error("liveness check failing; watchdog pings withheld", metadata: ["failures": "\(summary)"])
                    notifier.send(["STATUS=liveness failing: \(summary)"])
                }
                reported = failures
                try await Task.sleep(until: started + interval)
            }
        }
    }
}
