public import Net

/// Everything the mesh needs from the node, as one value the appliance builds.
public struct MeshConfiguration: Sendable {
    public var nodeID: String
    /// Address the mesh listener binds.
    public var listenHost: String
    /// Port to bind (0 picks one; `advertisedPort` is then learned from the bound socket).
    public var listenPort: Int
    /// Host other members should dial (the bind address unless that is a wildcard).
    public var advertisedHost: String
    public var apiAddress: String
    public var version: String
    public var startedAt: Int64
    /// `--peer` / setting `peers`: always dialed, with backoff, for as long as we run.
    public var peers: [PeerAddress]
    public var timing: MembershipTiming
    public var files: MeshFiles
    /// Idle HTTP connections on the mesh port (before the upgrade) close after this.
    public var idleTimeout: Duration
    /// Node ids whose revocation lists we take (hubs holding the CA key).
    public var authorities: Set<String> = []
    /// This node holds the CA key: it signs joins and publishes revocations.
    public var isAuthority: Bool { files.canSign }
    /// Full mesh up to this many members (self included); above it each node keeps
    /// `sparseLinks` random links and relies on gossip (`LinkPolicy`).
    public var fullMeshLimit = 32
    public var sparseLinks = 8
    /// Links of any kind a node holds at most; more inbound links are refused.
    public var maxLinks = 64
    /// An unchosen link this node dialed (say, for a call) closes after this long unused.
    public var linkIdleLimit: Duration = .seconds(30)

    var linkLimits: LinkPolicy.Limits {
        LinkPolicy.Limits(fullMeshLimit: fullMeshLimit, sparseLinks: sparseLinks, maxLinks: maxLinks, idleLimit: linkIdleLimit)
    }

    public init(nodeID: String, listenHost: String, listenPort: Int, advertisedHost: String, apiAddress: String, version: String,
                startedAt: Int64, peers: [PeerAddress], timing: MembershipTiming, files: MeshFiles, idleTimeout: Duration) {
        self.nodeID = nodeID
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.advertisedHost = advertisedHost
        self.apiAddress = apiAddress
        self.version = version
        self.startedAt = startedAt
        self.peers = peers
        self.timing = timing
        self.files = files
        self.idleTimeout = idleTimeout
    }

    /// The node certificate plus the CA certificate: peers verify the first against the
    /// second, and a joining node finds the pinned CA key in it.
    func serverChainPEM() throws(MeshError) -> String {
        do {
            return try PEMFile.read(files.nodeCertificate) + "\n" + PEMFile.read(files.caCertificate)
        } catch {
            throw MeshError(.configuration, "cannot read the mesh certificates in \(files.dataDirectory): \(error)")
        }
    }
}
