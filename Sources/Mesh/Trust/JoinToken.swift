import FoundationEssentials
import Net

/// A decoded `tfjoin1.` token: the hub's node id and mesh address, the CA's SPKI pin, the
/// secret (only its hash is stored on the hub) and the expiry.
public struct JoinToken: Sendable {
    public var hubNodeID: String
    public var hubAddress: PeerAddress
    public var pin: String
    public var secret: String
    public var expiresAt: Int64
    /// The token text as given, sent to the hub.
    public var secretToken: String

    public init(_ text: String) throws(MeshError) {
        guard let payload = JoinTokenStore.decode(text.trimmed()) else {
            throw MeshError(.joinRefused, "not a join token (expected tfjoin1.…, from `triforce ca token create` on the hub)")
        }
        guard let hub = payload["n"]?.stringValue, let addressText = payload["a"]?.stringValue,
              let address = PeerAddress(addressText), let pin = payload["p"]?.stringValue, pin.count == 64,
              let secret = payload["s"]?.stringValue, !secret.isEmpty, let expires = payload["e"]?.intValue else {
            throw MeshError(.joinRefused, "the join token is damaged (missing hub address, pin or secret)")
        }
        hubNodeID = hub
        hubAddress = address
        self.pin = pin
        self.secret = secret
        expiresAt = expires
        secretToken = text.trimmed()
    }

    /// The stored form: sha256 of the secret, hex.
    static func hash(secret: String) -> String { SHA256.hexHash(Array(secret.utf8)) }
}
