import FoundationEssentials

/// Notes the MCP memory tools store and the offline responder reads: typed, tagged,
/// scored, optionally expiring, owned by a user or `shared`. Replicated (hlc/origin,
/// tombstones); search is FTS5 with bm25 ranking over live, unexpired notes.
public struct MemoryStore: Sendable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case fact, decision, code, summary, todo
    }

    public struct Note: Sendable, Equatable, Codable {
        public let id: String
        public let owner: String
        public let kind: Kind
        public let content: String
        public let tags: [String]
        public let confidence: Double
        public let createdAt: Int64
        public let expiresAt: Int64?
    }

    public struct Hit: Sendable, Equatable {
        public let note: Note
        public let snippet: String
        /// bm25: lower is better (SQLite's convention).
        public let rank: Double
    }

    public static let shared = "shared"

    public let database: Database
    public let origin: ReplicaOrigin

    public init(database: Database, origin: ReplicaOrigin) {
        self.database = database
        self.origin = origin
    }

    /// Note times (`created_at`, `expires_at`) are Unix milliseconds: compare with this.
    public static func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// `now` moved by `seconds` (negative: into the past), saturating at the ends of Int64:
    /// the seconds come from tool arguments, and `9223372036854775807` once trapped here.
    static func milliseconds(_ now: Int64, plusSeconds seconds: Int) -> Int64 {
        let (offset, overflowed) = Int64(seconds).multipliedReportingOverflow(by: 1000)
        if overflowed { return seconds < 0 ? .min : .max }
        let (moved, movedOverflow) = now.addingReportingOverflow(offset)
        if movedOverflow { return offset < 0 ? .min : .max }
        return moved
    }

    /// Stores a note; `ttlSeconds` makes it expire. Tags are lower-cased, deduplicated words.
    public func store(owner: String, kind: Kind, content: String, tags: [String] = [], confidence: Double = 1.0,
                      ttlSeconds: Int? = nil) async throws -> Note {
        let now = Self.nowMilliseconds()
        var seen = Set<String>()
        let cleanTags = tags.map { $0.lowercased().filter { !$0.isWhitespace } }.filter { !$0.isEmpty && seen.insert($0).inserted }
        let note = Note(id: UUID().uuidString.lowercased(), owner: owner, kind: kind, content: content, tags: cleanTags,
                        confidence: min(1, max(0, confidence)), createdAt: now,
                        expiresAt: ttlSeconds.map { Self.milliseconds(now, plusSeconds: max(0, $0)) })
        let origin = self.origin
        try await database.transaction(quiet: true) { connection in  // memory notes: no snapshot holds them
            try connection.run(
                """
                INSERT INTO memory_notes(id, owner, type, content, tags, confidence, created_at, expires_at, hlc, origin)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                note.id, note.owner, note.kind.rawValue, note.content, note.tags.joined(separator: " "), note.confidence,
                note.createdAt, note.expiresAt, origin.stamp(connection), origin.nodeID)
        }
        return note
    }

    /// Full-text search over the notes `owners` may read, best match first. The query is
    /// taken as plain words (each quoted), so FTS syntax in user text cannot break it.
    public func search(_ query: String, owners: [String], kinds: [Kind] = [], tags: [String] = [],
                       minConfidence: Double = 0, limit: Int = 10) async throws -> [Hit] {
        guard !owners.isEmpty else { return [] }
        return try await search(query, anyOf: owners, kinds: kinds, tags: tags, minConfidence: minConfidence, limit: limit)
    }

    /// The same over every owner's notes: the admin console's view.
    public func searchAllOwners(_ query: String, limit: Int = 50) async throws -> [Hit] {
        try await search(query, anyOf: nil, kinds: [], tags: [], minConfidence: 0, limit: limit)
    }

    /// `owners` nil: every owner.
    private func search(_ query: String, anyOf owners: [String]?, kinds: [Kind], tags: [String],
                        minConfidence: Double, limit: Int) async throws -> [Hit] {
        let words = query.split { !$0.isLetter && !$0.isNumber && $0 != "_" }.map { "\"\($0)\"" }
        guard !words.isEmpty else { return [] }
        var sql = """
            SELECT n.*, snippet(memory_fts, 0, '[', ']', '…', 12) AS snip, bm25(memory_fts) AS score
            FROM memory_fts JOIN memory_notes n ON n.rowid = memory_fts.rowid
            WHERE memory_fts MATCH ? AND n.deleted = 0 AND (n.expires_at IS NULL OR n.expires_at > ?)
              AND n.confidence >= ?
            """
        var args: [SQLValue] = [.text(words.joined(separator: " OR ")), .integer(Self.nowMilliseconds()), .real(minConfidence)]
        if let owners {
            sql += " AND n.owner IN (\(owners.map { _ in "?" }.joined(separator: ",")))"
            args += owners.map { .text($0) }
        }
        if !kinds.isEmpty {
            sql += " AND n.type IN (\(kinds.map { _ in "?" }.joined(separator: ",")))"
            args += kinds.map { .text($0.rawValue) }
        }
        for tag in tags {
            // A tag is matched literally: `%` and `_` in it are not wildcards.
            sql += " AND (' ' || n.tags || ' ') LIKE ? ESCAPE '\\'"
            let literal = tag.lowercased().replacing("\\", with: "\\\\").replacing("%", with: "\\%").replacing("_", with: "\\_")
            args.append(.text("% \(literal) %"))
        }
        sql += " ORDER BY score LIMIT ?"
        args.append(.integer(Int64(max(1, limit))))
        let query = sql
        let bound = args
        return try await database.read { connection in
            try connection.query(query, bound).map { row in
                Hit(note: Self.note(row), snippet: row.string("snip") ?? "", rank: row.double("score") ?? 0)
            }
        }
    }

    /// Tombstones the owner's notes of `kinds` (all when empty) created before
    /// `olderThanSeconds` ago (any age when nil). Returns how many were removed.
    public func clear(owner: String, kinds: [Kind] = [], olderThanSeconds: Int? = nil) async throws -> Int {
        var sql = "UPDATE memory_notes SET deleted = 1, hlc = ?, origin = ? WHERE owner = ? AND deleted = 0"
        var args: [SQLValue] = [.text(origin.nodeID), .text(owner)]
        if !kinds.isEmpty {
            sql += " AND type IN (\(kinds.map { _ in "?" }.joined(separator: ",")))"
            args += kinds.map { .text($0.rawValue) }
        }
        if let olderThanSeconds {
            sql += " AND created_at < ?"
            // A negative age is read as 0; negating Int.min would trap.
            let age = max(0, olderThanSeconds)
            args.append(.integer(Self.milliseconds(Self.nowMilliseconds(), plusSeconds: -age)))
        }
        let statement = sql
        let bound = args
        let origin = self.origin
        return try await database.transaction(quiet: true) { connection in
            try connection.run(statement, [.integer(origin.stamp(connection))] + bound)
        }
    }

    /// A live note by id, whoever owns it (nil when absent, deleted or expired).
    public func note(id: String) async throws -> Note? {
        try await database.read { connection in
            try connection.queryOne(
                "SELECT * FROM memory_notes WHERE id = ? AND deleted = 0 AND (expires_at IS NULL OR expires_at > ?)",
                id, Self.nowMilliseconds()
            ).map(Self.note)
        }
    }

    /// Tombstones one note by id; false when there was no live note with that id.
    public func delete(id: String) async throws -> Bool {
        let origin = self.origin
        return try await database.transaction(quiet: true) { connection in
            try connection.run("UPDATE memory_notes SET deleted = 1, hlc = ?, origin = ? WHERE id = ? AND deleted = 0",
                               origin.stamp(connection), origin.nodeID, id)
        } > 0
    }

    /// Live notes of every owner, newest first.
    public func recentAllOwners(limit: Int = 50) async throws -> [Note] {
        try await database.read { connection in
            try connection.query(
                "SELECT * FROM memory_notes WHERE deleted = 0 AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC LIMIT ?",
                Self.nowMilliseconds(), limit
            ).map(Self.note)
        }
    }

    /// Live notes of one owner, newest first.
    public func recent(owner: String, limit: Int = 20) async throws -> [Note] {
        try await database.read { connection in
            try connection.query(
                "SELECT * FROM memory_notes WHERE owner = ? AND deleted = 0 AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC LIMIT ?",
                owner, Self.nowMilliseconds(), limit
            ).map(Self.note)
        }
    }

    static func note(_ row: Row) -> Note {
        Note(id: row.string("id") ?? "", owner: row.string("owner") ?? "",
             kind: Kind(rawValue: row.string("type") ?? "") ?? .fact, content: row.string("content") ?? "",
             tags: (row.string("tags") ?? "").split(separator: " ").map(String.init),
             confidence: row.double("confidence") ?? 1, createdAt: row.int("created_at") ?? 0,
             expiresAt: row.int("expires_at"))
    }
}
