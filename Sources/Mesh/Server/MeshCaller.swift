/// Who is on the other end of a mesh connection, from its TLS handshake.
public enum MeshCaller: Sendable, Equatable {
    /// A member: certificate from the mesh CA naming a node id (`urn:triforce:node:`).
    case member(String)
    /// A certificate from the mesh CA without a node id, or this node's own (the CLI):
    /// requests are answered, membership traffic is not taken.
    case client(String?)
    /// No client certificate: only `join/request` is served.
    case anonymous

    public var isMember: Bool {
        if case .member = self { return true }
        return false
    }
}
