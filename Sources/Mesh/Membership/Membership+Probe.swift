/// The failure detector: probe rounds, indirect probes, Lifeguard local health, suspicion
/// deadlines and the periodic full state exchange, all advanced by `tick`.
extension Membership {
    /// Advances time: finishes or escalates the probe in flight, starts the next one, expires
    /// relays and suspicions, and schedules the periodic sync. Call it often (every ~50 ms).
    public mutating func tick(now: Duration) -> [MembershipAction] {
        var actions: [MembershipAction] = []
        noticeStarvation(now: now)
        actions += advanceProbe(now: now)
        if probe == nil, let target = takeProbeNext() {
            actions += startProbe(of: target, now: now)
        } else if probe == nil, now >= nextProbeAt {
            nextProbeAt = now + scaledInterval
            if let target = nextProbeTarget() { actions += startProbe(of: target, now: now) }
            actions += remindSuspects()
        }
        for (seq, relay) in relays where now >= relay.deadline {
            relays[seq] = nil
            actions.append(.send(.nack(seq: relay.requesterSeq), to: relay.requester))
        }
        for (id, suspicion) in suspicions where now >= suspicion.deadline && now >= deathsHeldUntil {
            actions += declareDead(id, now: now)
        }
        if now >= nextSyncAt {
            nextSyncAt = now + timing.syncInterval
            if let peer = linked.sorted().randomElement(using: &random) {
                actions.append(.send(.sync(fullState(), reply: true), to: peer))
            }
        }
        return actions
    }

    /// A gap between ticks longer than a probe timeout means this process could not run
    /// (stopped, or starved by a saturated CPU): the acks and refutations that arrived
    /// meanwhile are still queued, unread. Its own timers are not to be trusted now
    /// (Lifeguard's local health): deaths wait one probe interval, the probe in flight gets
    /// a fresh timeout, and the local health score rises (slower probing for a while).
    mutating func noticeStarvation(now: Duration) {
        defer { lastTick = now }
        guard let last = lastTick, now - last > timing.probeTimeout else { return }
        deathsHeldUntil = now + timing.probeInterval
        adjustHealth(+1)
        if var current = probe {
            current.indirectAt = max(current.indirectAt, now + (current.indirectSent ? .zero : scaledTimeout))
            current.deadline = max(current.deadline, now + scaledTimeout)
            probe = current
        }
    }

    /// The first watched member still worth probing that waited for the probe in flight.
    mutating func takeProbeNext() -> String? {
        while !probeNext.isEmpty {
            let id = probeNext.removeFirst()
            if watched.contains(id), let member = members[id], !member.state.isGone, !linked.contains(id) { return id }
        }
        return nil
    }

    /// The next member to probe: a shuffled pass over every member not gone (in a sparse
    /// mesh, over the linked and the watched ones).
    mutating func nextProbeTarget() -> String? {
        let linkedOnly = isSparse
        for _ in 0..<2 {
            while probeIndex < probeOrder.count {
                let id = probeOrder[probeIndex]
                probeIndex += 1
                guard id != selfID, let member = members[id], !member.state.isGone else {
                    watched.remove(id)
                    continue
                }
                if !linkedOnly || linked.contains(id) || watched.contains(id) { return id }
            }
            probeOrder = members.keys.filter { $0 != selfID }.sorted().shuffled(using: &random)
            probeIndex = 0
        }
        return nil
    }

    mutating func startProbe(of target: String, now: Duration) -> [MembershipAction] {
        let seq = takeSeq()
        var started = Probe(target: target, seq: seq, start: now, indirectAt: now + scaledTimeout,
                            deadline: now + max(scaledInterval, scaledTimeout * 2))
        if linked.contains(target) {
            probe = started
            return [.send(.ping(seq: seq, gossip: takeGossip()), to: target)]
        }
        // No link: nothing to send directly, go straight to the indirect round.
        started.indirectAt = now
        probe = started
        return advanceProbe(now: now)
    }

