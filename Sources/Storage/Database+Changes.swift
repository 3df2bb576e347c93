import Synchronization

extension Database {
    /// Changes whenever the data may have changed: after every local (non-quiet) write, and
    /// when `checkExternalChanges` sees another process's commit. Cheap: one atomic load.
    public var generation: UInt64 { generationCounter.load(ordering: .acquiring) }

    /// Marks every snapshot stale (a write made outside `write`, or a test).
    public func noteChange() { generationCounter.add(1, ordering: .releasing) }

    /// Asks SQLite whether another process committed since the last call (`PRAGMA
    /// data_version` on the writer connection, which changes only for other connections'
    /// commits) and bumps `generation` if so. `DatabaseService` calls it every 250 ms.
    @discardableResult
    public func checkExternalChanges() async throws -> Bool {
        let version = try await write(quiet: true) { connection in
            try connection.scalar("PRAGMA data_version")?.int64 ?? 0
        }
        let previous = externalDataVersion.exchange(version, ordering: .acquiringAndReleasing)
        guard previous != Int64.min, previous != version else { return false }
        noteChange()
        return true
    }

    /// Queues a write to run behind the response, batched with others in one transaction
    /// (every 50 ms or 256 rows, and on `close()`). For rows no request waits on: usage,
    /// response cache, audit, rate-limit state. Waits only when the queue is full.
    public func enqueue(_ label: String, _ body: @escaping @Sendable (Connection) throws -> Void) async {
        await behind.enqueue(WriteBehindQueue.Row(label: label, body: body), database: self)
    }

    /// Waits until every row queued so far is written (tests, `db` commands, shutdown).
    public func flushQueuedWrites() async {
        await behind.flush(into: self)
    }
}
