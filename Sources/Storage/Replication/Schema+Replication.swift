/// The change log that feeds replication (issue 13). Triggers on every replicated table record
/// each row's newest (hlc, origin) in `sync_log`, whichever connection or process wrote it
/// (the server, the CLI beside it, a migration, a batch applied from a peer), so nothing
/// depends on the writer remembering to log.
///
/// `sync_log.seq` is assigned inside the writing transaction and SQLite serializes writers, so
/// seq order is commit order. Local writes are stamped under the write lock
/// (`ReplicaOrigin.stamp`), but rows applied from peers keep their stamps, so the log is not in
/// HLC order: peers pull by seq cursor and use per-origin vectors only to decide whether to
/// pull and to report lag.
extension Schema {
    /// Primary-key columns of each replicated table, in declaration order.
    public static let replicatedKeys: [String: [String]] = [
        "users": ["id"], "tiers": ["name"], "api_keys": ["id"], "token_revocations": ["jti"],
        "providers": ["name"], "routes": ["task"], "memory_notes": ["id"], "peers": ["node_id"],
        "revocations": ["serial"], "node_tools": ["node_id", "name"], "agents": ["name"],
        "usage_node_daily": ["node", "day", "subject", "model"],
        "rate_windows": ["node", "subject", "window_start"],
        "join_token_uses": ["token_id", "node"],
    ]

    /// Local: the log itself, what this node pulled from each peer, and this log's epoch (a
    /// random id; a peer whose epoch changed is pulled again from seq 0).
    static let replicationLog = """
    CREATE TABLE sync_log (
        seq    INTEGER PRIMARY KEY AUTOINCREMENT,
        tbl    TEXT NOT NULL,
        pk     TEXT NOT NULL,              -- JSON array of the primary-key values
        hlc    INTEGER NOT NULL,
        origin TEXT NOT NULL,
        UNIQUE (tbl, pk)
    );
    CREATE INDEX sync_log_origin ON sync_log(origin, hlc);
    -- per origin, the newest hlc ever held: survives tombstone collection, which empties
    -- the log of an origin whose last rows were collected
    CREATE TABLE sync_vector (
        origin TEXT PRIMARY KEY NOT NULL,
        hlc    INTEGER NOT NULL
    );
    CREATE TABLE sync_state (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    );
    INSERT INTO sync_state(key, value) VALUES ('epoch', lower(hex(randomblob(16))));
    CREATE TABLE sync_peers (
        peer            TEXT PRIMARY KEY NOT NULL,
        epoch           TEXT NOT NULL DEFAULT '',
        cursor          INTEGER NOT NULL DEFAULT 0,   -- the peer's sync_log seq pulled up to
        head            INTEGER NOT NULL DEFAULT 0,   -- the peer's newest seq, last we heard
        vector          TEXT NOT NULL DEFAULT '{}',   -- the peer's per-origin vector, last we heard
        last_applied_ms INTEGER NOT NULL DEFAULT 0,
        last_rows       INTEGER NOT NULL DEFAULT 0,
        rows_applied    INTEGER NOT NULL DEFAULT 0,
        refused         INTEGER NOT NULL DEFAULT 0,
        last_refusal    TEXT NOT NULL DEFAULT '',
        last_refusal_ms INTEGER NOT NULL DEFAULT 0,
        heard_ms        INTEGER NOT NULL DEFAULT 0
    );

    -- replicated: usage per node/user/model/day, rate-limit window counters per node, and
    -- join-token uses per node. Each node writes only its own rows (node = its id), so
    -- counters never conflict; readers sum over nodes.
    CREATE TABLE usage_node_daily (
        node              TEXT NOT NULL,
        day               TEXT NOT NULL,           -- YYYY-MM-DD, UTC
        subject           TEXT NOT NULL,
        model             TEXT NOT NULL,
        requests          INTEGER NOT NULL DEFAULT 0,
        prompt_tokens     INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        hlc               INTEGER NOT NULL,
        origin            TEXT NOT NULL,
        deleted           INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (node, day, subject, model)
    );
    CREATE TABLE rate_windows (
        node         TEXT NOT NULL,
        subject      TEXT NOT NULL,
        window_start INTEGER NOT NULL,             -- Unix seconds, start of the hour
        requests     INTEGER NOT NULL DEFAULT 0,
        hlc          INTEGER NOT NULL,
        origin       TEXT NOT NULL,
        deleted      INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (node, subject, window_start)
    );
    CREATE INDEX rate_windows_subject ON rate_windows(subject, window_start);
    CREATE TABLE join_token_uses (
        token_id TEXT NOT NULL,
        node     TEXT NOT NULL,
        uses     INTEGER NOT NULL DEFAULT 0,
        hlc      INTEGER NOT NULL,
        origin   TEXT NOT NULL,
        deleted  INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (token_id, node)
    );
    """ + replicatedKeys.keys.sorted().map(changeTriggers).joined()

    /// Insert and update move the row's log entry to the end (delete + insert, not
    /// `INSERT OR REPLACE`: an outer `OR IGNORE` would override a REPLACE inside the trigger);
    /// a physical delete (tombstone GC, snapshot horizon) drops it.
    static func changeTriggers(_ table: String) -> String {
        let key = (replicatedKeys[table] ?? []).map { "new.\($0)" }.joined(separator: ", ")
        let oldKey = (replicatedKeys[table] ?? []).map { "old.\($0)" }.joined(separator: ", ")
        let record = """
            DELETE FROM sync_log WHERE tbl = '\(table)' AND pk = json_array(\(key));
            INSERT INTO sync_log(tbl, pk, hlc, origin) VALUES ('\(table)', json_array(\(key)), new.hlc, new.origin);
            INSERT INTO sync_vector(origin, hlc) VALUES (new.origin, new.hlc)
                ON CONFLICT(origin) DO UPDATE SET hlc = max(hlc, excluded.hlc);
        """
        return """

        CREATE TRIGGER sync_\(table)_ai AFTER INSERT ON \(table) BEGIN
        \(record)
        END;
        CREATE TRIGGER sync_\(table)_au AFTER UPDATE ON \(table) BEGIN
            DELETE FROM sync_log WHERE tbl = '\(table)' AND pk = json_array(\(oldKey));
        \(record)
        END;
        CREATE TRIGGER sync_\(table)_ad AFTER DELETE ON \(table) BEGIN
            DELETE FROM sync_log WHERE tbl = '\(table)' AND pk = json_array(\(oldKey));
        END;
        """
    }

    /// Rows written before the log existed get an entry, oldest first.
    static let replicationBackfill: String = replicatedKeys.keys.sorted().map { table in
        let key = (replicatedKeys[table] ?? []).joined(separator: ", ")
        return "INSERT OR IGNORE INTO sync_log(tbl, pk, hlc, origin) SELECT '\(table)', json_array(\(key)), hlc, origin FROM \(table) ORDER BY hlc;\n"
    }.joined() + "INSERT OR REPLACE INTO sync_vector(origin, hlc) SELECT origin, max(hlc) FROM sync_log GROUP BY origin;\n"
}
