/// The real `MeshTransport`: a bounded queue of outgoing frames drained by the link's
/// writer task, so `send` never blocks the membership actor and a stalled peer costs at most
/// `capacity` queued frames (the rest are dropped, which SWIM tolerates).
public final class WebSocketTransport: MeshTransport {
    public enum Item: Sendable {
        case text(String)
        /// Send a close frame after what is queued, then stop.
        case close
    }

    public static let capacity = 1024

    public let peerID: String
    let continuation: AsyncStream<Item>.Continuation
    /// What the writer task drains.
    public let items: AsyncStream<Item>

    public init(peerID: String) {
        self.peerID = peerID
        (items, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingOldest(Self.capacity))
    }

    @discardableResult public func send(_ text: String) -> Bool {
        if case .enqueued = continuation.yield(.text(text)) { return true }
        return false
    }

    public func close() {
        continuation.yield(.close)
        continuation.finish()
    }
}
