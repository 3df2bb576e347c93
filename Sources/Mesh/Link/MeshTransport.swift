/// The seam at the link layer: one open, authenticated connection to a peer, seen as a queue
/// of outgoing text frames. The WebSocket link is the real implementation;
/// `FaultInjectingTransport` wraps any transport to drop, delay, duplicate or reorder what
/// it sends, and tests build fakes from closures (`ClosureTransport`).
public protocol MeshTransport: Sendable {
    /// The peer's node id, from its verified certificate.
    var peerID: String { get }
    /// Queues one text frame; false when the link is closed or its queue is full (the
    /// frame is dropped: membership tolerates loss, a slow peer must not stall us).
    @discardableResult func send(_ text: String) -> Bool
    /// Closes the link (after what is already queued).
    func close()
}

/// A transport made of closures, for tests and in-process wiring.
public struct ClosureTransport: MeshTransport {
    public let peerID: String
    let sendText: @Sendable (String) -> Bool
    let closeLink: @Sendable () -> Void

    public init(peerID: String, send: @escaping @Sendable (String) -> Bool, close: @escaping @Sendable () -> Void = {}) {
        self.peerID = peerID
        sendText = send
        closeLink = close
    }

    @discardableResult public func send(_ text: String) -> Bool { sendText(text) }
    public func close() { closeLink() }
}
