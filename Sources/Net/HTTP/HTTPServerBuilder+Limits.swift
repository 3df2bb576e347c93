public import HummingbirdCore
public import NIOCore

extension HTTP1Channel.Configuration {
    /// HTTP/1.1 with an idle timeout and a whole-request deadline on every connection.
    public static func limited(idleTimeout: TimeAmount, requestDeadline: TimeAmount) -> Self {
        .init(additionalChannelHandlers: [RequestDeadlineHandler(deadline: requestDeadline), ClientHangupHandler()], idleTimeout: idleTimeout)
    }
}
