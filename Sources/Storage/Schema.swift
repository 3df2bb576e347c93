/// The schema, newest last. Rules (DESIGN.md "Storage"):
/// - Replicated tables carry a declared non-NULL primary key, `hlc` (48-bit ms + 16-bit
///   counter), `origin` (node id) and `deleted` (tombstone). A row wins by greater (hlc, origin).
/// - Local tables (caches, counters, windows, audit) carry none of that.
/// - FTS indexes are derived locally by triggers and never replicated.
/// - Timestamps ending in `_at` are Unix seconds; `_ms` are Unix milliseconds.
///   One exception, kept for compatibility: `memory_notes.created_at` and `expires_at` are
///   Unix milliseconds (compare them with `MemoryStore.nowMilliseconds()`).
public enum Schema {
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "initial", sql: initial),
        Migration(version: 2, name: "issued_certificates", sql: issuedCertificates),
        Migration(version: 3, name: "agent_shell_interpolation", sql: agentShellInterpolation),
        Migration(version: 4, name: "replication_log", sql: replicationLog + "\n" + replicationBackfill),
    ]

    /// Replicated: an agent whose template splices the prompt into code or text runs only
    /// when its admin said so (`triforce agent add --allow-shell-interpolation`).
    static let agentShellInterpolation = """
    ALTER TABLE agents ADD COLUMN allow_shell_interpolation INTEGER NOT NULL DEFAULT 0;
    """

    /// Local: what this node's mesh CA signed, so `triforce ca revoke NAME` finds the serial.
    /// (Revocations themselves live in the replicated `revocations` table.)
    static let issuedCertificates = """
    CREATE TABLE issued_certificates (
        serial     TEXT PRIMARY KEY NOT NULL,      -- lowercase hex, as PeerCertificate.serialHex
        name       TEXT NOT NULL,
        subject    TEXT NOT NULL DEFAULT '',
        not_after  INTEGER NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX issued_certificates_name ON issued_certificates(name);
    """

    /// Tables whose rows replicate across the mesh, for the sync layer and its tests.
    public static let replicatedTables = [
        "users", "tiers", "api_keys", "token_revocations", "providers", "routes",
        "memory_notes", "peers", "revocations", "node_tools", "agents",
        "usage_node_daily", "rate_windows", "join_token_uses",
    ]

    static let initial = """
    -- local ---------------------------------------------------------------------------
    CREATE TABLE settings (
        key        TEXT PRIMARY KEY NOT NULL,
        value      TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE node_identity (
        singleton  INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
        node_id    TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE models (
        id             TEXT PRIMARY KEY NOT NULL,   -- provider/upstream-id
        provider       TEXT NOT NULL,
        upstream_id    TEXT NOT NULL,
        owned_by       TEXT NOT NULL DEFAULT '',
        capabilities   TEXT NOT NULL DEFAULT '[]', -- JSON array: chat, code, vision, ...
        context_window INTEGER,
        created_at     INTEGER NOT NULL,
        last_seen_at   INTEGER NOT NULL,
        status         TEXT NOT NULL DEFAULT 'available'
    );
    CREATE INDEX models_upstream ON models(upstream_id);
    CREATE INDEX models_provider ON models(provider);
    CREATE TABLE audit_log (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms       INTEGER NOT NULL,
        actor       TEXT NOT NULL,
        action      TEXT NOT NULL,
        target      TEXT NOT NULL DEFAULT '',
        detail      TEXT NOT NULL DEFAULT '',
        outcome     TEXT NOT NULL,
        duration_ms INTEGER
    );
    CREATE INDEX audit_log_at ON audit_log(at_ms);
    CREATE TABLE usage_daily (
        day               TEXT NOT NULL,           -- YYYY-MM-DD, UTC
        subject           TEXT NOT NULL,           -- user id or guest:<ip>
        model             TEXT NOT NULL,
        requests          INTEGER NOT NULL DEFAULT 0,
        prompt_tokens     INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, subject, model)
    );
    CREATE TABLE rate_limits (
        subject TEXT PRIMARY KEY NOT NULL,          -- GCRA state per user or guest ip
        tat_ms  INTEGER NOT NULL                    -- theoretical arrival time
    );
    CREATE TABLE login_failures (
        subject       TEXT PRIMARY KEY NOT NULL,    -- email:<addr> or ip:<addr>
        failures      INTEGER NOT NULL,
        last_ms       INTEGER NOT NULL,
        blocked_until_ms INTEGER NOT NULL
    );
    CREATE TABLE response_cache (
        key        TEXT PRIMARY KEY NOT NULL,       -- sha256 of model + normalized request
        model      TEXT NOT NULL,
        body       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX response_cache_expiry ON response_cache(expires_at);
    CREATE TABLE join_tokens (
        id          TEXT PRIMARY KEY NOT NULL,
        secret_hash TEXT NOT NULL,
        expires_at  INTEGER NOT NULL,
        uses_left   INTEGER NOT NULL,
        created_at  INTEGER NOT NULL
    );

    -- replicated ------------------------------------------------------------------------
    CREATE TABLE users (
        id            TEXT PRIMARY KEY NOT NULL,
        email         TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        tier          TEXT NOT NULL DEFAULT 'guest',
        role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
        disabled      INTEGER NOT NULL DEFAULT 0,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL,
        hlc           INTEGER NOT NULL,
        origin        TEXT NOT NULL,
        deleted       INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX users_email ON users(email) WHERE deleted = 0;
    CREATE TABLE tiers (
        name              TEXT PRIMARY KEY NOT NULL,
        description       TEXT NOT NULL DEFAULT '',
        requests_per_hour INTEGER,                  -- NULL: no limit
        models_rule       TEXT NOT NULL DEFAULT '{}', -- JSON: allow-list and/or classes
        features          TEXT NOT NULL DEFAULT '[]', -- JSON array
        hlc               INTEGER NOT NULL,
        origin            TEXT NOT NULL,
        deleted           INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE api_keys (
        id         TEXT PRIMARY KEY NOT NULL,
        user_id    TEXT NOT NULL,
        name       TEXT NOT NULL DEFAULT '',
        prefix     TEXT NOT NULL,                   -- first characters, to tell keys apart
        key_hash   TEXT NOT NULL,                   -- sha256 of the whole key
        created_at INTEGER NOT NULL,
        revoked    INTEGER NOT NULL DEFAULT 0,
        hlc        INTEGER NOT NULL,
        origin     TEXT NOT NULL,
        deleted    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX api_keys_hash ON api_keys(key_hash);
    CREATE INDEX api_keys_user ON api_keys(user_id);
    CREATE TABLE token_revocations (
        jti        TEXT PRIMARY KEY NOT NULL,
        expires_at INTEGER NOT NULL,
        hlc        INTEGER NOT NULL,
        origin     TEXT NOT NULL,
        deleted    INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE providers (
        name     TEXT PRIMARY KEY NOT NULL,
        kind     TEXT NOT NULL,                     -- openai, anthropic, gemini, ollama, ...
        base_url TEXT NOT NULL DEFAULT '',
        api_key  TEXT NOT NULL DEFAULT '',
        enabled  INTEGER NOT NULL DEFAULT 1,
        weight   REAL NOT NULL DEFAULT 1.0,
        options  TEXT NOT NULL DEFAULT '{}',
        hlc      INTEGER NOT NULL,
        origin   TEXT NOT NULL,
        deleted  INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE routes (
        task    TEXT PRIMARY KEY NOT NULL,          -- code, creative, research, math, general
        models  TEXT NOT NULL DEFAULT '[]',         -- JSON array of model ids, in order
        hlc     INTEGER NOT NULL,
        origin  TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE memory_notes (
        id         TEXT PRIMARY KEY NOT NULL,
        owner      TEXT NOT NULL,                   -- user id, or 'shared'
        type       TEXT NOT NULL CHECK (type IN ('fact', 'decision', 'code', 'summary', 'todo')),
        content    TEXT NOT NULL,
        tags       TEXT NOT NULL DEFAULT '',        -- space separated
        confidence REAL NOT NULL DEFAULT 1.0,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        hlc        INTEGER NOT NULL,
        origin     TEXT NOT NULL,
        deleted    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX memory_notes_owner ON memory_notes(owner, type);
    CREATE VIRTUAL TABLE memory_fts USING fts5(
        content, tags, content = 'memory_notes', content_rowid = 'rowid', tokenize = 'porter unicode61'
    );
    CREATE TRIGGER memory_notes_ai AFTER INSERT ON memory_notes BEGIN
        INSERT INTO memory_fts(rowid, content, tags) VALUES (new.rowid, new.content, new.tags);
    END;
    CREATE TRIGGER memory_notes_ad AFTER DELETE ON memory_notes BEGIN
        INSERT INTO memory_fts(memory_fts, rowid, content, tags) VALUES ('delete', old.rowid, old.content, old.tags);
    END;
    CREATE TRIGGER memory_notes_au AFTER UPDATE ON memory_notes BEGIN
        INSERT INTO memory_fts(memory_fts, rowid, content, tags) VALUES ('delete', old.rowid, old.content, old.tags);
        INSERT INTO memory_fts(rowid, content, tags) VALUES (new.rowid, new.content, new.tags);
    END;
    CREATE TABLE peers (
        node_id     TEXT PRIMARY KEY NOT NULL,
        name        TEXT NOT NULL DEFAULT '',
        address     TEXT NOT NULL,
        mesh_port   INTEGER NOT NULL DEFAULT 44433,
        cert_serial TEXT NOT NULL DEFAULT '',
        joined_at   INTEGER NOT NULL,
        hlc         INTEGER NOT NULL,
        origin      TEXT NOT NULL,
        deleted     INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE revocations (
        serial     TEXT PRIMARY KEY NOT NULL,       -- certificate serial, hex
        name       TEXT NOT NULL DEFAULT '',
        reason     TEXT NOT NULL DEFAULT '',
        revoked_at INTEGER NOT NULL,
        hlc        INTEGER NOT NULL,
        origin     TEXT NOT NULL,
        deleted    INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE node_tools (
        node_id      TEXT NOT NULL,
        name         TEXT NOT NULL,
        description  TEXT NOT NULL DEFAULT '',
        input_schema TEXT NOT NULL DEFAULT '{}',
        annotations  TEXT NOT NULL DEFAULT '{}',
        hlc          INTEGER NOT NULL,
        origin       TEXT NOT NULL,
        deleted      INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (node_id, name)
    );
    CREATE TABLE agents (
        name            TEXT PRIMARY KEY NOT NULL,
        argv            TEXT NOT NULL,              -- JSON array; "{prompt}" marks the prompt
        workdir         TEXT NOT NULL DEFAULT '',
        timeout_seconds INTEGER NOT NULL DEFAULT 300,
        hlc             INTEGER NOT NULL,
        origin          TEXT NOT NULL,
        deleted         INTEGER NOT NULL DEFAULT 0
    );
    """
}
