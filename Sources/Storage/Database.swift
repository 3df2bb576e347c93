public import Logging
import NIOPosix
import Synchronization
import FoundationEssentials

/// The node's SQLite file: one serialized writer connection and a small pool of readers, so
/// reads never wait behind writes (WAL). All work runs on dedicated threads, never on the
/// Swift cooperative pool, because a write may wait on `busy_timeout` for another process.
///
/// Lifecycle: `init` opens and migrates; `close()` drains and closes. After `close()` begins,
/// every call throws `StorageError` `.closed` (never hangs).
public final class Database: Sendable {
    public let path: String
    private let writerThread: NIOThreadPool
    private let readerThreads: NIOThreadPool
    /// Confined to `writerThread` (one thread), so it is never touched concurrently; touched
    /// from `close()` only after that thread has joined.
    private let writer: Confined<Connection>
    private let idleReaders: ReaderPool
    private let readerCapacity: Int
    private let closed = Atomic<Bool>(false)
    private let logger: Logger

    /// Opens (creating if needed) the database and brings its schema up to date. Throws one
    /// `StorageError` (`.open`, `.corrupt`, `.busy`, `.schemaTooNew`, `.migration`) naming the
    /// file and what to do; never leaves threads or handles behind on failure.
    public init(
        path: String,
        migrations: [Migration] = Schema.migrations,
        readers: Int = 2,
        logger: Logger = Logger(label: "triforce.storage")
    ) async throws {
        let capacity = max(1, readers)
        let writerThread = NIOThreadPool(numberOfThreads: 1)
        let readerThreads = NIOThreadPool(numberOfThreads: capacity)
        writerThread.start()
        readerThreads.start()
        let opened: (writer: Confined<Connection>, readers: [Confined<Connection>])
        do {
            // Opening and migrating block on disk and on busy_timeout: keep them off the
            // cooperative pool too.
            opened = try await writerThread.runIfActive {
                // Tighten files left looser by an older build before reading them, then
                // the -wal/-shm this open created (Database+Permissions).
                try Self.restrictFiles(of: path)
                let connection = try Connection(path: path)
                try Self.restrictFiles(of: path)
                try Migrator(migrations: migrations).migrate(connection, logger: logger)
                var readers: [Confined<Connection>] = []
                for _ in 0..<capacity {
                    let reader = try Connection(path: path)
                    try reader.execute("PRAGMA query_only = ON")
                    readers.append(Confined(reader))
                }
                return (Confined(connection), readers)
            }
        } catch {
            try? await writerThread.shutdownGracefully()
            try? await readerThreads.shutdownGracefully()
            throw error
        }
        self.path = path
        self.writerThread = writerThread
        self.readerThreads = readerThreads
        self.writer = opened.writer
        self.idleReaders = ReaderPool(opened.readers)
        self.readerCapacity = capacity
        self.logger = logger
    }

    deinit {
        // Without close() the pools' threads would live forever; connections close in their
        // own deinit once the last job holding them is gone.
        if !closed.load(ordering: .acquiring) {
            writerThread.shutdownGracefully { _ in }
            readerThreads.shutdownGracefully { _ in }
        }
    }

    @discardableResult
    /// Runs `body` on the writer connection. Writes are serialized in arrival order.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let writer = self.writer
        return try await run(on: writerThread) {
            let connection = writer.value
            let result: T
            do {
                result = try body(connection)
            } catch {
                try? connection.finishJob()  // the body's error is the one to report
                throw error
            }
            try connection.finishJob()
            return result
        }
    }

    @discardableResult
    /// Runs `body` in a `BEGIN IMMEDIATE` transaction on the writer connection.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await write { connection in try connection.transaction { try body(connection) } }
    }

    @discardableResult
    /// Runs `body` on a reader connection. Sees every transaction committed before it began.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await run(on: readerThreads) { [idleReaders] in
            // Invariant: the pool has as many threads as connections and a job holds at most
            // one, so a running job always finds one.
            guard let reader = idleReaders.checkOut() else {
                throw StorageError(.closed, "no reader connection available")
            }
            defer { idleReaders.checkIn(reader) }
            let connection = reader.value
            let result: T
            do {
                result = try body(connection)
            } catch {
                try? connection.finishJob()
                throw error
            }
            try connection.finishJob()
            return result
        }
    }

    /// Lets running and already-queued writes finish, then checkpoints the WAL and closes every
    /// connection. Calls made after `close()` begins throw `.closed`. Idempotent.
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Readers first: their threads join after the running reads, queued reads get `.closed`.
        await shutDown(readerThreads, "reader")
        for reader in idleReaders.drain() { reader.value.close() }
        do {
            // Queued behind every write submitted before close(), so those complete first.
            try await writerThread.runIfActive { [writer] in
                try writer.value.execute("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE)")
            }
        } catch {
            logger.warning("checkpoint on close failed", metadata: ["path": "\(path)", "error": "\(error)"])
        }
        await shutDown(writerThread, "writer")
        // Both pools have joined their threads: nothing else can touch the writer now.
        writer.value.close()
    }

    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    private func shutDown(_ pool: NIOThreadPool, _ name: String) async {
        do {
            try await pool.shutdownGracefully()
        } catch {
            logger.warning("stopping \(name) threads failed", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    /// Submits a job, turning the pool's "inactive" answer into `.closed`: a call can pass the
    /// check, then lose the race with `close()`, and must still get the documented error.
    private func run<T: Sendable>(on pool: NIOThreadPool, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try checkOpen()
        do {
            return try await pool.runIfActive(body)
        } catch let error as CancellationError {
            try checkOpen()
            throw error
        }
    }

    private func checkOpen() throws(StorageError) {
        if closed.load(ordering: .acquiring) { throw StorageError(.closed, "database \(path) is closed") }
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
    /// Empties the pool for closing; only valid once no job can run.
    func drain() -> [Confined<Connection>] { idle.withLock { pool in defer { pool = [] }; return pool } }
}
