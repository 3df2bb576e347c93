import Logging
import Net

/// Keeping links up: configured peers always, learned members while they are alive or
/// suspect (all of them up to `fullMeshLimit` members, a random `sparseLinks` above).
extension MeshService {
    func reconcileDials(at time: Duration) {
        guard client != nil else { return }
        var wanted: [PeerAddress: String?] = [:]
        for address in configuration.peers { wanted[address] = .some(nil) }
        // Not linked to anyone: the members an earlier run knew are the way back in.
        if links.isEmpty { for address in remembered where wanted[address] == nil { wanted[address] = .some(nil) } }
        let live = membership.members.values.filter { !$0.state.isGone && $0.id != nodeID }
        let sparse = live.count + 1 > configuration.fullMeshLimit
        for member in live.shuffled(using: &random) where links[member.id] == nil {
            if sparse, links.count + dialing.count >= configuration.sparseLinks { break }
            if let address = PeerAddress(member.metadata.meshAddress) { wanted[address] = member.id }
        }
        for (address, expected) in wanted {
            guard !selfAddresses.contains(address), !dialing.contains(address) else { continue }
            if let owner = expected ?? addressOwners[address], links[owner] != nil { continue }
            if let retry = retries[address], retry.nextAttempt > time { continue }
            dialing.insert(address)
            Task { await self.dial(address, expected: expected) }
        }
    }

    func dial(_ address: PeerAddress, expected: String?) async {
        guard let client, !stopped else { dialing.remove(address); return }
        do throws(MeshError) {
            let connection = try await client.connect(to: address)
            guard let peer = connection.peer, let id = peer.nodeID else {
                connection.close()
                throw MeshError(.protocolViolation, "\(address): its certificate names no node")
            }
            if id == nodeID {
                connection.close()
                selfAddresses.insert(address)
                dialing.remove(address)
                return
            }
            if let expected, expected != id {
                connection.close()
                throw MeshError(.protocolViolation, "\(address): certificate names \(id), gossip said \(expected)")
            }
            addressOwners[address] = id
            let transport = WebSocketTransport(peerID: id)
            dialing.remove(address)
            guard let token = linkOpened(transport, outbound: true, serial: peer.serialHex) else {
                connection.close()
                return
            }
            retries[address] = nil
            linkRunStarted()
            Task {
                try? await connection.run(outbound: transport.items) { text in
                    _ = await MeshSession(service: self, caller: .member(id), transport: transport).received(text)
                }
                transport.close()
                await self.linkClosed(id, token: token)
                await self.linkRunEnded()
            }
        } catch {
            dialing.remove(address)
            var retry = retries[address] ?? Retry()
            let delay = retry.backoff.next(using: &random)
            retry.nextAttempt = now() + delay
            retries[address] = retry
            logger.debug("mesh: dial failed", metadata: ["address": "\(address)", "error": "\(error)", "retry_in": "\(delay)"])
        }
    }
}
