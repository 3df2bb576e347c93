/// Every failure the storage layer reports: a small code plus the context a user needs
/// (the SQL that failed, SQLite's own result code and message).
public struct StorageError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        case open
        case prepare
        case bind
        case step
        case constraint
        case busy
        case corrupt
        case migration
        case schemaTooNew
        case notFound
        case closed
        case invalidValue
    }

    public var code: Code
    public var message: String
    public var sql: String?
    public var resultCode: Int32?

    public init(_ code: Code, _ message: String, sql: String? = nil, resultCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
        self.resultCode = resultCode
    }

    public var description: String {
        var text = message
        if let resultCode { text += " (sqlite \(resultCode))" }
        if let sql { text += " in: \(sql.prefix(200))" }
        return text
    }
}
