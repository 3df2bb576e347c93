import Net
import Logging
import Mesh
import Storage
import FoundationEssentials

/// The receiver's side of a snapshot: ask for a manifest, pull chunks one at a time into
/// `incoming-<peer>.part` (each synced before the next is asked for), check size and sha256,
/// then install in one transaction. The manifest is kept beside the partial file, so a
/// restarted node resumes the same copy while the sender keeps it, and starts over otherwise.
/// The live database is only touched by the install, which is atomic: killing either side at
/// any moment leaves it intact.
extension SyncService {
    func fetchSnapshot(from peer: String) async throws {
        guard !snapshotting else { return }
        snapshotting = true
        defer { snapshotting = false }
        let safePeer = String(peer.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }.prefix(64))
        let partial = "\(configuration.directory)/incoming-\(safePeer).part"
        let metaPath = "\(configuration.directory)/incoming-\(safePeer).json"
        let started = ContinuousClock.now
        let previous = SnapshotFile.readText(metaPath).flatMap { try? JSONParser().parse($0) }
        let answer = try await call(peer, "sync/snapshot", previous?["id"].map { ["id": $0] } ?? [:])
        let (id, manifest) = try SnapshotManifest.decode(answer)
        if previous?["id"]?.stringValue != id || previous?["sha256"]?.stringValue != manifest.sha256 {
            SnapshotFile.remove(partial)
            try SnapshotFile.write(metaPath, text: answer.jsonText)
        }
        var offset = SnapshotFile.size(partial) ?? 0
        if offset > manifest.size {
            SnapshotFile.remove(partial)
            offset = 0
        }
        // The size is the sender's word: a copy that cannot fit (with room for the install's
        // own writes) is refused before it fills the disk.
        let headroom: Int64 = 64 << 20
        if let free = SnapshotFile.freeBytes(configuration.directory), manifest.size - offset > free - headroom {
            throw SyncError(.io, "\(peer): snapshot of \(manifest.size) bytes does not fit in \(configuration.directory) (\(free) bytes free, \(headroom) kept)")
        }
        while offset < manifest.size {
            let chunk = try await call(peer, "sync/snapshot/chunk",
                                       ["id": .string(id), "offset": .int(offset), "length": .int(Int64(configuration.chunkBytes))])
            guard let text = chunk["data"]?.stringValue, let data = Data(base64Encoded: text), !data.isEmpty else {
                throw SyncError(.malformed, "\(peer): snapshot chunk at \(offset) has no data")
            }
            guard Int64(data.count) <= manifest.size - offset else {
                throw SyncError(.snapshot, "\(peer): snapshot chunk runs past the announced size")
            }
            try SnapshotFile.append(partial, Array(data))
            offset += Int64(data.count)
        }
        let digest = try SnapshotFile.sha256(partial)
        guard digest == manifest.sha256 else {
            SnapshotFile.remove(partial)
            SnapshotFile.remove(metaPath)
            throw SyncError(.snapshot, "\(peer): snapshot sha256 \(digest) does not match the manifest's \(manifest.sha256); starting over next round")
        }
        let outcome: SnapshotInstallOutcome
        do {
            outcome = try await store.installSnapshot(at: partial, manifest: manifest, from: peer)
        } catch {
            SnapshotFile.remove(partial)
            SnapshotFile.remove(metaPath)
            throw error
        }
        SnapshotFile.remove(partial)
        SnapshotFile.remove(metaPath)
        // The rows the install logged came from the mesh: not worth pushing back to it.
        skipPushes(through: try await store.head())
        let elapsed = started.duration(to: .now)
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        lastSnapshot = ["from": .string(peer), "bytes": .int(manifest.size), "rows": .int(Int64(outcome.rows)),
                        "removed": .int(Int64(outcome.removed)), "seq": .int(manifest.seq),
                        "at_ms": .int(Int64(clamping: store.clock.wallMilliseconds)), "duration_ms": .double(milliseconds.rounded())]
        logger.info("sync: snapshot installed", metadata: ["peer": "\(peer)", "bytes": "\(manifest.size)", "rows": "\(outcome.rows)"])
    }
}
