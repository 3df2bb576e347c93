import FoundationEssentials
import Glibc
import Storage

/// Runs `body` with a fresh directory under /tmp, removed afterwards whatever happens.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    var template = Array("/tmp/storage-tests-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw StorageError(.open, "mkdtemp failed (errno \(errno))")
    }
    let directory = String(cString: made)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body(directory)
}

/// Opens a database in a fresh temp directory, runs `body`, and always closes it.
func withDatabase<T>(
    migrations: [Migration] = Schema.migrations,
    _ body: (Database, String) async throws -> T
) async throws -> T {
    try await withTemporaryDirectory { directory in
        let path = directory + "/test.db"
        let database = try await Database(path: path, migrations: migrations)
        do {
            let result = try await body(database, path)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }
}

/// The StorageError a throwing call produced (nil if it did not throw one).
func storageError(_ body: () async throws -> Void) async -> StorageError? {
    do {
        try await body()
        return nil
    } catch {
        return error as? StorageError
    }
}
