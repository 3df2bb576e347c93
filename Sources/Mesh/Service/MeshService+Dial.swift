import Logging
import Net

/// Keeping links up: configured peers always, learned members as `LinkPolicy` says (all of
/// them up to `fullMeshLimit` members, a stable random `sparseLinks` above), each address
/// redialed with jittered backoff.
///
/// A wanted member is dialed at its known address and, side by side, at the unverified
/// addresses heard second-hand (`Membership+Addresses`): the first handshake whose
/// certificate names the member wins the link, and a candidate proven so becomes its address.
/// Candidates are tried only where a link to the member is needed (here, for the members the
/// link policy wants; on demand, for a call), never by probes: a sparse node probes only its
/// linked members, so a moved member is probed once a dial has found it.
extension MeshService {
    /// Dials of a member that fail in a row before the link policy chooses another instead.
    static let failedDialsBeforeReplacing = 3
    /// Addresses whose backoff is kept. Past this, those not wanted now lose theirs: candidate
    /// addresses come from gossip, so a flood of false ones cannot grow the table.
    static let retriesLimit = 4096

    func reconcileDials(at time: Duration) {
        guard client != nil else { return }
        var wanted: [PeerAddress: String?] = [:]
        for address in configuration.peers { wanted[address] = .some(nil) }
        // Not linked to anyone: the members an earlier run knew are the way back in.
        if links.isEmpty { for address in remembered where wanted[address] == nil { wanted[address] = .some(nil) } }
        for id in planLinks(at: time).dial {
            if let address = membership.address(of: id) { wanted[address] = id }
            for candidate in membership.addressCandidates(of: id) where wanted[candidate] == nil {
                // Another name of this node is no address of theirs (no dial needed to know).
                if selfAddresses.contains(candidate) { membership.addressFailed(candidate, of: id) } else { wanted[candidate] = id }
            }
        }
        if retries.count > Self.retriesLimit { retries = retries.filter { wanted[$0.key] != nil || dialing.contains($0.key) } }
        for (address, expected) in wanted {
            guard !selfAddresses.contains(address), !dialing.contains(address) else { continue }
            if let owner = expected ?? addressOwners[address], links[owner] != nil { continue }
            if let retry = retries[address], retry.nextAttempt > time { continue }
            dialing.insert(address)
            Task { await self.dial(address, expected: expected) }
        }
    }

    /// Asks the link policy what to dial and closes the links it no longer wants.
    func planLinks(at time: Duration) -> LinkPolicy.Plan {
        let live = membership.members.values.filter { !$0.state.isGone && $0.id != nodeID }
        let busy = Set(pendingCalls.values.map(\.peer)).union(requestsInFlight.keys)
        let states = Dictionary(uniqueKeysWithValues: links.map { peer, entry in
            (peer, LinkPolicy.LinkState(outbound: entry.outbound, busy: busy.contains(peer), lastUsed: entry.lastUsed))
        })
        // A member with a candidate never dialed yet is not given up on: it may have moved.
        let failing = Set(live.filter { member in
            guard links[member.id] == nil, let address = membership.address(of: member.id),
                  !membership.addressCandidates(of: member.id).contains(where: { retries[$0] == nil }) else { return false }
            return (retries[address]?.backoff.attempts ?? 0) >= Self.failedDialsBeforeReplacing
        }.map(\.id))
        let plan = linkPolicy.plan(live: live.map(\.id), links: states, keep: Set(configuration.peers.compactMap { addressOwners[$0] }),
                                   failing: failing, now: time, random: &random)
        for peer in plan.close { retire(peer) }
        return plan
    }

    /// Closes a link the policy no longer wants. The peer hears first that it is on purpose,
    /// so neither side takes the close for a failure and probes.
    func retire(_ peer: String) {
        guard var entry = links[peer] else { return }
        entry.retiring = true
        links[peer] = entry
        entry.transport.send(JSONRPC.notification(Self.unlinkMethod, [:]).jsonText)
        entry.transport.close()
        logger.info("mesh: closing an unused link", metadata: ["peer": "\(peer)"])
    }

