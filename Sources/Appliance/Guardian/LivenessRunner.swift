import Synchronization

/// Runs liveness checks with a hard deadline. A probe stuck on a hung thread never returns,
/// so it is left running detached and reported as failing; while it is still stuck the same
/// check is not started again, which bounds what a hang can pile up to one task per check.
final class LivenessRunner: Sendable {
    let checks: [LivenessCheck]
    /// Check name → when its unfinished probe started.
    private let inFlight = Mutex<[String: ContinuousClock.Instant]>([:])

    init(checks: [LivenessCheck]) { self.checks = checks }

    /// "name: reason" for every check that failed or missed `timeout`, sorted.
    func failures(timeout: Duration) async -> [String] {
        await withTaskGroup(of: String?.self) { group in
            for check in checks {
                group.addTask { await self.run(check, timeout: timeout) }
            }
            var failures: [String] = []
            for await failure in group { if let failure { failures.append(failure) } }
            return failures.sorted()
        }
    }

    private func run(_ check: LivenessCheck, timeout: Duration) async -> String? {
        let now = ContinuousClock.now
        let stuckSince: ContinuousClock.Instant? = inFlight.withLock { running in
            if let started = running[check.name] { return started }
            running[check.name] = now
            return nil
        }
        if let stuckSince {
            return "\(check.name): no answer for \((now - stuckSince).components.seconds) s"
        }
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            let answer = Answer(continuation)
            let timer = Task {
                try await Task.sleep(for: timeout)
                answer.give("\(check.name): no answer within \(timeout)")
            }
            Task {
                do {
                    try await check.probe()
                    answer.give(nil)
                } catch {
                    answer.give("\(check.name): \(error)")
                }
                timer.cancel()
                self.inFlight.withLock { $0[check.name] = nil }
            }
        }
        return outcome
    }

    /// Resumes its continuation once: with the probe's result or the deadline's, whichever is first.
    private final class Answer: Sendable {
        private let slot: Mutex<CheckedContinuation<String?, Never>?>
        init(_ continuation: CheckedContinuation<String?, Never>) { slot = Mutex(continuation) }
        func give(_ value: String?) {
            let continuation = slot.withLock { slot in defer { slot = nil }; return slot }
            continuation?.resume(returning: value)
        }
    }
}
