/// Which members a node keeps links to. Up to `fullMeshLimit` members (self included) it
/// links to every live member. Above that it keeps a stable random set of `sparseLinks`
/// members (`chosen`), replaces one only when it goes (dead, left) or its dials keep failing,
/// and membership relies on gossip for the rest. Links this node dialed to anyone outside the
/// set (left over from the full mesh, or dialed on demand for a call) are closed once they have
/// been idle for `idleLimit` with nothing in flight; links a peer dialed are that peer's to
/// close, and are accepted while the node has fewer than `maxLinks`.
///
/// A value type fed the current view; `MeshService` (and the simulated mesh in the tests)
/// carries out its plans.
struct LinkPolicy: Sendable {
    struct Limits: Sendable, Equatable {
        /// Full mesh up to this many members, self included.
        var fullMeshLimit = 32
        /// Links each node chooses and dials above the full-mesh limit.
        var sparseLinks = 8
        /// Links of any kind (chosen, accepted, on demand, configured peers); more inbound
        /// links are refused and no on-demand dial starts.
        var maxLinks = 64
        /// An unchosen link this node dialed closes after this long without a call.
        var idleLimit: Duration = .seconds(30)
    }

    /// What the policy needs to know about one open link.
    struct LinkState: Sendable, Equatable {
        /// This node dialed it (only the dialer closes a link the policy no longer wants).
        var outbound: Bool
        /// A call to or a request from the peer is in flight on it.
        var busy: Bool
        /// When a call or request last used it (its opening counts as a use).
        var lastUsed: Duration
    }

    struct Plan: Sendable, Equatable {
        /// Members to dial (by id).
        var dial: [String] = []
        /// Members whose link to close, after telling them it is on purpose.
        var close: [String] = []
    }

    var limits: Limits
    /// Sparse mode: the members this node keeps links to. Empty in full-mesh mode.
    private(set) var chosen: Set<String> = []

    init(limits: Limits = .init()) { self.limits = limits }

    /// True when a mesh of `members` (self included) is past the full-mesh limit.
    func isSparse(members: Int) -> Bool { members > limits.fullMeshLimit }

    /// A link a peer dialed may be accepted while the node holds fewer than `maxLinks`.
    func acceptsLink(whileHolding count: Int) -> Bool { count < limits.maxLinks }

    /// The next step towards the wanted links.
    /// - `live`: members alive or suspect, self excluded.
    /// - `keep`: members never closed (configured peers).
    /// - `failing`: members whose recent dials failed (not chosen while that lasts).
    mutating func plan(live: [String], links: [String: LinkState], keep: Set<String>, failing: Set<String>, now: Duration,
                       random: inout some RandomNumberGenerator) -> Plan {
        guard isSparse(members: live.count + 1) else {
            chosen = []
            return Plan(dial: live.filter { links[$0] == nil }.sorted(), close: [])
        }
        let alive = Set(live)
        chosen = chosen.filter { alive.contains($0) && !failing.contains($0) }
        if chosen.count < limits.sparseLinks {
            // Members this node already dialed first, so growing past the limit closes as few
            // links as it can; then the rest, at random. Links a peer dialed are not preferred:
            // that would fold this node's choices onto the members that chose it, and the
            // mesh would keep fewer distinct links.
            let candidates = live.filter { !chosen.contains($0) && !failing.contains($0) }.sorted().shuffled(using: &random)
            let ranked = candidates.filter { links[$0]?.outbound == true } + candidates.filter { links[$0]?.outbound != true }
            chosen.formUnion(ranked.prefix(limits.sparseLinks - chosen.count))
        }
        let close = links.filter { id, link in
            link.outbound && !chosen.contains(id) && !keep.contains(id) && !link.busy && now - link.lastUsed >= limits.idleLimit
        }
        return Plan(dial: chosen.filter { links[$0] == nil }.sorted(), close: close.keys.sorted())
    }
}
