/// Address news heard second-hand. A member's mesh address changes in our view on its own
/// word (first-hand, over its link) or when a dial proves the new one, never on a third
/// party's word: in a sparse mesh most members hear that a member moved (restarted on another
/// port) only second-hand, so the address they hear is kept as an unverified candidate. The
/// driver dials a member's candidates beside its known address wherever it needs a link to
/// it (`MeshService+Dial`, `+OnDemand`); a candidate becomes the address only when that dial
/// completes the mTLS handshake and the certificate names the member. A false claim costs one
/// failed dial (the candidate is dropped), never a changed view.
extension Membership {
    /// Unverified addresses kept per member; a newer one pushes out the oldest.
    static let maxAddressCandidates = 2

    /// The member's known mesh address, when it parses.
    public func address(of id: String) -> PeerAddress? {
        members[id].flatMap { PeerAddress($0.metadata.meshAddress) }
    }

    /// Addresses heard second-hand for `id`, not yet proven, oldest first.
    public func addressCandidates(of id: String) -> [PeerAddress] {
        unverifiedAddresses[id] ?? []
    }

    /// Where to dial `id`: its known address, then its candidates.
    public func dialAddresses(of id: String) -> [PeerAddress] {
        (address(of: id).map { [$0] } ?? []) + addressCandidates(of: id)
    }

    /// Keeps `text`, heard at `incarnation`, as a candidate address of the known member `id`
    /// (the update carrying it passed `isAcceptable`, so it is at most 300 bytes). Not kept:
    /// its current address, our own, what does not parse, and the address we saw it leave,
    /// heard at no newer incarnation (members that never proved the move gossip that one).
    mutating func noteAddressCandidate(_ text: String, of id: String, incarnation: Int64) {
        guard let candidate = PeerAddress(text), candidate != address(of: id), candidate != address(of: selfID) else { return }
        if let left = leftAddresses[id], left.address == candidate, incarnation <= left.incarnation { return }
        var candidates = unverifiedAddresses[id] ?? []
        guard !candidates.contains(candidate) else { return }
        candidates.append(candidate)
        if candidates.count > Membership.maxAddressCandidates { candidates.removeFirst(candidates.count - Membership.maxAddressCandidates) }
        unverifiedAddresses[id] = candidates
    }

    /// A dial to `address` completed the mTLS handshake and the certificate names `id`: a
    /// candidate becomes its address (and spreads, as a candidate to those who hear it).
    /// An address that was never a candidate changes nothing.
    public mutating func addressVerified(_ address: PeerAddress, of id: String) -> [MembershipAction] {
        guard id != selfID, var member = members[id], addressCandidates(of: id).contains(address) else { return [] }
        addressChanged(of: id, from: member.metadata.meshAddress, to: address.description, incarnation: member.incarnation)
        member.metadata.meshAddress = address.description
        members[id] = member
        gossip.enqueue(member.update)
        return [.changed(member)]
    }

    /// A dial to `address` failed or reached another node: if it was a candidate, it is gone.
    public mutating func addressFailed(_ address: PeerAddress, of id: String) {
        dropAddressCandidate(address, of: id)
    }

    /// Bookkeeping when a member's address changes (its own word, or a proven candidate) at
    /// `incarnation`: the new one is no candidate any more, the old one is remembered as left.
    mutating func addressChanged(of id: String, from old: String, to new: String, incarnation: Int64) {
        let left = PeerAddress(old), arrived = PeerAddress(new)
        dropAddressCandidate(arrived, of: id)
        if let left, left != arrived { leftAddresses[id] = LeftAddress(address: left, incarnation: incarnation) }
    }

    mutating func dropAddressCandidate(_ address: PeerAddress?, of id: String) {
        guard let address, var candidates = unverifiedAddresses[id] else { return }
        candidates.removeAll { $0 == address }
        unverifiedAddresses[id] = candidates.isEmpty ? nil : candidates
    }
}

/// The address a member was last seen to leave, and at which incarnation.
struct LeftAddress: Sendable, Equatable {
    var address: PeerAddress
    var incarnation: Int64
}
