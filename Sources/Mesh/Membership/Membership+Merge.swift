/// Applying gossiped facts (piggybacked, pushed or from a full state exchange).
extension Membership {
    /// Merges updates received from the linked member `peer` under SWIM's rules, with the
    /// guards in the type's invariants (metadata only from its owner, third-party deaths as
    /// suspicions, bounded incarnation jumps, bounded table).
    mutating func merge(_ updates: [MemberUpdate], from peer: String, now: Duration) -> [MembershipAction] {
        var actions: [MembershipAction] = []
        for update in updates where Membership.isAcceptable(update) {
            actions += apply(update, from: peer, now: now)
        }
        return actions
    }

    mutating func apply(_ update: MemberUpdate, from peer: String, now: Duration) -> [MembershipAction] {
        let firstHand = update.id == peer
        if update.id == selfID { return aboutSelf(update, from: peer, now: now) }
        guard let known = members[update.id] else {
            return learn(update, firstHand: firstHand, from: peer, now: now)
        }
        if !firstHand, update.incarnation > known.incarnation, update.incarnation - known.incarnation > Membership.maxIncarnationJump {
            return []
        }
        switch update.state {
        case .alive:
            if !firstHand, known.metadata != .unknown, update.incarnation >= known.incarnation, let metadata = update.metadata {
                // Its address second-hand: a candidate, proven or dropped by a dial (`Membership+Addresses`).
                noteAddressCandidate(metadata.meshAddress, of: update.id, incarnation: update.incarnation)
            }
            if firstHand, update.incarnation == known.incarnation, known.state == .alive, let metadata = update.metadata,
               metadata != known.metadata {
                return ownMetadata(metadata, of: known, from: peer)
            }
            guard update.incarnation > known.incarnation || (known.metadata == .unknown && update.metadata != nil) else { return [] }
            var member = known
            member.incarnation = max(known.incarnation, update.incarnation)
            if let metadata = update.metadata {
                if firstHand || known.metadata == .unknown {
                    addressChanged(of: update.id, from: known.metadata.meshAddress, to: metadata.meshAddress,
                                   incarnation: member.incarnation)
                    member.metadata = metadata
                } else if update.incarnation > known.incarnation {
                    // In a sparse mesh most members hear a member's news second-hand: its health
                    // summary (tool catalog hash, providers) travels so; its addresses only as
                    // candidates (above), its version never.
                    member.metadata.health = metadata.health
                }
            }
            if member.state != .alive { member.since = now }
            member.state = .alive
            members[update.id] = member
            suspicions[update.id] = nil
            gossip.enqueue(member.update)
            var actions: [MembershipAction] = [.changed(member)]
            if firstHand { actions += pushToLinks(member.update, first: nil).filter { $0 != .send(.gossip([member.update]), to: peer) } }
            return actions
        case .suspect:
            return suspect(update.id, incarnation: update.incarnation, confirmer: peer, now: now, originated: false)
        case .dead:
            // One member's word is one confirmation, never a death (see the invariants).
            return suspect(update.id, incarnation: update.incarnation, confirmer: peer, now: now, originated: false)
        case .left:
            guard firstHand else {
                return suspect(update.id, incarnation: update.incarnation, confirmer: peer, now: now, originated: false, left: true)
            }
            guard update.incarnation >= known.incarnation, known.state != .left else { return [] }
            var member = known
            member.state = .left
            member.incarnation = update.incarnation
            member.since = now
            members[update.id] = member
            suspicions[update.id] = nil
            if probe?.target == update.id { probe = nil }
            gossip.enqueue(member.update)
            // Passed on at once: where links are sparse, most members hear it only this way.
            return [.changed(member)] + pushToLinks(member.update, first: nil).filter { $0 != .send(.gossip([member.update]), to: peer) }
        }
    }

    /// A member's own word at the incarnation we already hold, with other metadata: second-hand
    /// news of it (say, that it restarted on another port) raised its incarnation here before
    /// its link did. Its metadata is taken, nothing else: the state changes only as above. Like
    /// all first-hand news it is passed on at once.
    mutating func ownMetadata(_ metadata: MemberMetadata, of known: Member, from peer: String) -> [MembershipAction] {
        var member = known
        addressChanged(of: member.id, from: known.metadata.meshAddress, to: metadata.meshAddress, incarnation: known.incarnation)
        member.metadata = metadata
        members[member.id] = member
        gossip.enqueue(member.update)
        return [.changed(member)] + pushToLinks(member.update, first: nil).filter { $0 != .send(.gossip([member.update]), to: peer) }
    }

    /// A member we have not seen: only an alive claim with metadata adds it.
    mutating func learn(_ update: MemberUpdate, firstHand: Bool, from peer: String, now: Duration) -> [MembershipAction] {
        guard update.state == .alive, let metadata = update.metadata, members.count < Membership.maxMembers else { return [] }
        let member = Member(id: update.id, state: .alive, incarnation: update.incarnation, metadata: metadata, since: now)
        members[update.id] = member
        gossip.enqueue(member.update)
        var actions: [MembershipAction] = [.changed(member)]
        if firstHand { actions += pushToLinks(member.update, first: nil).filter { $0 != .send(.gossip([member.update]), to: peer) } }
        return actions
    }

    /// Claims about us: anything but "alive at our incarnation or below" is refuted. A stale
    /// claim (suspect or dead at an incarnation we already refuted) means `peer` missed the
    /// refutation (a lost message): it gets our current state straight back, so a lossy
    /// link cannot leave it suspecting us until its suspicion expires.
    mutating func aboutSelf(_ update: MemberUpdate, from peer: String, now: Duration) -> [MembershipAction] {
        guard let me = members[selfID], me.state == .alive else { return [] }
        switch update.state {
        case .alive:
            return update.incarnation > me.incarnation ? refute(incarnation: update.incarnation, now: now) : []
        case .suspect, .dead, .left:
            if update.incarnation >= me.incarnation { return refute(incarnation: update.incarnation, now: now) }
            return linked.contains(peer) ? [.send(.gossip([me.update]), to: peer)] : []
        }
    }

    /// Shape checks on a received update: sane id, incarnation and metadata sizes.
    static func isAcceptable(_ update: MemberUpdate) -> Bool {
        guard isValidNodeID(update.id), update.incarnation >= 0 else { return false }
        if let metadata = update.metadata {
            guard metadata.meshAddress.utf8.count <= 300, metadata.apiAddress.utf8.count <= 300,
                  metadata.version.utf8.count <= 64 else { return false }
        }
        return true
    }

    /// Node ids are 1-128 letters, digits, '-', '_' or '.'.
    public static func isValidNodeID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128 && id.utf8.allSatisfy { byte in
            byte == 0x2d || byte == 0x2e || byte == 0x5f || (0x30...0x39).contains(byte)
                || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
        }
    }
}
