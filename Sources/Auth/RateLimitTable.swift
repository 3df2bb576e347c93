import Synchronization

/// The rate limiter's state in memory: each subject's theoretical arrival time (ms), under
/// one lock so the read-decide-write of concurrent requests is serialized. A subject is
/// loaded from SQLite once; entries already in the past are pruned past `pruneAbove`
/// (a past TAT means "full quota", the same as no entry, and SQLite never holds a newer one).
final class RateLimitTable: Sendable {
    private struct State {
        var tat: [String: Int64] = [:]
        var loaded: Set<String> = []
        /// When pruning may run again (ms).
        var nextPrune: Int64 = 0
    }

    static let pruneAbove = 10_000
    private let state = Mutex(State())

    func isLoaded(_ subject: String) -> Bool { state.withLock { $0.loaded.contains(subject) } }

    func tat(_ subject: String) -> Int64? { state.withLock { $0.loaded.contains(subject) ? ($0.tat[subject] ?? 0) : nil } }

    /// Records what SQLite holds, unless a concurrent request loaded it first.
    func load(_ subject: String, stored: Int64?) {
        state.withLock { state in
            guard state.loaded.insert(subject).inserted else { return }
            if let stored { state.tat[subject] = max(stored, state.tat[subject] ?? stored) }
        }
    }

    /// Runs `decide` on the current TAT and stores the new one, atomically.
    func decide<Decision: Sendable>(_ subject: String, now: Int64,
                          _ decide: (Int64?) -> (decision: Decision, newTAT: Int64?)) -> (Decision, Int64?) {
        state.withLock { state in
            let outcome = decide(state.tat[subject])
            if let newTAT = outcome.newTAT { state.tat[subject] = newTAT }
            // At most once a second: with more than `pruneAbove` subjects all still limited,
            // a scan on every request cost each request O(subjects) under this lock.
            if state.tat.count > Self.pruneAbove, now >= state.nextPrune {
                state.nextPrune = min(now, .max - 1_000) + 1_000
                let expired = state.tat.compactMap { $0.value <= now && $0.key != subject ? $0.key : nil }
                for key in expired {
                    state.tat[key] = nil
                    state.loaded.remove(key)
                }
            }
            return (outcome.decision, outcome.newTAT)
        }
    }
}
