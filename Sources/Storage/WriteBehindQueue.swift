import Logging
import Synchronization

/// Rows written behind the response: usage, response-cache entries, audit and rate-limit
/// state. A flusher task writes what is queued in ONE transaction, at most 50 ms after the
/// first row or as soon as 256 are waiting; `flush` and `drain` (on close) write the rest.
///
/// Invariants: the queue holds at most `capacity` rows (an enqueuer past it waits for a
/// flush: back-pressure, never a silent drop); the rows' SQL is order-independent (additive
/// counters, monotonic or last-writer-wins upserts), so batches may commit in any order.
/// A row whose own SQL fails is logged and skipped (a savepoint each); the others commit.
final class WriteBehindQueue: Sendable {
    struct Row: Sendable {
        let label: String
        let body: @Sendable (Connection) throws -> Void
    }

    static let batchRows = 256
    static let window = Duration.milliseconds(50)
    static let capacity = 16_384

    private struct State {
        var rows: [Row] = []
        var flusherRunning = false
        var batchesInFlight = 0
        /// The flusher waiting out its window; resumed early when a batch is full.
        var wake: CheckedContinuation<Void, Never>?
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
        var spaceWaiters: [CheckedContinuation<Void, Never>] = []
        var closed = false
    }

    private let state = Mutex(State())
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    var pendingCount: Int { state.withLock { $0.rows.count } }

    func enqueue(_ row: Row, database: Database) async {
        while true {
            enum Outcome { case queued(startFlusher: Bool, wake: CheckedContinuation<Void, Never>?), full, closed }
            let outcome: Outcome = state.withLock { state in
                if state.closed { return .closed }
                if state.rows.count >= Self.capacity { return .full }
                state.rows.append(row)
                let start = !state.flusherRunning
                if start { state.flusherRunning = true }
                var wake: CheckedContinuation<Void, Never>?
                if state.rows.count >= Self.batchRows { wake = state.wake; state.wake = nil }
                return .queued(startFlusher: start, wake: wake)
            }
            switch outcome {
            case .queued(let start, let wake):
                wake?.resume()
                if start { Task { await self.runFlusher(database) } }
                return
            case .closed:
                // After close: written alone (and failing as `.closed` if the file is shut).
                await write([row], database)
                return
            case .full:
                await withCheckedContinuation { continuation in
                    let stillFull = state.withLock { state in
                        guard state.rows.count >= Self.capacity, !state.closed else { return false }
                        state.spaceWaiters.append(continuation)
                        return true
                    }
                    if !stillFull { continuation.resume() }
                }
            }
        }
    }

    /// Writes everything queued so far and waits for batches already being written.
    func flush(into database: Database) async {
        let batch = take()
        await write(batch, database)
        finishBatch()
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state in
                guard !state.rows.isEmpty || state.batchesInFlight > 0 else { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    /// The last flush before the database closes; later rows are written one by one.
    func drain(into database: Database) async {
        await flush(into: database)
        let waiters = state.withLock { state in
            state.closed = true
            defer { state.spaceWaiters = [] }
            return state.spaceWaiters
        }
        for waiter in waiters { waiter.resume() }
        await flush(into: database)
    }

    // MARK: flusher

    private func runFlusher(_ database: Database) async {
        while true {
            await waitWindow()
            let batch = take()
            await write(batch, database)
            let done = state.withLock { state in
                guard state.rows.isEmpty else { return false }
                state.flusherRunning = false
                return true
            }
            finishBatch()
            if done { return }
        }
    }

    /// Returns after `window`, or sooner when a full batch is waiting.
    private func waitWindow() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let full = state.withLock { state in
                if state.rows.count >= Self.batchRows { return true }
                state.wake = continuation
                return false
            }
            if full { continuation.resume(); return }
            Task {
                try? await Task.sleep(for: Self.window)
                // May end a later window early: harmless, that batch is just written sooner.
                let wake = self.state.withLock { state in defer { state.wake = nil }; return state.wake }
                wake?.resume()
            }
        }
    }

    /// Takes every queued row as one batch (counted in flight until `finishBatch`).
    private func take() -> [Row] {
        let (batch, waiters) = state.withLock { state in
            state.batchesInFlight += 1
            defer { state.rows = []; state.spaceWaiters = [] }
            return (state.rows, state.spaceWaiters)
        }
        for waiter in waiters { waiter.resume() }
        return batch
    }

    private func finishBatch() {
        let waiters = state.withLock { state in
            state.batchesInFlight -= 1
            guard state.batchesInFlight == 0, state.rows.isEmpty else { return [CheckedContinuation<Void, Never>]() }
            defer { state.idleWaiters = [] }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func write(_ batch: [Row], _ database: Database) async {
        guard !batch.isEmpty else { return }
        let logger = self.logger
        do {
            try await database.transaction(quiet: true) { connection in
                for row in batch {
                    do {
                        try connection.transaction { try row.body(connection) }
                    } catch {
                        logger.error("queued write failed", metadata: ["row": "\(row.label)", "error": "\(error)"])
                    }
                }
            }
        } catch {
            logger.error("queued writes lost", metadata: ["rows": "\(batch.count)", "error": "\(error)"])
        }
    }
}
