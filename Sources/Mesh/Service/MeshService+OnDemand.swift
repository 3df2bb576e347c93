import Logging
import Net

/// Calls to members this node keeps no link to. Above the full-mesh limit a node links to a
/// few members only, yet a tool, a chat or a catalog may live on any member: a call to one it
/// is not linked to dials that member first (mTLS, the certificate must name it) and rides the
/// new link, which the link policy closes once it has been unused for `linkIdleLimit`.
/// Calls are not relayed through other members: a direct link keeps the caller's identity
/// proven by its certificate, and costs one handshake per idle period. The member is dialed
/// at its known address and its unverified candidates side by side (`MeshService+Dial`), so
/// a call reaches a member that moved while this node heard of it only second-hand.
extension MeshService {
    /// Longest wait for an on-demand link (within the call's own timeout).
    static let onDemandDialLimit: Duration = .seconds(10)

    /// The link a call to `peer` rides: the open one, or one dialed now.
    func linkForCall(to peer: String, within limit: Duration) async throws(MeshError) -> LinkEntry {
        if let entry = links[peer] { return entry }
        guard !stopped else { throw MeshError(.link, "this node is leaving the mesh") }
        let addresses = membership.dialAddresses(of: peer)
        guard client != nil, let member = membership.members[peer], !member.state.isGone, !addresses.isEmpty else {
            throw MeshError(.link, "\(peer) is not linked")
        }
        guard linkPolicy.acceptsLink(whileHolding: links.count) else {
            throw MeshError(.link, "\(peer) is not linked and this node holds its limit of \(configuration.maxLinks) links")
        }
        let time = now()
        let due = addresses.filter { dialing.contains($0) || (retries[$0]?.nextAttempt ?? .zero) <= time }
        guard !due.isEmpty else { throw MeshError(.link, "\(peer) is not linked and its last dial failed; retrying later") }
        let start = due.filter { !dialing.contains($0) }
        if !start.isEmpty {
            logger.info("mesh: dialing a member for a call", metadata: ["peer": "\(peer)", "addresses": "\(start.count)"])
        }
        for address in start {
            dialing.insert(address)
            Task { await self.dial(address, expected: peer) }
        }
        await waitForLink(to: peer, within: min(limit, Self.onDemandDialLimit))
        guard let entry = links[peer] else { throw MeshError(.link, "\(peer) is not linked and dialing it failed") }
        return entry
    }

    /// Suspends until a link to `peer` opens, its dial fails, or `limit` passes.
    func waitForLink(to peer: String, within limit: Duration) async {
        nextWaiterID += 1
        let waiter = nextWaiterID
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            linkWaiters[peer, default: [:]][waiter] = continuation
            Task { [weak self] in
                try? await Task.sleep(for: limit)
                await self?.endLinkWait(peer, waiter: waiter)
            }
        }
    }

    /// Wakes the calls waiting for a link to `peer` (one of them, given `waiter`).
    func endLinkWait(_ peer: String, waiter: Int? = nil) {
        if let waiter {
            linkWaiters[peer]?.removeValue(forKey: waiter)?.resume()
            if linkWaiters[peer]?.isEmpty == true { linkWaiters[peer] = nil }
            return
        }
        guard let waiting = linkWaiters.removeValue(forKey: peer) else { return }
        for continuation in waiting.values { continuation.resume() }
    }
}
