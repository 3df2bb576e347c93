public import HummingbirdCore
public import HummingbirdWebSocket
public import NIOCore

extension APIChannel {
    /// The API port: HTTP/1.1, HTTPS when `tls` is given, upgrading the WebSocket requests
    /// `upgrade` accepts, behind a connection limit. The HTTP handlers of `configuration`
    /// (deadline, hang-up) and its idle timeout apply to connections that stay HTTP; the
    /// first request of a connection decides, and until its head is in,
    /// `FirstHeadTimeoutHandler` applies the same idle timeout.
    public static func settings(http1 configuration: HTTP1Channel.Configuration, limiter: ConnectionLimiter, tls: TLSConfiguration?,
                                maxWebSocketFrame: Int, upgrade: @escaping WebSocketUpgrade) throws(TLSError) -> Settings {
        let contexts = try tls.map { configuration throws(TLSError) in TLSContextSource(fixed: try MbedTLSContext(configuration: configuration)) }
        let webSocket = WebSocketServerConfiguration(maxFrameSize: maxWebSocketFrame, closeTimeout: .seconds(2))
        return Settings(http1: configuration, webSocket: webSocket, upgrade: upgrade, limiter: limiter, tls: contexts)
    }
}
