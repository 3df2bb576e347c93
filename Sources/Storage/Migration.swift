/// One schema step. `version` numbers are dense and increasing; a migration never changes
/// once released (add a new one instead).
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
