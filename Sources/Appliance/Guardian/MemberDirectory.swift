import Net

/// A node the guardian watches: its API base URL and how the report names it.
struct GuardianTarget: Sendable, Equatable {
    let name: String
    let url: String
}

/// The seam for "every mesh member": the guardian asks it each round. `ConfiguredMembers` is
/// the configured peer list; `MeshMembers` adds the live mesh membership to it.
protocol MemberDirectory: Sendable {
    func members() async -> [GuardianTarget]
}

/// Peers named on the command line (`--peer URL`) or in `guardian_peers` (comma separated).
struct ConfiguredMembers: MemberDirectory {
    let targets: [GuardianTarget]

    init(urls: [String]) {
        var seen = Set<String>()
        targets = urls.compactMap { raw in
            var url = raw.trimmed()
            while url.hasSuffix("/") { url.removeLast() }
            guard !url.isEmpty, seen.insert(url).inserted else { return nil }
            return GuardianTarget(name: "peer", url: url)
        }
    }

    /// Splits a comma-separated setting.
    init(setting: String?, extra: [String] = []) {
        self.init(urls: extra + (setting ?? "").split(separator: ",").map(String.init))
    }

    func members() async -> [GuardianTarget] { targets }
}
