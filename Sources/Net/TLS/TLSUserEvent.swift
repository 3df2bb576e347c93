/// User events the `MbedTLSHandler` fires inbound, like NIOSSL's TLSUserEvent.
public enum TLSUserEvent: Sendable, Equatable {
    /// The handshake finished and the peer certificate (when one was presented) verified,
    /// chained to the trust roots and passed the revocation hook.
    case handshakeCompleted(peer: PeerCertificate?)
    /// We sent close_notify in response to the peer's (clean TLS shutdown).
    case shutdownCompleted
}
