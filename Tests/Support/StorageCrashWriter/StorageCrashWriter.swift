import FoundationEssentials
import Glibc
import Storage

/// Test support for the durability test: opens the database with `Database`, then commits
/// rows forever, writing "ack <id>\n" to stdout only after the commit returned. The test kills
/// it with SIGKILL and checks every acknowledged row survived.
///
/// Usage: storage-crash-writer <database path>
@main
struct StorageCrashWriter {
    static func main() async {
        let arguments = CommandLine.arguments
        guard arguments.count == 2 else {
            report("usage: storage-crash-writer <database path>\n", to: 2)
            exit(64)
        }
        do {
            let database = try await Database(path: arguments[1], readers: 1)
            try await database.write { connection in
                try connection.execute("""
                    CREATE TABLE IF NOT EXISTS crash_rows (
                        id      INTEGER PRIMARY KEY,
                        payload BLOB NOT NULL,
                        check_sum INTEGER NOT NULL
                    )
                    """)
            }
            var generator = SystemRandomNumberGenerator()
            while true {
                // Varying sizes (up to ~3 pages) so the WAL grows and checkpoints happen.
                let size = Int.random(in: 1...12_000, using: &generator)
                let payload = [UInt8]((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
                let sum = payload.reduce(Int64(0)) { $0 &+ Int64($1) }
                let id = try await database.transaction { connection in
                    try connection.run("INSERT INTO crash_rows(payload, check_sum) VALUES (?, ?)", Data(payload), sum)
                    return connection.lastInsertRowID
                }
                report("ack \(id)\n", to: 1)
            }
        } catch {
            report("storage-crash-writer: \(error)\n", to: 2)
            exit(1)
        }
    }

    /// Unbuffered write(2): an ack must leave the process the moment the commit returned.
    static func report(_ text: String, to fd: Int32) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { if errno == EINTR { continue }; exit(2) }
            offset += written
        }
    }
}
