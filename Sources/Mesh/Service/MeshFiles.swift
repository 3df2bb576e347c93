import Glibc

/// Where the mesh CA and this node's own certificate live inside the data dir:
/// `ca/ca.crt`, `ca/ca.key` (0600), `node.crt`, `node.key` (0600).
public struct MeshFiles: Sendable {
    public let dataDirectory: String

    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    public var caDirectory: String { dataDirectory + "/ca" }
    public var caCertificate: String { caDirectory + "/ca.crt" }
    public var caKey: String { caDirectory + "/ca.key" }
    public var nodeCertificate: String { dataDirectory + "/node.crt" }
    public var nodeKey: String { dataDirectory + "/node.key" }
    /// Members learned in earlier runs (ids and mesh addresses), to find the mesh again.
    public var members: String { dataDirectory + "/mesh-members.json" }

    public var caExists: Bool { MeshFiles.exists(caCertificate) || MeshFiles.exists(caKey) }
    /// This node holds the CA's private key (ran `ca init`): it can sign joins and renewals.
    public var canSign: Bool { MeshFiles.exists(caKey) }
    /// The mesh listener starts only when the CA and the node's certificate are all present.
    public var listenerReady: Bool { [caCertificate, nodeCertificate, nodeKey].allSatisfy(MeshFiles.exists) }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Creates `path` (mode 0700, parents must exist); an existing directory is fine.
    public static func makeDirectory(_ path: String) throws -> Void {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw MeshError(.configuration, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }
}
