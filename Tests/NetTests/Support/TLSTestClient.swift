import Net
import NIOCore
import NIOPosix
import Synchronization

/// What one TLS client connection saw, from connect to close.
struct TLSClientOutcome: Sendable {
    var peer: PeerCertificate?
    var handshakeCompleted = false
    var received = ""
    var errors: [String] = []
}

/// Collects handshake events, plaintext and errors; completes when the channel closes.
final class OutcomeCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private var outcome = TLSClientOutcome()
    private let promise: EventLoopPromise<TLSClientOutcome>

    init(promise: EventLoopPromise<TLSClientOutcome>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted(let peer)? = event as? TLSUserEvent {
            outcome.handshakeCompleted = true
            outcome.peer = peer
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        outcome.received += String(buffer: unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        outcome.errors.append("\(error)")
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
    }

    /// A connect that fails (a full backlog on a loaded machine) never makes the channel
    /// active, so it never goes inactive either: complete on teardown instead of leaking
    /// the promise (a crash in debug builds).
    func handlerRemoved(context: ChannelHandlerContext) {
        if !finished { outcome.errors.append("connection closed before it was established") }
        finish()
    }

    private var finished = false

    private func finish() {
        guard !finished else { return }
        finished = true
        promise.succeed(outcome)
    }
}

/// Connects with an `MbedTLSHandler` in client mode, writes `request` at once (before the
/// handshake finishes, exercising buffered writes) and returns everything seen until close.
func tlsClientExchange(port: Int, context: MbedTLSContext, serverName: String? = nil,
                       request: String) async throws -> TLSClientOutcome {
    let slot = OutcomeSlot()
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connectTimeout(.seconds(30))
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let promise = channel.eventLoop.makePromise(of: TLSClientOutcome.self)
                slot.set(promise.futureResult)
                try channel.pipeline.syncOperations.addHandler(MbedTLSHandler(context: context, serverName: serverName))
                try channel.pipeline.syncOperations.addHandler(OutcomeCollector(promise: promise))
            }
        }
        .connect(host: "127.0.0.1", port: port).get()
    // A failed handshake fails this write too; the outcome below says why.
    try? await channel.writeAndFlush(ByteBuffer(string: request))
    guard let future = slot.get() else { throw TLSTestError(message: "no outcome future") }
    return try await future.get()
}

/// Hands the outcome future from the channel initializer to the test (guarded by `lock`).
final class OutcomeSlot: @unchecked Sendable {
    private let lock = Mutex<EventLoopFuture<TLSClientOutcome>?>(nil)
    func set(_ future: EventLoopFuture<TLSClientOutcome>) { lock.withLock { $0 = future } }
    func get() -> EventLoopFuture<TLSClientOutcome>? { lock.withLock { $0 } }
}
