/// Everything one TLS endpoint needs, as a Sendable value. Build an `MbedTLSContext` from it
/// once (per listener or per outgoing-connection kind) and share that across connections.
public struct TLSConfiguration: Sendable {
    public enum Role: Sendable { case server, client }

    /// PEM material, from a file or inline.
    public enum PEMSource: Sendable {
        case file(String)
        case pem(String)

        func text() throws(TLSError) -> String {
            switch self {
            case .file(let path): try PEMFile.read(path)
            case .pem(let text): text
            }
        }
    }

    /// Whether the peer must present a certificate chaining to `trustRoots`.
    public enum PeerVerification: Sendable {
        case none
        case optional
        case required
    }

    public var role: Role
    /// Our certificate (leaf first, then intermediates). Required for a server.
    public var certificateChain: PEMSource?
    public var privateKey: PEMSource?
    public var privateKeyPassword: String?
    /// CAs a peer certificate must chain to (the mesh CA for mTLS).
    public var trustRoots: PEMSource?
    public var peerVerification: PeerVerification
    /// Client only: SNI and the name the server certificate must carry (DNS or IP SAN / CN).
    public var serverName: String?
    /// A handshake not finished within this closes the channel.
    public var handshakeTimeout: Duration
    /// Runs on every handshake for the verified peer leaf certificate; `true` refuses it
    /// (the handshake fails with a "certificate revoked" alert). Called on an event-loop
    /// thread inside the handshake: it must be fast and must not block.
    public var isRevoked: (@Sendable (PeerCertificate) -> Bool)?
    /// mbedTLS cipher-suite names; TLS 1.2 ECDHE + AEAD only by default.
    public var cipherSuites: [String]
    /// Client only, with `peerVerification: .none`: the server's chain must contain a
    /// certificate whose SPKI sha256 (lowercase hex) is this pin, and the leaf must verify
    /// against it. How a joining node trusts a hub it knows only by its CA's key pin.
    public var pinnedRootSPKI: String?

    public static let defaultCipherSuites = [
        "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256",
        "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384",
        "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256",
        "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256",
        "TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384",
        "TLS-ECDHE-RSA-WITH-CHACHA20-POLY1305-SHA256",
    ]

    public init(role: Role, certificateChain: PEMSource? = nil, privateKey: PEMSource? = nil,
                privateKeyPassword: String? = nil, trustRoots: PEMSource? = nil,
                peerVerification: PeerVerification? = nil, serverName: String? = nil,
                handshakeTimeout: Duration = .seconds(10), isRevoked: (@Sendable (PeerCertificate) -> Bool)? = nil,
                cipherSuites: [String] = TLSConfiguration.defaultCipherSuites, pinnedRootSPKI: String? = nil) {
        self.role = role
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.privateKeyPassword = privateKeyPassword
        self.trustRoots = trustRoots
        // Clients verify servers unless told otherwise; servers ask for nothing by default.
        self.peerVerification = peerVerification ?? (role == .client ? .required : .none)
        self.serverName = serverName
        self.handshakeTimeout = handshakeTimeout
        self.isRevoked = isRevoked
        self.cipherSuites = cipherSuites
        self.pinnedRootSPKI = pinnedRootSPKI
    }

    /// A server presenting `certificateChain`; with `clientCA` set it requires mTLS, or with
    /// `clientCertificateOptional` accepts clients without one (a certificate that is presented
    /// must still verify: bad, expired or revoked ones fail the handshake).
    public static func server(certificateChain: PEMSource, privateKey: PEMSource, clientCA: PEMSource? = nil,
                              clientCertificateOptional: Bool = false,
                              isRevoked: (@Sendable (PeerCertificate) -> Bool)? = nil) -> TLSConfiguration {
        let verification: PeerVerification = clientCA == nil ? .none : clientCertificateOptional ? .optional : .required
        return TLSConfiguration(role: .server, certificateChain: certificateChain, privateKey: privateKey,
                                trustRoots: clientCA, peerVerification: verification, isRevoked: isRevoked)
    }

    /// A client that trusts a server only through the CA key `pin` (sha256 of its SPKI, hex)
    /// found in the server's own chain; it presents no certificate.
    public static func pinnedClient(pin: String, serverName: String? = nil) -> TLSConfiguration {
        TLSConfiguration(role: .client, peerVerification: TLSConfiguration.PeerVerification.none, serverName: serverName,
                         pinnedRootSPKI: pin)
    }

    /// A client trusting `trustRoots`, optionally presenting its own certificate (mTLS).
    public static func client(trustRoots: PEMSource, serverName: String? = nil, certificateChain: PEMSource? = nil,
                              privateKey: PEMSource? = nil,
                              isRevoked: (@Sendable (PeerCertificate) -> Bool)? = nil) -> TLSConfiguration {
        TLSConfiguration(role: .client, certificateChain: certificateChain, privateKey: privateKey,
                         trustRoots: trustRoots, peerVerification: .required, serverName: serverName,
                         isRevoked: isRevoked)
    }
}