    mutating func advanceProbe(now: Duration) -> [MembershipAction] {
        guard var current = probe else { return [] }
        if !current.indirectSent, now >= current.indirectAt {
            current.indirectSent = true
            let helpers = linked.filter { $0 != current.target && members[$0]?.state == .alive }
                .sorted().shuffled(using: &random).prefix(max(0, timing.indirectChecks))
            current.expectedNacks = helpers.count
            probe = current
            let updates = takeGossip()
            var actions: [MembershipAction] = helpers.map {
                .send(.pingRequest(seq: current.seq, target: current.target, gossip: updates), to: $0)
            }
            if helpers.isEmpty { actions += failProbe(now: now) }
            return actions
        }
        if now >= current.deadline { return failProbe(now: now) }
        return []
    }

    /// The probe got no ack: suspect the target; missing nacks mean we are the slow one.
    mutating func failProbe(now: Duration) -> [MembershipAction] {
        guard let current = probe else { return [] }
        probe = nil
        let missing = current.expectedNacks - current.nacks
        if missing > 0 || current.expectedNacks == 0 { adjustHealth(+1) }
        guard let member = members[current.target], member.state == .alive || member.state == .suspect else { return [] }
        return suspect(current.target, incarnation: member.incarnation, confirmer: selfID, now: now, originated: true)
    }

    mutating func adjustHealth(_ delta: Int) {
        healthScore = min(max(0, healthScore + delta), timing.maxHealthScore)
    }

    mutating func takeSeq() -> Int64 {
        let seq = nextSeq
        nextSeq = nextSeq == Int64.max ? 1 : nextSeq + 1
        return seq
    }

    /// Piggybacked gossip for one outgoing probe message (mutating: counts transmissions).
    mutating func takeGossip() -> [MemberUpdate] {
        gossip.take(timing.piggybackLimit, maxTransmits: maxTransmits)
    }

    // MARK: - Incoming probe traffic

    /// One message from the linked, authenticated member `peer`.
    public mutating func receive(_ message: SwimMessage, from peer: String, now: Duration) -> [MembershipAction] {
        guard peer != selfID else { return [] }
        var actions: [MembershipAction] = []
        switch message {
        case .ping(let seq, let updates):
            actions += merge(updates, from: peer, now: now)
            actions.append(.send(.ack(seq: seq, gossip: takeGossip()), to: peer))
        case .ack(let seq, let updates):
            actions += merge(updates, from: peer, now: now)
            actions += acknowledged(seq: seq, by: peer, now: now)
        case .pingRequest(let seq, let target, let updates):
            actions += merge(updates, from: peer, now: now)
            actions += relayProbe(for: peer, seq: seq, target: target, now: now)
        case .nack(let seq):
            if var current = probe, current.seq == seq, current.indirectSent {
                current.nacks += 1
                probe = current
                // Every helper says the target is unreachable: no need to wait out the round.
                if current.nacks >= current.expectedNacks { actions += failProbe(now: now) }
            }
        case .gossip(let updates):
            actions += merge(updates, from: peer, now: now)
        case .sync(let updates, let reply):
            actions += merge(updates, from: peer, now: now)
            if reply { actions.append(.send(.sync(fullState(), reply: false), to: peer)) }
        }
        return actions
    }

    mutating func acknowledged(seq: Int64, by peer: String, now: Duration) -> [MembershipAction] {
        if let relay = relays.removeValue(forKey: seq) {
            return [.send(.ack(seq: relay.requesterSeq, gossip: takeGossip()), to: relay.requester)]
        }
        guard let current = probe, current.seq == seq else { return [] }
        probe = nil
        adjustHealth(-1)
        if peer == current.target, var member = members[peer] {
            member.rttMilliseconds = Double((now - current.start).components.attoseconds) / 1e15
                + Double((now - current.start).components.seconds) * 1000
            members[peer] = member
        }
        return []
    }

