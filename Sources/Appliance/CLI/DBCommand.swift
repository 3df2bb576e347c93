import ArgumentParser
import Net
import Logging
import Storage
import Glibc
import FoundationEssentials

/// `triforce db check | backup PATH`: safe while `serve` runs on the same data dir.
struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Database maintenance.", subcommands: [Check.self, Backup.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", abstract: "Run PRAGMA integrity_check.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await NodeCommand.with(data) { node in
                let findings = try await node.database.integrityCheck()
                let version = try await node.database.schemaVersion()
                guard findings == ["ok"] else {
                    findings.forEach { print($0) }
                    throw ExitCode(2)
                }
                print("ok: \(node.configuration.databasePath) (schema version \(version))")
            }
        }
    }

    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "backup", abstract: "Write a consistent copy with VACUUM INTO.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Destination file; must not exist.") var path: String

        func run() async throws {
            guard !FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("\(path) already exists; choose a new file name")
            }
            try await NodeCommand.with(data) { node in
                let source = node.configuration.databasePath
                let expected = (FileGrowthProgress.size(of: source) ?? 0) + (FileGrowthProgress.size(of: source + "-wal") ?? 0)
                do {
                    try await FileGrowthProgress(label: "backing up", path: path, expectedBytes: expected).run {
                        try await node.database.backup(to: path)
                    }
                } catch {
                    throw ConfigurationError("backup to \(path) failed: \(error)")
                }
            }
            // stat, not FileManager: its `.size` attribute is not an Int here, which printed 0.
            var info = stat()
            guard stat(path, &info) == 0 else { throw ConfigurationError("backup written to \(path) but it cannot be read back (errno \(errno))") }
            print("backup written: \(path) (\(info.st_size) bytes)")
        }
    }
}
