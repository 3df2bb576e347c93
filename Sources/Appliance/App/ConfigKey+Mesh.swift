import Mesh
import Net

extension ConfigKey {
    static let peers = ConfigKey("peers", env: "TRIFORCE_PEERS", default: "",
                                 "mesh peers to keep a link to: wss://HOST:PORT, comma separated (`triforce join` sets it)")
    static let meshHost = ConfigKey("mesh_host", env: "TRIFORCE_MESH_HOST",
                                    "address the mesh listener binds (default: the API host)")
    static let meshProbeInterval = ConfigKey("mesh_probe_interval_ms", env: "TRIFORCE_MESH_PROBE_INTERVAL_MS", default: "1000",
                                             "SWIM: one member probed this often")
    static let meshProbeTimeout = ConfigKey("mesh_probe_timeout_ms", env: "TRIFORCE_MESH_PROBE_TIMEOUT_MS", default: "500",
                                            "SWIM: a direct probe waits this long before indirect probes")
    static let meshSuspicionMultiplier = ConfigKey("mesh_suspicion_multiplier", env: "TRIFORCE_MESH_SUSPICION_MULTIPLIER", default: "2",
                                                   "shortest suspicion = this × probe interval (longest: 3× that)")

    static let meshFullMeshLimit = ConfigKey("mesh_full_mesh_limit", env: "TRIFORCE_MESH_FULL_MESH_LIMIT", default: "32",
                                             "links to every member up to this many members (self included); above, a random few")
    static let meshSparseLinks = ConfigKey("mesh_sparse_links", env: "TRIFORCE_MESH_SPARSE_LINKS", default: "8",
                                           "above the full-mesh limit: links each node chooses at random and keeps")
    static let meshLinkIdleSeconds = ConfigKey("mesh_link_idle_seconds", env: "TRIFORCE_MESH_LINK_IDLE_SECONDS", default: "30",
                                               "above the full-mesh limit: a link dialed for a call closes after this long unused")

    static let meshAuthorities = ConfigKey("mesh_authorities", env: "TRIFORCE_MESH_AUTHORITIES", default: "",
                                           "node ids (holding the mesh CA key) whose revocation lists this node takes; `triforce join` sets it")

    static let meshTaskLeaseSeconds = ConfigKey("mesh_task_lease_seconds", env: "TRIFORCE_MESH_TASK_LEASE_SECONDS", default: "10",
                                                "mesh_task: a task whose runner died is retried elsewhere this long after (1 to 3600)")

    static let meshKeys: [ConfigKey] = [peers, meshHost, meshAuthorities, meshProbeInterval, meshProbeTimeout, meshSuspicionMultiplier,
                                        meshFullMeshLimit, meshSparseLinks, meshLinkIdleSeconds,
                                        meshTaskLeaseSeconds]
}

extension ApplianceConfiguration {
    var meshHost: String { string(.meshHost).flatMap { $0.isEmpty ? nil : $0 } ?? host }

    /// `peers` parsed; an entry that is not an address is a configuration error naming it.
    func meshPeers(extra: [String] = []) throws(ConfigurationError) -> [PeerAddress] {
        let entries = (string(.peers) ?? "").split(separator: ",").map { $0.trimmed() }.filter { !$0.isEmpty } + extra
        var peers: [PeerAddress] = []
        for entry in entries {
            guard let address = PeerAddress(entry) else {
                throw ConfigurationError("peer '\(entry)' is not wss://HOST:PORT (from --peer or the peers setting)")
            }
            if !peers.contains(address) { peers.append(address) }
        }
        return peers
    }

    var meshAuthorities: Set<String> {
        Set((string(.meshAuthorities) ?? "").split(separator: ",").map { $0.trimmed() }.filter { !$0.isEmpty })
    }

    func membershipTiming() throws(ConfigurationError) -> MembershipTiming {
        MembershipTiming(probeInterval: .milliseconds(try int(.meshProbeInterval, in: 100...60_000)),
                         probeTimeout: .milliseconds(try int(.meshProbeTimeout, in: 20...30_000)),
                         suspicionMultiplier: try int(.meshSuspicionMultiplier, in: 1...20))
    }
}