    /// Notification: "I am closing this link on purpose".
    static let unlinkMethod = "mesh/unlink"

    /// The peer is closing the link on purpose (its link policy dropped it).
    func peerRetiring(_ peer: String) {
        links[peer]?.retiring = true
    }

    func dial(_ address: PeerAddress, expected: String?) async {
        guard let client, !stopped else { dialFailed(address, expected: expected, retry: false); return }
        do throws(MeshError) {
            let connection = try await client.connect(to: address)
            guard let peer = connection.peer, let id = peer.nodeID else {
                connection.close()
                throw MeshError(.protocolViolation, "\(address): its certificate names no node")
            }
            if id == nodeID {
                connection.close()
                selfAddresses.insert(address)
                dialFailed(address, expected: expected, retry: false)
                return
            }
            if let expected, expected != id {
                connection.close()
                throw MeshError(.protocolViolation, "\(address): certificate names \(id), gossip said \(expected)")
            }
            // The certificate names `id`: if `address` was only a candidate, it is its address now.
            let verified = membership.addressVerified(address, of: id)
            if !verified.isEmpty {
                logger.notice("mesh: member's new address verified", metadata: ["member": "\(id)", "address": "\(address)"])
                perform(verified)
            }
            addressOwners[address] = id
            let transport = WebSocketTransport(peerID: id)
            dialing.remove(address)
            guard let token = linkOpened(transport, outbound: true, serial: peer.serialHex) else {
                connection.close()
                // Refused here (at the link limit) or a duplicate that lost: not again at once.
                dialFailed(address, expected: expected, retry: true)
                return
            }
            let openedAt = now()
            linkRunStarted()
            Task {
                try? await connection.run(outbound: transport.items) { text in
                    _ = await MeshSession(service: self, caller: .member(id), transport: transport).received(text)
                }
                transport.close()
                await self.linkClosed(id, token: token)
                await self.dialedLinkEnded(address, openedAt: openedAt)
                await self.linkRunEnded()
            }
        } catch {
            dialFailed(address, expected: expected, retry: true)
            logger.debug("mesh: dial failed", metadata: ["address": "\(address)", "error": "\(error)"])
            // Its known address failed (a candidate failing says nothing): the member may be
            // gone, and in a sparse mesh nobody else may hold a link to notice.
            if let owner = expected ?? addressOwners[address], membership.address(of: owner) == address {
                perform(membership.lostTouch(with: owner, now: now()))
            }
        }
    }

    /// A dial ended without a link: a candidate address is dropped, waiting calls give up once
    /// no other address of the member is being dialed, and the address waits its backoff (so a
    /// false candidate heard again is not redialed before then).
    func dialFailed(_ address: PeerAddress, expected: String?, retry: Bool) {
        dialing.remove(address)
        if let expected {
            membership.addressFailed(address, of: expected)
            if !membership.dialAddresses(of: expected).contains(where: { dialing.contains($0) }) { endLinkWait(expected) }
        }
        if retry { scheduleRetry(address) }
    }

    func scheduleRetry(_ address: PeerAddress) {
        var retry = retries[address] ?? Retry()
        retry.nextAttempt = now() + retry.backoff.next(using: &random)
        retries[address] = retry
    }

    /// A link this node dialed closed. One that lived was a success (the backoff starts
    /// over); one the peer closed at once (its link limit, a duplicate) counts as a failed
    /// dial, so a peer that keeps refusing is redialed ever more slowly, not every tick.
    func dialedLinkEnded(_ address: PeerAddress, openedAt: Duration) {
        if now() - openedAt < Self.shortLinkLimit { scheduleRetry(address) } else { retries[address] = nil }
    }
}
