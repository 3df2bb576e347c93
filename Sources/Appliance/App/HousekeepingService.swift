import Auth
import FoundationEssentials
import Logging
import ServiceLifecycle

/// Deletes local rows that stopped mattering, so tables an attacker can grow (login
/// counters, guest rate limits) and expired revocations do not pile up for the life of the
/// node. Runs a minute after start, then every `interval` with ± 20 % jitter so a mesh of
/// nodes started together does not prune in lockstep.
struct HousekeepingService: Service {
    let auth: AuthServices
    var interval: Duration = .seconds(600)
    var logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var delay: Duration = .seconds(60)
            while !Task.isCancelled {
                try await Task.sleep(for: delay)
                await sweep()
                delay = interval * Double.random(in: 0.8...1.2)
            }
        }
    }

    /// One pass; failures are logged and retried on the next pass.
    func sweep() async {
        do {
            let logins = try await auth.backoff.prune()
            let limits = try await auth.limiter.pruneStored()
            try await auth.revocations.prune(now: Int64(Date().timeIntervalSince1970))
            if logins + limits > 0 {
                logger.info("housekeeping: pruned", metadata: ["login_failures": "\(logins)", "rate_limits": "\(limits)"])
            }
        } catch {
            logger.warning("housekeeping failed; retrying next pass", metadata: ["error": "\(error)"])
        }
    }
}
