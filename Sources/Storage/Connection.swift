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

    /// Bounded so a caller that builds SQL dynamically cannot grow the cache forever.
    private static let cacheLimit = 256

    public init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 5_000) throws(StorageError) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StorageError(.open, "open database \(path): \(message)", resultCode: rc)
        }
        self.handle = db
        self.path = path
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        sqlite3_extended_result_codes(db, 1)
        try execute("PRAGMA foreign_keys = ON")
        if !readOnly {
            // synchronous=FULL: a committed transaction survives power loss, not just a crash.
            try execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL")
        }
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements without parameters or results (DDL, pragmas).
    public func execute(_ sql: String) throws(StorageError) {
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

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `body` in a transaction: `BEGIN IMMEDIATE` so a writer takes the lock up front
    /// instead of failing with SQLITE_BUSY on upgrade. Rolls back when `body` throws.
    /// Nested calls become savepoints.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let savepoint = "sp\(transactionDepth)"
        try execute(transactionDepth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT \(savepoint)")
        transactionDepth += 1
        do {
            let result = try body()
            transactionDepth -= 1
            try execute(transactionDepth == 0 ? "COMMIT" : "RELEASE \(savepoint)")
            return result
        } catch {
            transactionDepth -= 1
            if transactionDepth == 0 {
                try? execute("ROLLBACK")
            } else {
                try? execute("ROLLBACK TO \(savepoint); RELEASE \(savepoint)")
            }
            throw error
        }
    }

    private func prepared(_ sql: String) throws(StorageError) -> Statement {
        if let cached = cache[sql] { return cached }
        let statement = try Statement(connection: handle, sql: sql)
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[sql] = statement
        return statement
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
}
