import CSQLite
import FoundationEssentials

/// One open SQLite connection with a prepared-statement cache.
///
/// Not Sendable: a `Database` hands a connection to exactly one thread at a time (the writer
/// thread, or a reader checked out of the pool), so no lock is needed here.
public final class Connection {
    let handle: OpaquePointer
    public let path: String
    private var cache: [String: Statement] = [:]
    private var transactionDepth = 0
    /// Set by `close()`; every later call throws `.closed` instead of touching a freed handle.
    public private(set) var isClosed = false

    /// Bounded so a caller that builds SQL dynamically cannot grow the cache forever.
    static let cacheLimit = 256

    /// Opens the file and proves it is a usable database: `sqlite3_open_v2` is lazy, so the
    /// schema is read here and a bad file fails now, with one clear error, not at first use.
    public init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 5_000) throws(StorageError) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw Self.openFailure(path: path, StorageError(.open, message, resultCode: rc))
        }
        self.handle = db
        self.path = path
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        sqlite3_extended_result_codes(db, 1)
        do throws(StorageError) {
            try execute("PRAGMA foreign_keys = ON")
            if !readOnly {
                // SQLite silently falls back to read-only when the file is write-protected.
                guard sqlite3_db_readonly(db, "main") != 1 else {
                    throw StorageError(.open, "file is read-only", resultCode: SQLITE_READONLY)
                }
                // Also the first read of the header: a file that is not a database fails here.
                let mode = try scalar("PRAGMA journal_mode = WAL")
                guard mode == .text("wal") || mode == .text("memory") else {
                    throw StorageError(.open, "cannot switch to WAL (journal_mode is \(mode.map { "\($0)" } ?? "unknown"))")
                }
                // WAL + synchronous=NORMAL: a commit is in the WAL (OS page cache) before it
                // returns, so a process crash (kill -9) never loses it; only a power loss can
                // drop the last commits before a checkpoint. FULL would fsync every commit,
                // which costs milliseconds per request on small VPS disks (bench/gateway.sh).
                try execute("PRAGMA synchronous = NORMAL")
            }
            _ = try scalar("SELECT count(*) FROM sqlite_master")
        } catch {
            close()
            throw Self.openFailure(path: path, error)
        }
    }

    deinit { close() }

    /// Finalizes cached statements and closes the handle. Idempotent. The owner guarantees no
    /// other thread is using the connection (a `Database` closes only after its threads joined).
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements without parameters or results (DDL, pragmas).
    public func execute(_ sql: String) throws(StorageError) {
        try checkOpen()
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        guard rc == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? errorMessage
            sqlite3_free(message)
            throw error(rc, "execute: \(text)", sql: sql)
        }
    }

    /// Runs a statement that returns no rows; returns the number of rows changed.
    @discardableResult
    public func run(_ sql: String, _ values: any SQLBindable...) throws(StorageError) -> Int {
        try run(sql, values.map(\.sqlValue))
    }

    @discardableResult
    public func run(_ sql: String, _ values: [SQLValue]) throws(StorageError) -> Int {
        let statement = try prepared(sql)
        defer { statement.reset() }
        try statement.bind(values)
        let rc = sqlite3_step(statement.handle)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else {
            throw error(rc, "step: \(errorMessage)", sql: sql)
        }
        return Int(sqlite3_changes(handle))
    }

    public func query(_ sql: String, _ values: any SQLBindable...) throws(StorageError) -> [Row] {
        try query(sql, values.map(\.sqlValue))
    }

    public func query(_ sql: String, _ values: [SQLValue]) throws(StorageError) -> [Row] {
        let statement = try prepared(sql)
        defer { statement.reset() }
        try statement.bind(values)
        let names = statement.columnNames
        var rows: [Row] = []
        while true {
            let rc = sqlite3_step(statement.handle)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error(rc, "step: \(errorMessage)", sql: sql) }
            rows.append(Row(columns: names, values: (0..<Int32(names.count)).map(statement.value(at:))))
        }
        return rows
    }

    public func queryOne(_ sql: String, _ values: any SQLBindable...) throws(StorageError) -> Row? {
        try query(sql, values.map(\.sqlValue)).first
    }

    /// The first column of the first row, or nil.
    public func scalar(_ sql: String, _ values: any SQLBindable...) throws(StorageError) -> SQLValue? {
        try query(sql, values.map(\.sqlValue)).first?.values.first
    }

    public var lastInsertRowID: Int64 { isClosed ? 0 : sqlite3_last_insert_rowid(handle) }

    /// True while a transaction is open on this connection (SQLite's own view, so it also
    /// covers a `BEGIN` issued through `execute`).
    public var isInTransaction: Bool { !isClosed && sqlite3_get_autocommit(handle) == 0 }

    /// True while this connection holds the database write lock (a `BEGIN IMMEDIATE`
    /// transaction, or a deferred one that has written), which excludes every other writer
    /// of the file, in any process, until it ends.
    public var holdsWriteLock: Bool { !isClosed && sqlite3_txn_state(handle, "main") == SQLITE_TXN_WRITE }

    /// Runs `body` in a transaction: `BEGIN IMMEDIATE` so a writer takes the lock up front
    /// instead of failing with SQLITE_BUSY on upgrade. Rolls back when `body` throws or the
    /// commit fails. Nested calls become savepoints.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let depth = transactionDepth
        let savepoint = "sp\(depth)"
        // The outermost BEGIN and COMMIT run as cached prepared statements: `sqlite3_exec`
        // compiled each anew, ~15,000 instructions apiece on every write-behind flush.
        if depth == 0 { try run("BEGIN IMMEDIATE") } else { try execute("SAVEPOINT \(savepoint)") }
        transactionDepth = depth + 1
        // Restored on every exit, so a failed COMMIT cannot leave the depth off by one.
        defer { transactionDepth = depth }
        let result: T
        do {
            result = try body()
            if depth == 0 { try run("COMMIT") } else { try execute("RELEASE \(savepoint)") }
        } catch {
            rollBack(depth: depth, savepoint: savepoint)
            throw error
        }
        return result
    }

    /// Best effort: the caller's error is the one worth reporting. SQLite may already have
    /// rolled back (after SQLITE_FULL or IOERR); a transaction still open after this is caught by
    /// `Database.finishJob`, which rolls back and reports it.
    private func rollBack(depth: Int, savepoint: String) {
        if depth == 0 {
            if isInTransaction { try? execute("ROLLBACK") }
        } else {
            try? execute("ROLLBACK TO \(savepoint); RELEASE \(savepoint)")
        }
    }

    /// Called after every job a `Database` runs on this connection: a transaction left open
    /// (a raw `BEGIN` without `COMMIT`) would otherwise swallow every later write on the writer
    /// or pin an old snapshot on a reader. Rolls it back and reports it.
    func finishJob() throws(StorageError) {
        guard transactionDepth == 0, isInTransaction else { return }
        var outcome = "it was rolled back"
        do { try execute("ROLLBACK") } catch { outcome = "rolling it back failed: \(error)" }
        throw StorageError(.step, "a job on \(path) left a transaction open; \(outcome)")
    }

    /// Number of cached prepared statements (tests and diagnostics).
    var cachedStatementCount: Int { cache.count }

    /// True if a statement of this connection was left mid-step (it would hold a read lock).
    var hasBusyStatement: Bool { cache.values.contains(where: \.isBusy) }

    private func prepared(_ sql: String) throws(StorageError) -> Statement {
        try checkOpen()
        if let cached = cache[sql] { return cached }
        let statement = try Statement(connection: handle, sql: sql)
        // Only reset statements are in the cache (no call is mid-step while preparing), so
        // dropping them all is safe.
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[sql] = statement
        return statement
    }

    private func checkOpen() throws(StorageError) {
        if isClosed { throw StorageError(.closed, "connection to \(path) is closed") }
    }

    private var errorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    private func error(_ rc: Int32, _ message: String, sql: String) -> StorageError {
        let code: StorageError.Code = switch rc & 0xff {
        case SQLITE_CONSTRAINT: .constraint
        case SQLITE_BUSY, SQLITE_LOCKED: .busy
        case SQLITE_CORRUPT, SQLITE_NOTADB: .corrupt
        default: .step
        }
        return StorageError(code, message, sql: sql, resultCode: rc)
    }

    /// One error for any failure while opening, naming the file and what to do about it.
    private static func openFailure(path: String, _ underlying: StorageError) -> StorageError {
        let rc = underlying.resultCode ?? SQLITE_CANTOPEN
        let reason = underlying.message.replacing("execute: ", with: "")
        switch rc & 0xff {
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return StorageError(.corrupt,
                "database \(path) is not a valid SQLite database or is corrupt (\(reason)); restore it from a backup, or move it aside to start with an empty database",
                resultCode: rc)
        case SQLITE_BUSY, SQLITE_LOCKED:
            return StorageError(.busy,
                "database \(path) is locked by another process (\(reason)); stop the other triforce using this data directory",
                resultCode: rc)
        default:
            return StorageError(.open,
                "cannot open database \(path) (\(reason)); check that its directory exists and is writable by this user, and so is the file (SQLite creates -wal and -shm files beside it)",
                resultCode: rc)
        }
    }
}