    mutating func relayProbe(for requester: String, seq: Int64, target: String, now: Duration) -> [MembershipAction] {
        guard target != selfID else { return [.send(.ack(seq: seq, gossip: takeGossip()), to: requester)] }
        guard linked.contains(target), relays.count < 256 else { return [.send(.nack(seq: seq), to: requester)] }
        let ours = takeSeq()
        // Answer before the requester's own round ends (Lifeguard: nack at 80% of the timeout).
        relays[ours] = Relay(requester: requester, requesterSeq: seq, deadline: now + timing.probeTimeout * 0.8)
        return [.send(.ping(seq: ours, gossip: takeGossip()), to: target)]
    }

    // MARK: - Suspicion and death

    /// Starts or confirms a suspicion of `id` at `incarnation`. `originated` pushes it to every
    /// linked member at once (we detected it), otherwise it only rides on probes. `left`: the
    /// claim passed on the member's own graceful leave.
    mutating func suspect(_ id: String, incarnation: Int64, confirmer: String, now: Duration,
                          originated: Bool, left: Bool = false) -> [MembershipAction] {
        guard var member = members[id], incarnation >= member.incarnation, !member.state.isGone else { return [] }
        if id == selfID { return refute(incarnation: incarnation, now: now) }
        if member.state == .suspect, incarnation == member.incarnation, var running = suspicions[id] {
            _ = running.confirm(confirmer)
            running.claimedLeft = running.claimedLeft || left
            suspicions[id] = running
            return []
        }
        member.state = .suspect
        member.incarnation = incarnation
        member.since = now
        members[id] = member
        let (minimum, maximum) = Suspicion.bounds(timing: timing, members: liveCount)
        let expected = min(max(0, timing.indirectChecks), max(0, liveCount - 2))
        var suspicion = Suspicion(start: now, minimum: minimum, maximum: maximum, expected: expected, firstConfirmer: confirmer)
        suspicion.claimedLeft = left
        if confirmer != selfID { _ = suspicion.confirm(selfID) }
        suspicions[id] = suspicion
        let update = member.update
        gossip.enqueue(update)
        var actions: [MembershipAction] = [.changed(member)]
        // Lifeguard's buddy system: tell the suspect itself first so it can refute.
        if originated { actions += pushToLinks(update, first: id) }
        return actions
    }

    /// The suspicion of `id` ran out: it is dead (or left, when that is what was passed on).
    mutating func declareDead(_ id: String, now: Duration) -> [MembershipAction] {
        let claimedLeft = suspicions.removeValue(forKey: id)?.claimedLeft == true
        guard var member = members[id], member.state == .suspect else { return [] }
        member.state = claimedLeft ? .left : .dead
        member.since = now
        members[id] = member
        if probe?.target == id { probe = nil }
        let update = member.update
        gossip.enqueue(update)
        return [.changed(member)] + pushToLinks(update, first: nil)
    }

    /// Lifeguard's buddy system, repeated: once per probe round every member we suspect and
    /// still have a link to hears the suspicion again. One lost message (the first push, or
    /// the refutation) then costs a round, not a false death: the suspect refutes, or answers
    /// a stale suspicion with its current state (`aboutSelf`).
    func remindSuspects() -> [MembershipAction] {
        suspicions.keys.sorted().compactMap { id in
            guard linked.contains(id), let member = members[id], member.state == .suspect else { return nil }
            return .send(.gossip([member.update]), to: id)
        }
    }

    /// Someone suspects or buries us: take a higher incarnation and say so everywhere.
    mutating func refute(incarnation: Int64, now: Duration) -> [MembershipAction] {
        guard var me = members[selfID], me.state == .alive else { return [] }
        let floor = max(me.incarnation, incarnation)
        me.incarnation = floor == Int64.max ? floor : floor + 1
        members[selfID] = me
        let update = me.update
        gossip.enqueue(update)
        return pushToLinks(update, first: nil)
    }

    func pushToLinks(_ update: MemberUpdate, first: String?) -> [MembershipAction] {
        var order = linked.sorted()
        if let first, let index = order.firstIndex(of: first) { order.swapAt(0, index) }
        return order.map { .send(.gossip([update]), to: $0) }
    }
}
