import Glibc

/// Where the mesh CA and this node's own certificate live inside the data dir:
/// `ca/ca.crt`, `ca/ca.key` (0600), `node.crt`, `node.key` (0600).
struct MeshFiles: Sendable {
    let dataDirectory: String

    var caDirectory: String { dataDirectory + "/ca" }
    var caCertificate: String { caDirectory + "/ca.crt" }
    var caKey: String { caDirectory + "/ca.key" }
    var nodeCertificate: String { dataDirectory + "/node.crt" }
    var nodeKey: String { dataDirectory + "/node.key" }

    var caExists: Bool { MeshFiles.exists(caCertificate) || MeshFiles.exists(caKey) }
    /// The mesh listener starts only when the CA and the node's certificate are all present.
    var listenerReady: Bool { [caCertificate, nodeCertificate, nodeKey].allSatisfy(MeshFiles.exists) }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Creates `path` (mode 0700, parents must exist); an existing directory is fine.
    static func makeDirectory(_ path: String) throws -> Void {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw ConfigurationError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }
}
