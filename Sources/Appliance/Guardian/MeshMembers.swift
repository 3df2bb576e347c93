import Net

/// The configured peers plus every alive or suspect mesh member other than this node, at the
/// API address it advertises. The view is a mesh snapshot (`{"self", "members": [{"id",
/// "state", "api"}]}`): in the server the live membership, in the CLI the running node's
/// answer to `mesh/nodes`. Without a view (mesh off or not answering) only the configured peers.
struct MeshMembers: MemberDirectory {
    let configured: ConfiguredMembers
    let view: @Sendable () async -> JSONValue?

    func members() async -> [GuardianTarget] {
        var targets = configured.targets
        guard let view = await view() else { return targets }
        let selfID = view["self"]?.stringValue
        for member in view["members"]?.arrayValue ?? [] {
            guard let id = member["id"]?.stringValue, id != selfID,
                  let state = member["state"]?.stringValue, state == "alive" || state == "suspect",
                  let url = Self.apiURL(member["api"]?.stringValue ?? "") else { continue }
            let target = GuardianTarget(name: id, url: url)
            if let index = targets.firstIndex(where: { $0.url == url }) {
                targets[index] = target  // a configured peer that is a member: named by its node id
            } else {
                targets.append(target)
            }
        }
        return targets
    }

    /// A member's advertised API address as a base URL: `http(s)://host:port` as given, or a
    /// bare `host:port` (older nodes) as plain HTTP. Anything else (other schemes, paths,
    /// spaces) is not probed: the address comes from another node.
    static func apiURL(_ address: String) -> String? {
        var url = address
        while url.hasSuffix("/") { url.removeLast() }
        if !url.contains("://") { url = "http://" + url }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else { return nil }
        let authority = url.split(separator: "/", omittingEmptySubsequences: false).dropFirst(2).joined(separator: "/")
        guard !authority.isEmpty, authority.utf8.count <= 300, !authority.contains("/"), !authority.contains("@"),
              authority.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }), authority.contains(":") else { return nil }
        return url
    }
}
