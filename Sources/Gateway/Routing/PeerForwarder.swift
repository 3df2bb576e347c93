public import Core
import Synchronization

/// The seam to other nodes when every local upstream failed: a peer with usable providers
/// answers instead (the mesh implements it; tests use closures). Asked before the response
/// cache and the offline responder, and never for a request that a peer forwarded to us.
public protocol PeerForwarder: Sendable {
    /// A whole answer from a peer; nil when no peer could answer.
    func complete(_ request: ChatRequest, principal: Principal) async -> GatewayAnswer?
    /// A stream from a peer whose first event has arrived; nil when no peer could start one.
    func stream(_ request: ChatRequest, principal: Principal) async -> GatewayStream?
}

/// Where the gateway finds its forwarder: set once the mesh exists (after the gateway).
public final class PeerForwarderSlot: Sendable {
    private let slot = Mutex<(any PeerForwarder)?>(nil)

    public init() {}

    public var current: (any PeerForwarder)? { slot.withLock { $0 } }

    public func set(_ forwarder: (any PeerForwarder)?) { slot.withLock { $0 = forwarder } }
}

extension Gateway {
    /// Chat models that could answer now: available, their provider configured with a
    /// working key, their circuit not open. Members announce it so peers know whom to ask.
    public func usableModelCount() async -> Int {
        guard let providers = try? await currentProviders(), let records = try? await models.all() else { return 0 }
        var count = 0
        for record in records where record.isAvailable && record.isChat && providers[record.provider] != nil {
            if health.misconfiguration(record.provider) != nil { continue }
            if health.state(record.id) == .open { continue }
            count += 1
        }
        return count
    }
}
