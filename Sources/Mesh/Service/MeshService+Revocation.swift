public import Net
import Logging

/// Revocations across the mesh. A node holding the CA key (an authority) pushes its full
/// revocation list to every link when it changes and when a link opens; members take it only
/// from the authorities they know by node id (the hub recorded at join), store it (so the
/// handshake hook refuses those certificates) and drop any link using a revoked certificate.
extension MeshService {
    /// Most serials one list may carry.
    static let maxRevocations = 10_000

    public func setRevocationSink(_ sink: @escaping @Sendable ([String]) async -> Void) { revocationSink = sink }

    /// The current revocation set (from the refresher): drop links using revoked certificates,
    /// declare their members dead here, and (as an authority) tell everyone when it changed.
    public func revoked(_ serials: Set<String>) {
        let changed = serials != revokedSerials
        revokedSerials = serials
        for (peer, entry) in links {
            guard let serial = entry.serial, serials.contains(serial) else { continue }
            logger.notice("mesh: dropping revoked member", metadata: ["peer": "\(peer)", "serial": "\(serial)"])
            entry.transport.close()
            links[peer] = nil
            failCalls(to: peer)
            perform(membership.linkClosed(peer, now: now()))
            perform(membership.expel(peer, now: now()))
        }
        if changed, configuration.isAuthority {
            let message = revocationMessage()
            for entry in links.values { entry.transport.send(message) }
        }
    }

    func revocationMessage() -> String {
        JSONRPC.notification("mesh/revocations", ["serials": .array(revokedSerials.sorted().map(JSONValue.string))]).jsonText
    }

    /// A revocation list from a linked member; ignored unless it is a known authority.
    public func receiveRevocations(_ params: JSONValue?, from peer: String) async {
        guard configuration.authorities.contains(peer), links[peer] != nil,
              let items = params?["serials"]?.arrayValue, items.count <= Self.maxRevocations else { return }
        let serials = items.compactMap(\.stringValue).filter { MeshCertificateStore.normalizedSerial($0) == $0 }
        let fresh = serials.filter { !revokedSerials.contains($0) }
        guard !fresh.isEmpty else { return }
        logger.notice("mesh: revocations received", metadata: ["from": "\(peer)", "count": "\(fresh.count)"])
        await revocationSink?(fresh)
        revoked(revokedSerials.union(fresh))
    }
}
