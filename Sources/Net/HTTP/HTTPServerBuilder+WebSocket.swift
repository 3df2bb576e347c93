public import HummingbirdCore
public import HummingbirdWebSocket
public import NIOCore

extension HTTPServerBuilder {
    /// The API port (`APIChannel`): HTTP/1.1, HTTPS when `tls` is given, upgrading the
    /// WebSocket requests `upgrade` accepts, behind a connection limit. The HTTP handlers of
    /// `configuration` (deadline, hang-up) and its idle timeout apply to connections that stay
    /// HTTP; the first request of a connection decides, and until its head is in,
    /// `FirstHeadTimeoutHandler` applies the same idle timeout.
    public static func http1(configuration: HTTP1Channel.Configuration, limiter: ConnectionLimiter, tls: TLSConfiguration?,
                             maxWebSocketFrame: Int, upgrade: @escaping APIChannel.WebSocketUpgrade) throws(TLSError) -> HTTPServerBuilder {
        let contexts = try tls.map { configuration throws(TLSError) in TLSContextSource(fixed: try MbedTLSContext(configuration: configuration)) }
        let webSocket = WebSocketServerConfiguration(maxFrameSize: maxWebSocketFrame, closeTimeout: .seconds(2))
        return .init { responder in
            APIChannel(responder: responder, http1: configuration, webSocket: webSocket, limiter: limiter, tls: contexts, upgrade: upgrade)
        }
    }
}
