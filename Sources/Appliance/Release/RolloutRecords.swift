import Glibc
import FoundationEssentials

/// The rollout's files in the data dir: `rollout-trial.json` (an unconfirmed trial) and
/// `rollout-failed.json` (the halt). Files, not the database: the trial is written after the
/// database has closed, just before exec, and the CLI reads both without a running server.
/// Writes go to a temporary file, fsync, then rename, so a crash leaves the old or the new record.
struct RolloutRecords: Sendable {
    let dataDirectory: String

    var trialPath: String { dataDirectory + "/rollout-trial.json" }
    var haltPath: String { dataDirectory + "/rollout-failed.json" }

    /// A record larger than this is not one of ours.
    static let maxBytes = 64 << 10

    func trial() -> RolloutTrial? { Self.load(trialPath) }
    func halt() -> RolloutHalt? { Self.load(haltPath) }

    func save(_ trial: RolloutTrial) throws(ReleaseError) { try Self.save(trial, to: trialPath) }
    func save(_ halt: RolloutHalt) throws(ReleaseError) { try Self.save(halt, to: haltPath) }

    func removeTrial() { unlink(trialPath); ReleaseDirectory.syncDirectory(dataDirectory) }
    func removeHalt() { unlink(haltPath); ReleaseDirectory.syncDirectory(dataDirectory) }

    static func load<Record: Decodable>(_ path: String) -> Record? {
        guard let bytes = try? ReleaseDirectory.read(path), bytes.count <= maxBytes else { return nil }
        return try? JSONDecoder().decode(Record.self, from: Data(bytes))
    }

    static func save(_ record: some Encodable, to path: String) throws(ReleaseError) {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try JSONEncoder().encode(record))
        } catch {
            throw ReleaseError(.io, "cannot encode \(path): \(error)")
        }
        let temporary = path + ".tmp-\(getpid())"
        try ReleaseDirectory.writeDurably(bytes, to: temporary, mode: 0o600)
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ReleaseDirectory.failure("replace \(path)")
        }
        ReleaseDirectory.syncDirectory(String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]))
    }
}
