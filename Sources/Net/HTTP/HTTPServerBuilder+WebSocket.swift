public import HTTPTypes
public import HummingbirdCore
public import HummingbirdWebSocket
public import Logging
public import NIOCore

extension HTTPServerBuilder {
    /// Decides, from the request head alone, whether a request becomes a WebSocket (and
    /// what serves it). Requests it declines are plain HTTP.
    public typealias WebSocketUpgrade = @Sendable (HTTPRequest, any Channel, Logger) throws
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>

    /// HTTP/1.1 (HTTPS when `tls` is given) that upgrades the WebSocket requests `upgrade`
    /// accepts, behind a connection limit. The HTTP handlers of `configuration` (deadline,
    /// hang-up) and its idle timeout apply to connections that stay HTTP; the first request
    /// of a connection decides, and until its head is in, `FirstHeadTimeoutHandler` applies
    /// the same idle timeout.
    public static func http1(configuration: HTTP1Channel.Configuration, limiter: ConnectionLimiter, tls: TLSConfiguration?,
                             maxWebSocketFrame: Int, upgrade: @escaping WebSocketUpgrade) throws(TLSError) -> HTTPServerBuilder {
        let contexts = try tls.map { configuration throws(TLSError) in TLSContextSource(fixed: try MbedTLSContext(configuration: configuration)) }
        let channelConfiguration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: configuration, ws: .init(maxFrameSize: maxWebSocketFrame, closeTimeout: .seconds(2)))
        let headTimeout = configuration.idleTimeout ?? .seconds(30)
        return .init { responder in
            let base = FirstHeadTimeoutChannel(
                base: HTTP1WebSocketUpgradeChannel(responder: responder, configuration: channelConfiguration, shouldUpgrade: upgrade),
                timeout: headTimeout)
            if let contexts { return base.withMbedTLS(contexts: contexts).limitingConnections(limiter) }
            return base.limitingConnections(limiter)
        }
    }
}
