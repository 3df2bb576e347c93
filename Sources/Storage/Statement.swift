import CSQLite
import FoundationEssentials

/// A prepared statement owned by one `Connection`. Not Sendable: it lives and dies on the
/// connection's thread. The connection caches statements by SQL text and resets them after use.
final class Statement {
    let handle: OpaquePointer
    let sql: String

    init(connection: OpaquePointer, sql: String) throws(StorageError) {
        var stmt: OpaquePointer?
        // `tail` points into the temporary C string, so it is inspected inside the closure.
        let (rc, extra) = sql.withCString { text -> (Int32, Bool) in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v3(connection, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, &tail)
            guard rc == SQLITE_OK, stmt != nil, let tail, tail.pointee != 0 else { return (rc, false) }
            // A second statement would be silently ignored by step; only whitespace and
            // comments (which prepare to nothing) may follow the first one.
            var next: OpaquePointer?
            let tailRC = sqlite3_prepare_v2(connection, tail, -1, &next, nil)
            defer { sqlite3_finalize(next) }
            return (rc, tailRC != SQLITE_OK || next != nil)
        }
        guard rc == SQLITE_OK, let stmt else {
            let message = rc == SQLITE_OK ? "empty statement" : String(cString: sqlite3_errmsg(connection))
            throw StorageError(.prepare, "prepare statement: \(message)", sql: sql, resultCode: rc)
        }
        guard !extra else {
            sqlite3_finalize(stmt)
            throw StorageError(.prepare, "prepare statement: more than one statement; use execute(_:) for scripts", sql: sql)
        }
        self.handle = stmt
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    func bind(_ values: [SQLValue]) throws(StorageError) {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == values.count else {
            throw StorageError(.bind, "statement takes \(expected) parameters, got \(values.count)", sql: sql)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
            case .real(let v): rc = sqlite3_bind_double(handle, index, v)
            case .text(let v):
                guard let length = Int32(exactly: v.utf8.count) else { throw tooLarge(index) }
                // The C string lives only for this call; SQLITE_TRANSIENT makes SQLite copy it.
                rc = csqlite_bind_text_transient(handle, index, v, length)
            case .blob(let v):
                guard let length = Int32(exactly: v.count) else { throw tooLarge(index) }
                if length == 0 {
                    // A nil pointer would bind NULL; an empty blob must stay a blob.
                    rc = sqlite3_bind_zeroblob(handle, index, 0)
                } else {
                    rc = v.withUnsafeBytes { raw in
                        csqlite_bind_blob_transient(handle, index, raw.baseAddress, length)
                    }
                }
            }
            guard rc == SQLITE_OK else {
                throw StorageError(.bind, "bind parameter \(index)", sql: sql, resultCode: rc)
            }
        }
    }

    private func tooLarge(_ index: Int32) -> StorageError {
        StorageError(.bind, "bind parameter \(index): value larger than 2 GiB", sql: sql, resultCode: SQLITE_TOOBIG)
    }

    /// Returns the statement to its initial state and drops bound values (so a cached
    /// statement never keeps a large blob alive). Safe after an error.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    var isBusy: Bool { sqlite3_stmt_busy(handle) != 0 }

    var columnNames: [String] {
        (0..<sqlite3_column_count(handle)).map { String(cString: sqlite3_column_name(handle, $0)) }
    }

    func value(at column: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
        case SQLITE_TEXT:
            // Pointer first, then length (SQLite's documented order); decoding by length keeps
            // text intact past an embedded NUL.
            guard let text = sqlite3_column_text(handle, column) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, column))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let bytes = sqlite3_column_blob(handle, column)
            let count = Int(sqlite3_column_bytes(handle, column))
            guard count > 0, let bytes else { return .blob(Data()) }
            return .blob(Data(bytes: bytes, count: count))
        default: return .null
        }
    }
}
