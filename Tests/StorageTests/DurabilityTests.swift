import FoundationEssentials
import Glibc
import Net
import Storage
import Testing

/// kill -9 never loses a committed write (DESIGN.md "Storage"): a separate process commits rows
/// and acks each one on stdout after its commit returned; we SIGKILL it mid-stream and check
/// every acked row is in the reopened file, which passes integrity_check.
@Suite struct DurabilityTests {
    static let rounds = 3
    static let acksBeforeKill = 200

    @Test func acknowledgedWritesSurviveSIGKILL() async throws {
        let writer = try Self.writerBinary()
        try await withTemporaryDirectory { directory in
            let path = directory + "/crash.db"
            var acked: [Int64] = []
            for round in 1...Self.rounds {
                let ids = try await Self.runAndKill(writer, path)
                #expect(ids.count >= Self.acksBeforeKill, "round \(round)")
                acked += ids

                let database = try await Database(path: path)
                let stored = try await database.read { connection in
                    Set(try connection.query("SELECT id FROM crash_rows").compactMap { $0.int("id") })
                }
                let missing = acked.filter { !stored.contains($0) }
                #expect(missing.isEmpty, "round \(round): \(missing.count) acknowledged rows lost, first \(missing.prefix(5))")
                // Payloads are intact, not just present.
                let badSums = try await database.read { connection in
                    try connection.query("SELECT id, payload, check_sum FROM crash_rows").filter { row in
                        let sum = (row.data("payload") ?? Data()).reduce(Int64(0)) { $0 &+ Int64($1) }
                        return sum != row.int("check_sum")
                    }.count
                }
                #expect(badSums == 0)
                #expect(try await database.integrityCheck() == ["ok"])
                await database.close()
            }
            #expect(Set(acked).count == acked.count)
        }
    }

    /// The writer sits next to the test runner in the build products directory.
    static func writerBinary() throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let runner = length > 0 ? String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                                : CommandLine.arguments[0]
        var directory = runner
        // On Linux the runner is `<products>/<package>PackageTests.xctest`; step out of any bundle.
        while let slash = directory.lastIndex(of: "/") {
            directory = String(directory[..<slash])
            let candidate = directory + "/storage-crash-writer"
            if access(candidate, X_OK) == 0 { return candidate }
            if !directory.contains(".build") { break }
        }
        throw StorageError(.notFound, "storage-crash-writer not found near \(runner); build with `swift build --build-tests`")
    }

    /// Spawns the writer, collects acks until `acksBeforeKill`, SIGKILLs it, returns the acks.
    static func runAndKill(_ binary: String, _ path: String) async throws -> [Int64] {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw StorageError(.open, "pipe failed (errno \(errno))") }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        // Close-on-exec so parallel spawns in other tests do not inherit (and hold open) our pipe.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        defer { close(readEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        SpawnedDescriptors.closeAllButStandard(&actions)

        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(binary), strdup(path), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, binary, &actions, nil, argv, envp)
        close(writeEnd)
        guard rc == 0 else { throw StorageError(.open, "posix_spawn \(binary) failed (\(rc))") }

        var acks: [Int64] = []
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4_096)
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        let deadline = ContinuousClock.now + .seconds(60)
        // Non-blocking reads with short sleeps keep the cooperative pool free for other tests.
        reading: while acks.count < acksBeforeKill && ContinuousClock.now < deadline {
            let n = read(readEnd, &chunk, chunk.count)
            if n > 0 {
                pending += chunk[..<n]
                while let newline = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    if line.hasPrefix("ack "), let id = Int64(line.dropFirst(4)) { acks.append(id) }
                }
            } else if n == 0 {
                break reading  // the writer died on its own: the assertions below report it
            } else if errno == EAGAIN || errno == EINTR {
                try await Task.sleep(for: .milliseconds(2))
            } else {
                break reading
            }
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Acks already in the pipe when the kill landed were acknowledged too: read them.
        while true {
            let n = read(readEnd, &chunk, chunk.count)
            guard n > 0 else { break }
            pending += chunk[..<n]
        }
        for line in String(decoding: pending, as: UTF8.self).split(separator: "\n") where line.hasPrefix("ack ") {
            if let id = Int64(line.dropFirst(4)) { acks.append(id) }
        }
        return acks
    }
}
