public import FoundationEssentials

/// The storage side of replication: reads this node's change log as batches, applies peers'
/// batches by last-writer-wins on (hlc, origin), tracks what was pulled from each peer, and
/// drops tombstones every member has acknowledged. Snapshots: `ReplicationStore+Snapshot`.
///
/// Invariant: a peer's cursor only moves over a contiguous range of its log (a batch whose
/// `after` is at or below the cursor), so a lost or reordered push never skips rows: the next
/// pull starts at the cursor and fills the gap.
public final class ReplicationStore: Sendable {
    public let database: Database
    public let nodeID: String
    public let clock: HybridClock
    /// Batches from a peer whose clock (or any row's hlc) is further ahead than this are refused.
    public let maxClockSkewMilliseconds: Int64
    public let epoch: String
    public let schemaVersion: Int
    let tables: [String: ReplicatedTable]

    /// Unique secondary columns of replicated tables (live rows only): two nodes may create
    /// the same email at once; the greater (hlc, origin) keeps it and the other row becomes a
    /// tombstone, the same choice on every node.
    static let uniqueColumns: [String: String] = ["users": "email"]

    public static let pageLimit = 500

    /// Reads the replicated tables' shape and this log's epoch, and moves the clock past the
    /// newest hlc stored (so a wall clock that jumped back cannot issue older stamps).
    public static func open(database: Database, nodeID: String, clock: HybridClock,
                            maxClockSkewMilliseconds: Int64 = 1_000) async throws -> ReplicationStore {
        let (tables, epoch, version, newest) = try await database.read { connection in
            let tables = try ReplicatedTable.all(connection)
            guard let epoch = try connection.scalar("SELECT value FROM sync_state WHERE key = 'epoch'")?.string else {
                throw StorageError(.migration, "sync_state has no epoch in \(connection.path)")
            }
            let version = try Migrator.version(of: connection)
            let newest = try connection.scalar("SELECT max(hlc) FROM sync_log")?.int64
            return (tables, epoch, version, newest)
        }
        if let newest { clock.advance(past: HLC(storageValue: newest)) }
        return ReplicationStore(database: database, nodeID: nodeID, clock: clock, maxClockSkewMilliseconds: maxClockSkewMilliseconds,
                                epoch: epoch, schemaVersion: version, tables: tables)
    }

    init(database: Database, nodeID: String, clock: HybridClock, maxClockSkewMilliseconds: Int64, epoch: String,
         schemaVersion: Int, tables: [String: ReplicatedTable]) {
        self.database = database
        self.nodeID = nodeID
        self.clock = clock
        self.maxClockSkewMilliseconds = max(0, maxClockSkewMilliseconds)
        self.epoch = epoch
        self.schemaVersion = schemaVersion
        self.tables = tables
    }

    var nowMilliseconds: Int64 { Int64(clamping: clock.wallMilliseconds) }

    // MARK: reading the log

    /// The newest seq in this node's log (0 when empty).
    public func head() async throws -> Int64 {
        try await database.read { try $0.scalar("SELECT coalesce(max(seq), 0) FROM sync_log")?.int64 ?? 0 }
    }

    public func vector() async throws -> VersionVector {
        try await database.read { try Self.vector($0, schema: "main") }
    }

    static func vector(_ connection: Connection, schema: String) throws(StorageError) -> VersionVector {
        var entries: [String: HLC] = [:]
        for row in try connection.query("SELECT origin, hlc FROM \(schema).sync_vector") {
            if let origin = row.string("origin"), let hlc = row.hlc("hlc") { entries[origin] = hlc }
        }
        return VersionVector(entries)
    }

