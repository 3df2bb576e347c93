public import Core
public import Hummingbird
public import Logging
import NIOCore

/// The request context every TriForce route sees: Hummingbird's core storage plus the
/// caller, the client address and the body limit chosen by configuration.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer; the auth layer may replace it with a trusted X-Forwarded-For value.
    public var clientAddress: String
    /// Set by the auth middleware; nil only before it ran.
    public var principal: Principal?
    /// Set by `ErrorMiddleware` from configuration.
    public var maxBodyBytes: Int = 4 << 20
    /// The client's connection: Hummingbird does not cancel a handler when its client goes
    /// away, so long responses (streams) watch it through `onConnectionClose`.
    private let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.clientAddress = source.channel.remoteAddress?.ipText ?? "unknown"
        self.channel = source.channel
    }

    /// Runs `action` when the client's connection closes (at once if it already has). One
    /// action per connection (`ClientHangupHandler` keeps it): the next request's replaces it,
    /// so a keep-alive connection does not pile up the actions of its past requests.
    public func onConnectionClose(_ action: @escaping @Sendable () -> Void) {
        let channel = self.channel
        channel.eventLoop.execute {
            // Inactive already: channelInactive has run (this runs on the loop, after it).
            guard channel.isActive else { return action() }
            if let handler = try? channel.pipeline.syncOperations.handler(type: ClientHangupHandler.self) {
                handler.watchClose(action)
            } else {
                channel.closeFuture.whenComplete { _ in action() }
            }
        }
    }

    public var maxUploadSize: Int { maxBodyBytes }

    /// The event loop of the client's connection.
    public var eventLoop: any EventLoop { channel.eventLoop }

    /// The request id (also in every log line's metadata and the `X-Request-ID` header).
    public var requestID: String {
        logger[metadataKey: "request_id"]?.description ?? "unknown"
    }
}
