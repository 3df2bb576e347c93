public import HummingbirdCore
public import NIOCore

extension HTTP1Channel.Configuration {
    /// HTTP/1.1 with an idle timeout and a whole-request deadline on every connection.
    public static func limited(idleTimeout: TimeAmount, requestDeadline: TimeAmount) -> Self {
        .init(additionalChannelHandlers: [RequestDeadlineHandler(deadline: requestDeadline), ClientHangupHandler()], idleTimeout: idleTimeout)
    }
}

extension HTTPServerBuilder {
    /// Plain HTTP/1.1 behind a connection limit.
    public static func http1(configuration: HTTP1Channel.Configuration, limiter: ConnectionLimiter) -> HTTPServerBuilder {
        .init { responder in
            HTTP1Channel(responder: responder, configuration: configuration).limitingConnections(limiter)
        }
    }

    /// HTTPS (mbedTLS) behind a connection limit: a connection over the limit is closed
    /// before its handshake costs anything.
    public static func mbedTLS(configuration: TLSConfiguration, http1: HTTP1Channel.Configuration,
                               limiter: ConnectionLimiter) throws(TLSError) -> HTTPServerBuilder {
        let contexts = TLSContextSource(fixed: try MbedTLSContext(configuration: configuration))
        return .init { responder in
            HTTP1Channel(responder: responder, configuration: http1).withMbedTLS(contexts: contexts).limitingConnections(limiter)
        }
    }
}