    /// Rows whose log seq is above `after`, oldest first, at most `limit` of them: one read
    /// transaction, so the page is consistent.
    public func changes(after: Int64, limit: Int = ReplicationStore.pageLimit) async throws -> ChangeBatch {
        let limit = min(max(1, limit), 10_000)
        let tables = self.tables
        let (rows, through, more) = try await database.read { connection in
            try connection.readTransaction {
                let log = try connection.query(
                    "SELECT seq, tbl, pk FROM sync_log WHERE seq > ? ORDER BY seq LIMIT ?", after, limit + 1)
                let page = log.prefix(limit)
                var rows: [ReplicatedRow] = []
                rows.reserveCapacity(page.count)
                for entry in page {
                    guard let name = entry.string("tbl"), let table = tables[name], let pk = entry.string("pk") else { continue }
                    let keys = try Self.keyValues(pk)
                    guard let row = try connection.query(table.selectByKeySQL, keys).first else { continue }
                    rows.append(ReplicatedRow(table: name, columns: table.columns, values: row.values))
                }
                let last = page.last?.int("seq") ?? after
                let head = try connection.scalar("SELECT coalesce(max(seq), 0) FROM sync_log")?.int64 ?? 0
                let more = log.count > limit
                return (rows, more ? last : max(last, head), more)
            }
        }
        return ChangeBatch(epoch: epoch, after: after, through: through, rows: rows, senderMilliseconds: nowMilliseconds,
                           schemaVersion: schemaVersion, more: more)
    }

    /// The key values of a `sync_log.pk` JSON array, as SQL values.
    static func keyValues(_ pk: String) throws(StorageError) -> [SQLValue] {
        guard let array = try? JSONDecoder().decode([KeyValue].self, from: Data(pk.utf8)) else {
            throw StorageError(.invalidValue, "sync_log.pk is not a JSON array of scalars: \(pk)")
        }
        return array.map(\.sqlValue)
    }

    // MARK: applying a peer's batch

    /// Checks a batch, then merges it in one transaction. Refuses (nothing applied, the
    /// refusal recorded for the peer) a batch from another schema version, one whose sender
    /// clock or any row's hlc is more than `maxClockSkewMilliseconds` ahead of ours, or one
    /// whose rows do not fit our tables.
    @discardableResult
    public func apply(_ batch: ChangeBatch, from peer: String) async throws -> ApplyOutcome {
        let newest: HLC
        do {
            newest = try check(batch)
        } catch let refusal as Refusal {
            try await recordRefusal(refusal, from: peer)
            throw refusal
        }
        let tables = self.tables
        let now = nowMilliseconds
        let outcome: ApplyOutcome
        do {
            outcome = try await database.transaction { connection in
                var applied = 0
                for row in batch.rows {
                    guard let table = tables[row.table] else { continue }
                    if try Self.merge(row.values, into: table, connection) { applied += 1 }
                }
                let cursor = try Self.advanceCursor(of: peer, epoch: batch.epoch, after: batch.after, through: batch.through,
                                                    applied: applied, received: batch.rows.count, now: now, connection)
                return ApplyOutcome(applied: applied, received: batch.rows.count, cursor: cursor)
            }
        } catch let error as StorageError where error.code == .constraint {
            let refusal = Refusal(.malformed, "a row breaks a constraint of this node's schema: \(error.message)")
            try await recordRefusal(refusal, from: peer)
            throw refusal
        }
        clock.advance(past: newest)
        return outcome
    }

    /// Validates a batch before anything is written; returns its newest hlc.
    func check(_ batch: ChangeBatch) throws(Refusal) -> HLC {
        guard batch.schemaVersion == schemaVersion else {
            throw Refusal(.schemaMismatch, "peer schema version \(batch.schemaVersion), ours \(schemaVersion); upgrade the older node")
        }
        let now = nowMilliseconds
        let (ahead, overflow) = batch.senderMilliseconds.subtractingReportingOverflow(now)
        guard !overflow, ahead <= maxClockSkewMilliseconds else {
            throw Refusal(.clockSkew, "peer clock is \(overflow ? "far" : "\(ahead) ms") ahead of ours; limit is \(maxClockSkewMilliseconds) ms (sync.max_clock_skew_ms)")
        }
        let limit = UInt64(clamping: now) &+ UInt64(maxClockSkewMilliseconds)
        var newest = HLC(rawValue: 0)
        for row in batch.rows {
            guard let table = tables[row.table] else {
                throw Refusal(.malformed, "unknown replicated table \(row.table)")
            }
            guard row.columns == table.columns, row.values.count == table.columns.count else {
                throw Refusal(.malformed, "row of \(row.table) has columns \(row.columns), ours are \(table.columns)")
            }
            guard let hlc = row.hlc, row.origin?.isEmpty == false, row.value("deleted").int64 != nil,
                  !table.keyIndexes.contains(where: { row.values[$0] == .null }) else {
                throw Refusal(.malformed, "row of \(row.table) lacks hlc, origin, deleted or a key")
            }
            guard hlc.milliseconds <= limit else {
                throw Refusal(.clockSkew, "a row of \(row.table) is stamped \(hlc.milliseconds - UInt64(clamping: now)) ms ahead of our clock; limit is \(maxClockSkewMilliseconds) ms (sync.max_clock_skew_ms)")
            }
            newest = max(newest, hlc)
        }
        return newest
    }

