public import Storage
import FoundationEssentials
import Net

/// The sender's side of snapshots: copies made on request, kept a while so a receiver that
/// was cut off resumes the same file, then deleted. Chunks are read by offset (pull-based
/// flow control: the receiver asks for the next chunk only after writing the last).
actor SnapshotOutbox {
    struct Entry {
        let path: String
        let manifest: SnapshotManifest
        let made: ContinuousClock.Instant
    }

    let store: ReplicationStore
    let configuration: SyncConfiguration
    private var entries: [String: Entry] = [:]
    private var newest: String?

    init(store: ReplicationStore, configuration: SyncConfiguration) {
        self.store = store
        self.configuration = configuration
    }

    /// The manifest of snapshot `id` if still kept, else of a fresh (or very recent) copy.
    func manifest(resuming id: String?) async throws -> (id: String, manifest: SnapshotManifest) {
        expire()
        if let id, let entry = entries[id] { return (id, entry.manifest) }
        if let newest, let entry = entries[newest], entry.made.duration(to: .now) < configuration.outgoingReuse {
            return (newest, entry.manifest)
        }
        let id = UUID().uuidString.lowercased()
        let path = "\(configuration.directory)/outgoing-\(id).db"
        var manifest: SnapshotManifest
        do {
            manifest = try await store.makeSnapshot(at: path)
            guard let size = SnapshotFile.size(path) else { throw SyncError(.io, "snapshot \(path) vanished") }
            manifest.size = size
            manifest.sha256 = try SnapshotFile.sha256(path)
        } catch {
            SnapshotFile.remove(path)
            throw error
        }
        entries[id] = Entry(path: path, manifest: manifest, made: .now)
        newest = id
        return (id, manifest)
    }

    func chunk(id: String, offset: Int64, length: Int) throws(SyncError) -> [UInt8] {
        guard let entry = entries[id] else {
            throw SyncError(.snapshot, "snapshot \(id) is no longer kept; ask for a new one")
        }
        guard offset >= 0, offset <= entry.manifest.size else {
            throw SyncError(.malformed, "offset \(offset) is outside snapshot \(id) (\(entry.manifest.size) bytes)")
        }
        return try SnapshotFile.read(entry.path, offset: offset, length: min(max(1, length), configuration.chunkBytes))
    }

    /// Drops copies past their lifetime (and, at start, files a previous run left behind).
    func expire() {
        for (id, entry) in entries where entry.made.duration(to: .now) > configuration.outgoingLifetime {
            SnapshotFile.remove(entry.path)
            entries[id] = nil
        }
    }

    func removeLeftovers() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: configuration.directory)) ?? []
        for name in names where name.hasPrefix("outgoing-") && !entries.values.contains(where: { $0.path.hasSuffix(name) }) {
            SnapshotFile.remove("\(configuration.directory)/\(name)")
        }
    }
}
