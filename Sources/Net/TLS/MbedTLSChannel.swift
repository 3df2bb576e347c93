public import HummingbirdCore
public import Logging
public import NIOCore

/// Wraps a Hummingbird child channel (HTTP/1, WebSocket upgrade, …) with TLS: puts an
/// `MbedTLSHandler` first in the pipeline, then runs the base channel's setup. The same shape
/// as HummingbirdTLS's `TLSChannel`, with mbedTLS instead of NIOSSL.
public struct MbedTLSChannel<BaseChannel: ServerChildChannel>: ServerChildChannel {
    public typealias Value = BaseChannel.Value

    @usableFromInline let contexts: TLSContextSource
    @usableFromInline var baseChannel: BaseChannel

    /// - Parameter context: shared by every connection; build it once per listener.
    public init(_ baseChannel: BaseChannel, context: MbedTLSContext) {
        self.init(baseChannel, contexts: TLSContextSource(fixed: context))
    }

    /// - Parameter contexts: asked once per connection (a renewed certificate is picked up
    ///   by the next connection; open ones keep theirs).
    public init(_ baseChannel: BaseChannel, contexts: TLSContextSource) {
        self.baseChannel = baseChannel
        self.contexts = contexts
    }

    public init(_ baseChannel: BaseChannel, configuration: TLSConfiguration) throws(TLSError) {
        try self.init(baseChannel, context: MbedTLSContext(configuration: configuration))
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(MbedTLSHandler(context: self.contexts.current()), position: .first)
        }.flatMap {
            self.baseChannel.setup(channel: channel, logger: logger)
        }
    }

    public func handle(value: BaseChannel.Value, logger: Logger) async {
        await baseChannel.handle(value: value, logger: logger)
    }
}

extension MbedTLSChannel: HTTPChannelHandler where BaseChannel: HTTPChannelHandler {
    public var responder: HTTPChannelHandler.Responder { baseChannel.responder }
}

extension HTTPServerBuilder {
    /// HTTPS (HTTP/1.1) with mbedTLS:
    /// `Application(router:, server: try .mbedTLS(configuration: tls))`.
    /// With `configuration.trustRoots` + `.required` it demands client certificates (mTLS).
    /// The mbedTLS context is built once here and shared by every connection.
    public static func mbedTLS(configuration: TLSConfiguration,
                               http1: HTTP1Channel.Configuration = .init()) throws(TLSError) -> HTTPServerBuilder {
        try mbedTLS(configuration: configuration) { responder in
            HTTP1Channel(responder: responder, configuration: http1)
        }
    }

    /// TLS around any child channel, e.g. the WebSocket upgrade channel:
    /// `.mbedTLS(configuration: tls) { responder in HTTP1WebSocketUpgradeChannel(responder: responder, ...) }`.
    /// (HummingbirdTLS wraps an `HTTPServerBuilder`, but its child-channel builder is
    /// `package`-visible only, so we take the builder closure itself.)
    public static func mbedTLS(
        configuration: TLSConfiguration,
        base: @escaping @Sendable (@escaping HTTPChannelHandler.Responder) throws -> any ServerChildChannel
    ) throws(TLSError) -> HTTPServerBuilder {
        try mbedTLS(contexts: TLSContextSource(fixed: MbedTLSContext(configuration: configuration)), base: base)
    }

    /// TLS whose context comes from `contexts` per connection: a listener whose certificate
    /// files are replaced (renewal) serves the new one without a restart.
    public static func mbedTLS(
        contexts: TLSContextSource,
        base: @escaping @Sendable (@escaping HTTPChannelHandler.Responder) throws -> any ServerChildChannel
    ) -> HTTPServerBuilder {
        .init { responder in
            try base(responder).withMbedTLS(contexts: contexts)
        }
    }
}

extension ServerChildChannel {
    /// Opens the existential so `MbedTLSChannel` gets a concrete base type.
    func withMbedTLS(contexts: TLSContextSource) -> any ServerChildChannel {
        MbedTLSChannel(self, contexts: contexts)
    }
}
