public import Logging
import NIOPosix
import Synchronization
import FoundationEssentials

/// The node's SQLite file: one serialized writer connection and a small pool of readers, so
/// reads never wait behind writes (WAL). All work runs on dedicated threads, never on the
/// Swift cooperative pool, because a write may wait on `busy_timeout` for another process.
public final class Database: Sendable {
    public let path: String
    private let writerThread: NIOThreadPool
    private let readerThreads: NIOThreadPool
    /// Confined to `writerThread` (one thread), so it is never touched concurrently.
    private let writer: Confined<Connection>
    private let idleReaders: ReaderPool
    private let readerCapacity: Int
    private let closed = Atomic<Bool>(false)

    /// Opens (creating if needed) the database and brings its schema up to date.
    public init(
        path: String,
        migrations: [Migration] = Schema.migrations,
        readers: Int = 2,
        logger: Logger = Logger(label: "triforce.storage")
    ) async throws {
        self.path = path
        let connection = try Connection(path: path)
        try Migrator(migrations: migrations).migrate(connection, logger: logger)
        self.writer = Confined(connection)
        self.readerCapacity = max(1, readers)
        var pool: [Confined<Connection>] = []
        for _ in 0..<readerCapacity {
            let reader = try Connection(path: path)
            try reader.execute("PRAGMA query_only = ON")
            pool.append(Confined(reader))
        }
        self.idleReaders = ReaderPool(pool)
        self.writerThread = NIOThreadPool(numberOfThreads: 1)
        self.readerThreads = NIOThreadPool(numberOfThreads: readerCapacity)
        writerThread.start()
        readerThreads.start()
    }

    @discardableResult
    /// Runs `body` on the writer connection. Writes are serialized in arrival order.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try checkOpen()
        let writer = self.writer
        return try await writerThread.runIfActive { try body(writer.value) }
    }

    @discardableResult
    /// Runs `body` in a `BEGIN IMMEDIATE` transaction on the writer connection.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await write { connection in try connection.transaction { try body(connection) } }
    }

    @discardableResult
    /// Runs `body` on a reader connection. Sees every transaction committed before it began.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try checkOpen()
        return try await readerThreads.runIfActive { [idleReaders] in
            // The pool has as many threads as connections, so a running job always finds one.
            guard let reader = idleReaders.checkOut() else {
                throw StorageError(.closed, "no reader connection available")
            }
            defer { idleReaders.checkIn(reader) }
            return try body(reader.value)
        }
    }

    /// Finishes queued work, then closes every connection (checkpointing the WAL).
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try? await writerThread.runIfActive { [writer] in
            try? writer.value.execute("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE)")
        }
        try? await writerThread.shutdownGracefully()
        try? await readerThreads.shutdownGracefully()
    }

    private func checkOpen() throws(StorageError) {
        if closed.load(ordering: .acquiring) { throw StorageError(.closed, "database is closed") }
    }
}

/// A non-Sendable value handed between threads by a mechanism that guarantees exclusive use
/// (a single-thread pool, or a mutex-guarded checkout). The guarantee lives with the owner.
final class Confined<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Idle reader connections; a job checks one out under the mutex and returns it after.
final class ReaderPool: Sendable {
    private let idle: Mutex<[Confined<Connection>]>
    init(_ connections: [Confined<Connection>]) { idle = Mutex(connections) }
    func checkOut() -> Confined<Connection>? { idle.withLock { $0.popLast() } }
    func checkIn(_ connection: Confined<Connection>) { idle.withLock { $0.append(connection) } }
}
