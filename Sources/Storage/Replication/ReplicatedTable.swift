/// One replicated table as this node's schema declares it: its columns (read from SQLite, so
/// a later migration that adds a column needs no change here) and the statements that merge a
/// row into it by last-writer-wins on (hlc, origin).
public struct ReplicatedTable: Sendable, Equatable {
    public let name: String
    public let columns: [String]
    public let keyColumns: [String]

    /// Reads every replicated table's columns from the connection's schema.
    static func all(_ connection: Connection) throws(StorageError) -> [String: ReplicatedTable] {
        var tables: [String: ReplicatedTable] = [:]
        for (name, keys) in Schema.replicatedKeys {
            let columns = try connection.query("SELECT name FROM pragma_table_info(?) ORDER BY cid", name)
                .compactMap { $0.string("name") }
            guard !columns.isEmpty else {
                throw StorageError(.migration, "replicated table \(name) is missing from \(connection.path)")
            }
            tables[name] = ReplicatedTable(name: name, columns: columns, keyColumns: keys)
        }
        return tables
    }

    var keyIndexes: [Int] { keyColumns.compactMap { columns.firstIndex(of: $0) } }

    /// The upsert: one `?` parameter per column, `ON CONFLICT` on the key, and a `WHERE` that lets
    /// only a greater (hlc, origin) replace the stored row: applying twice, or an older row
    /// after a newer one, changes nothing.
    var upsertSQL: String {
        let names = columns.joined(separator: ", ")
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        return "INSERT INTO \(name)(\(names)) VALUES (\(marks)) " + conflictClause(target: name)
    }

    /// The same merge for every row of the table `source.name` (an attached snapshot).
    func bulkUpsertSQL(from schema: String) -> String {
        let names = columns.joined(separator: ", ")
        return "INSERT INTO main.\(name)(\(names)) SELECT \(names) FROM \(schema).\(name) WHERE true "
            + conflictClause(target: name)
    }

    private func conflictClause(target: String) -> String {
        let updates = columns.filter { !keyColumns.contains($0) }.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        return "ON CONFLICT(\(keyColumns.joined(separator: ", "))) DO UPDATE SET \(updates) "
            + "WHERE excluded.hlc > \(target).hlc OR (excluded.hlc = \(target).hlc AND excluded.origin > \(target).origin)"
    }

    /// Selects one row by its key (values bound in `keyColumns` order).
    var selectByKeySQL: String {
        "SELECT \(columns.joined(separator: ", ")) FROM \(name) WHERE "
            + keyColumns.map { "\($0) = ?" }.joined(separator: " AND ")
    }
}
