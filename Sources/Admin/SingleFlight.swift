import Synchronization

/// Runs background work at most once at a time: a second start while the first runs is
/// refused, so repeated clicks on "Rediscover" cannot pile up discoveries. Guarded by its mutex.
final class SingleFlight: Sendable {
    private let running = Mutex(false)

    /// Starts `work` in the background unless a run is in progress; true when it started.
    func start(_ work: @escaping @Sendable () async -> Void) -> Bool {
        let claimed = running.withLock { running in
            if running { return false }
            running = true
            return true
        }
        guard claimed else { return false }
        Task {
            await work()
            running.withLock { $0 = false }
        }
        return true
    }
}
