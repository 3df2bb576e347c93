import Logging
import Net

/// Learned members outlive a restart: their mesh addresses are saved in the data dir
/// (`mesh-members.json`, rewritten at most every `membersSaveInterval` when the set changes),
/// and a node that has no link at all dials them besides its configured peers. So a node
/// restarted without `--peer`, or whose hub is down, still finds the mesh; once it has a
/// link, gossip tells it the rest and the remembered list is no longer dialed.
extension MeshService {
    static let membersSaveInterval: Duration = .seconds(2)
    /// Addresses kept: enough to find the mesh again, bounded so the file stays small.
    static let rememberedLimit = 64

    /// Saves the live members' addresses when they changed since the last save. An empty
    /// list (alone for a moment) never overwrites a useful one.
    func saveMembersIfChanged(at time: Duration) {
        guard time >= nextMembersSaveAt else { return }
        nextMembersSaveAt = time + Self.membersSaveInterval
        let entries = membership.members.values
            .filter { $0.id != nodeID && !$0.state.isGone && PeerAddress($0.metadata.meshAddress) != nil }
            .sorted { $0.id < $1.id }
            .prefix(Self.rememberedLimit)
            .map { JSONValue.object(["id": .string($0.id), "address": .string($0.metadata.meshAddress)]) }
        guard !entries.isEmpty, entries != savedMembers else { return }
        do {
            try PEMFile.write(JSONValue.object(["members": .array(Array(entries))]).jsonText, to: configuration.files.members,
                              permissions: 0o600)
            savedMembers = Array(entries)
        } catch {
            logger.warning("mesh: cannot save the member list", metadata: ["error": "\(error)"])
        }
    }

    /// The addresses saved by an earlier run (none when the file is missing or unreadable).
    static func rememberedAddresses(_ files: MeshFiles) -> [PeerAddress] {
        guard MeshFiles.exists(files.members), let text = try? PEMFile.read(files.members, limit: 1 << 20),
              let members = JSONValue.parse(text)?["members"]?.arrayValue else { return [] }
        return members.prefix(rememberedLimit).compactMap { $0["address"]?.stringValue.flatMap(PeerAddress.init) }
    }
}
