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
    /// Full mesh up to this many members; above it each node keeps `sparseLinks` random links.
    /// Node ids whose revocation lists we take (hubs holding the CA key).
    public var authorities: Set<String> = []
    /// This node holds the CA key: it signs joins and publishes revocations.
    public var isAuthority: Bool { files.canSign }
    public var fullMeshLimit = 32
    public var sparseLinks = 8

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
