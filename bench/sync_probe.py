#!/usr/bin/env python3
"""Helpers for bench/sync.sh: write replicated rows beside a running node (what the CLI does,
through the change-log triggers) and watch every node's SQLite file for them.

  write DB ORIGIN ID               one memory note, stamped like the server stamps (ms << 16)
  visible TIMEOUT ID DB...         seconds until every DB holds note ID (or "timeout")
  hash DB                          sha256 of the replicated tables' live content
  converge TIMEOUT DB...           seconds until every DB's hash is equal (or "timeout")
  fill DB ORIGIN NOTES USERS       bulk rows for the snapshot figure
  count DB                         "notes users" in DB
"""
import hashlib, sqlite3, sys, time

REPLICATED = ["users", "tiers", "api_keys", "token_revocations", "providers", "routes", "memory_notes",
              "peers", "revocations", "node_tools", "agents", "usage_node_daily", "rate_windows", "join_token_uses"]


def connect(path):
    db = sqlite3.connect(path, timeout=10, isolation_level=None)
    db.execute("PRAGMA busy_timeout = 10000")
    return db


def stamp(counter=0):
    return (int(time.time() * 1000) << 16) | counter


def write(path, origin, note_id):
    db = connect(path)
    db.execute("INSERT INTO memory_notes(id, owner, type, content, created_at, hlc, origin) VALUES (?, 'shared', 'fact', ?, 0, ?, ?)",
               (note_id, "bench note " + note_id, stamp(), origin))
    db.close()


def visible(timeout, note_id, paths):
    start = time.time()
    pending = {p: connect(p) for p in paths}
    while pending and time.time() - start < timeout:
        for p, db in list(pending.items()):
            if db.execute("SELECT 1 FROM memory_notes WHERE id = ?", (note_id,)).fetchone():
                db.close()
                del pending[p]
        if pending:
            time.sleep(0.002)
    return "timeout" if pending else f"{time.time() - start:.4f}"


def digest(db):
    h = hashlib.sha256()
    for table in REPLICATED:
        cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        for row in db.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {', '.join(cols)}"):
            h.update(repr(row).encode())
    return h.hexdigest()


def converge(timeout, paths):
    start = time.time()
    dbs = [connect(p) for p in paths]
    while time.time() - start < timeout:
        if len({digest(db) for db in dbs}) == 1:
            return f"{time.time() - start:.3f}"
        time.sleep(0.05)
    return "timeout"


def fill(path, origin, notes, users):
    db = connect(path)
    base = stamp()
    db.execute("BEGIN")
    db.executemany("INSERT INTO memory_notes(id, owner, type, content, created_at, hlc, origin) VALUES (?, 'shared', 'fact', ?, 0, ?, ?)",
                   ((f"fill-{i}", f"snapshot note {i} " + "lorem ipsum " * 8, base + i, origin) for i in range(notes)))
    db.executemany("INSERT INTO users(id, email, password_hash, created_at, updated_at, hlc, origin) VALUES (?, ?, 'x', 0, 0, ?, ?)",
                   ((f"fill-user-{i}", f"user{i}@bench.example", base + notes + i, origin) for i in range(users)))
    db.execute("COMMIT")


def count(path):
    db = connect(path)
    notes = db.execute("SELECT count(*) FROM memory_notes WHERE id LIKE 'fill-%'").fetchone()[0]
    users = db.execute("SELECT count(*) FROM users WHERE id LIKE 'fill-user-%'").fetchone()[0]
    return f"{notes} {users}"


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "write": write(*args)
    elif cmd == "visible": print(visible(float(args[0]), args[1], args[2:]))
    elif cmd == "hash": print(digest(connect(args[0])))
    elif cmd == "converge": print(converge(float(args[0]), args[1:]))
    elif cmd == "fill": fill(args[0], args[1], int(args[2]), int(args[3]))
    elif cmd == "count": print(count(args[0]))