    /// Merges one row by LWW; true when it replaced or created the stored row. A clash on a
    /// unique column (`uniqueColumns`) is settled by the same LWW rule on every node.
    static func merge(_ values: [SQLValue], into table: ReplicatedTable, _ connection: Connection) throws(StorageError) -> Bool {
        let first: StorageError
        do throws(StorageError) {
            return try connection.run(table.upsertSQL, values) > 0
        } catch {
            first = error
        }
        return try settleUniqueClash(first, values, into: table, connection)
    }

    private static func settleUniqueClash(_ error: StorageError, _ values: [SQLValue], into table: ReplicatedTable,
                                          _ connection: Connection) throws(StorageError) -> Bool {
        guard error.code == .constraint, let column = uniqueColumns[table.name], let position = table.columns.firstIndex(of: column),
                  let hlcIndex = table.columns.firstIndex(of: "hlc"), let originIndex = table.columns.firstIndex(of: "origin"),
                  let deletedIndex = table.columns.firstIndex(of: "deleted"), table.keyColumns.count == 1,
                  let keyIndex = table.keyIndexes.first else { throw error }
            let clash = try connection.queryOne(
                "SELECT \(table.keyColumns[0]) AS key, hlc, origin FROM \(table.name) WHERE \(column) = ? AND deleted = 0 AND \(table.keyColumns[0]) != ?",
                values[position], values[keyIndex])
            guard let clash, let theirs = clash.hlc("hlc"), let theirOrigin = clash.string("origin"),
                  let incoming = values[hlcIndex].int64.map(HLC.init(storageValue:)), let origin = values[originIndex].string else { throw error }
            if HLC.wins((incoming, origin), over: (theirs, theirOrigin)) {
                try connection.run("UPDATE \(table.name) SET deleted = 1 WHERE \(table.keyColumns[0]) = ?", clash["key"])
                return try connection.run(table.upsertSQL, values) > 0
            }
        var loser = values
        loser[deletedIndex] = .integer(1)
        return try connection.run(table.upsertSQL, loser) > 0
    }

    /// Moves the peer's cursor when the batch continues what we have (or restarts it when the
    /// peer's log epoch changed) and records the batch. Returns the cursor now stored.
    static func advanceCursor(of peer: String, epoch: String, after: Int64, through: Int64, applied: Int, received: Int,
                              now: Int64, _ connection: Connection) throws(StorageError) -> Int64 {
        try connection.run("INSERT OR IGNORE INTO sync_peers(peer, epoch) VALUES (?, ?)", peer, epoch)
        let stored = try connection.queryOne("SELECT epoch, cursor FROM sync_peers WHERE peer = ?", peer)
        var cursor = stored?.string("epoch") == epoch ? (stored?.int("cursor") ?? 0) : 0
        if after <= cursor { cursor = max(cursor, through) }
        try connection.run("""
            UPDATE sync_peers SET epoch = ?, cursor = ?, head = max(head, ?), last_applied_ms = ?, last_rows = ?,
                rows_applied = rows_applied + ?, heard_ms = ? WHERE peer = ?
            """, epoch, cursor, through, now, received, applied, now, peer)
        return cursor
    }

    func recordRefusal(_ refusal: Refusal, from peer: String) async throws {
        let now = nowMilliseconds
        try await database.write { connection in
            try connection.run("INSERT OR IGNORE INTO sync_peers(peer) VALUES (?)", peer)
            try connection.run(
                "UPDATE sync_peers SET refused = refused + 1, last_refusal = ?, last_refusal_ms = ?, heard_ms = ? WHERE peer = ?",
                refusal.description, now, now, peer)
        }
    }
}

/// A scalar of a JSON key array (text, integer or real), for binding.
struct KeyValue: Decodable {
    let sqlValue: SQLValue
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int64.self) { sqlValue = .integer(integer) }
        else if let real = try? container.decode(Double.self) { sqlValue = .real(real) }
        else if container.decodeNil() { sqlValue = .null }
        else { sqlValue = .text(try container.decode(String.self)) }
    }
}
