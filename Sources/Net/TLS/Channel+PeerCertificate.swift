public import NIOCore

extension Channel {
    /// The verified TLS peer certificate of this channel (nil without mTLS or before the
    /// handshake). Hops to the event loop to read `MbedTLSHandler.peerCertificate`.
    ///
    /// From a Hummingbird route: the request context's source carries the child channel, so a
    /// custom `RequestContext` can keep it (`init(source:)` gets `source.channel`) and a handler
    /// calls `try await context.channel.tlsPeerCertificate()`. Every request on a connection
    /// sees the same certificate: verification happened once, in the handshake.
    public func tlsPeerCertificate() async throws -> PeerCertificate? {
        try await eventLoop.submit {
            try self.pipeline.syncOperations.handler(type: MbedTLSHandler.self).peerCertificate
        }.get()
    }
}
