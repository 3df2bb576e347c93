import Net

/// SWIM membership with the Lifeguard refinements, as a value type: every input (a message
/// from a link peer, a link opening or closing, a clock tick) returns the actions to take.
/// Time is passed in (`now`, on any monotonic base), so tests step it deterministically.
///
/// Invariants:
/// - `members[selfID]` always exists and is never suspect or dead in our own view.
/// - The sender of every message is the link's authenticated peer; claims about another
///   member never change that member's addresses or version once known (only its health
///   summary, at a higher incarnation; an address heard so is an unverified candidate until a
///   dial's certificate check proves it: `Membership+Addresses`), and a third party's "dead"
///   or "left" counts only as one suspicion (one Lifeguard confirmation), never as a death
///   (a passed-on "left" ends as left when the suspicion runs out).
/// - Incarnations only grow; a third party can raise a member's incarnation by at most
///   `maxIncarnationJump` at a time, so nobody can push one to the end of the range.
public struct Membership: Sendable {
    public let selfID: String
    public var timing: MembershipTiming
    public internal(set) var members: [String: Member] = [:]

    /// Members beyond this are refused: a flood of invented members cannot grow the table.
    public static let maxMembers = 1024
    static let maxIncarnationJump: Int64 = 64

    var gossip: GossipQueue
    /// Second-hand addresses not yet proven, by member: at most `maxAddressCandidates` each,
    /// and only for members in the table (so bounded by `maxMembers`).
    var unverifiedAddresses: [String: [PeerAddress]] = [:]
    /// The address each member was last seen to leave (one per member in the table).
    var leftAddresses: [String: LeftAddress] = [:]
    var suspicions: [String: Suspicion] = [:]
    /// Round-robin probe order (shuffled each pass) and where we are in it.
    var probeOrder: [String] = []
    var probeIndex = 0
    /// Members this node lost touch with (its link to them closed unexpectedly, or a dial of
    /// their address failed): in a sparse mesh, where the round robin visits linked members
    /// only, it keeps probing these too (indirectly, through its links) until a link to them
    /// is back or they are gone. Without this, a member killed just after its last news
    /// reached the others second-hand (a refutation, a restart's higher incarnation clearing
    /// the first suspicion) would stay alive in every view: nobody holds a link to probe it.
    /// Ids in `members` only.
    var watched: Set<String> = []
    /// Watched members to probe as soon as the probe in flight ends, ahead of the round robin.
    var probeNext: [String] = []
    /// The probe in flight, if any.
    var probe: Probe?
    /// Pings we sent for someone else's ping-req: our seq → (requester, their seq, deadline).
    var relays: [Int64: Relay] = [:]
    var nextSeq: Int64 = 1
    var nextProbeAt: Duration = .zero
    var nextSyncAt: Duration
    /// Lifeguard local health: 0 healthy; each missed nack or failed probe adds one.
    public internal(set) var healthScore = 0
    /// When `tick` last ran, and until when deaths are held after a gap in the ticks
    /// (this process was starved: see `noticeStarvation`).
    var lastTick: Duration?
    var deathsHeldUntil: Duration = .zero
    /// Linked members (the driver reports link open/close).
    public internal(set) var linked: Set<String> = []
    /// Above this many members (self included) nodes keep only a few links each (`LinkPolicy`)
    /// and probe only the members they are linked to: the others are probed by their own
    /// linked members, and their failures reach us by gossip.
    public var fullMeshLimit = LinkPolicy.Limits().fullMeshLimit
    var random: RandomSource

    struct Probe: Sendable, Equatable {
        var target: String
        var seq: Int64
        var start: Duration
        var indirectAt: Duration
        var deadline: Duration
        var indirectSent = false
        var expectedNacks = 0
        var nacks = 0
    }

    struct Relay: Sendable, Equatable {
        var requester: String
        var requesterSeq: Int64
        var deadline: Duration
    }

    public init(selfID: String, metadata: MemberMetadata, timing: MembershipTiming = .init(), now: Duration,
                seed: UInt64 = UInt64.random(in: 1...UInt64.max)) {
        self.selfID = selfID
        self.timing = timing
        gossip = GossipQueue(limit: timing.gossipQueueLimit)
        random = RandomSource(seed: seed)
        nextSyncAt = now + timing.syncInterval
        nextProbeAt = now + timing.probeInterval
        members[selfID] = Member(id: selfID, state: .alive, incarnation: 0, metadata: metadata, since: now)
    }

    public var me: Member { members[selfID] ?? Member(id: selfID, state: .alive, incarnation: 0, metadata: .unknown, since: .zero) }

    /// Members not gone, self included: what suspicion and retransmit scaling count.
    var liveCount: Int { members.values.filter { !$0.state.isGone }.count }

    /// Past the full-mesh limit: probes go to linked members only.
    public var isSparse: Bool { liveCount > fullMeshLimit }

    /// How many times each gossip entry is piggybacked.
    var maxTransmits: Int {
        var scale = 1, n = liveCount + 1
        while n >= 10 { scale += 1; n /= 10 }
        return timing.retransmitMultiplier * scale
    }

    /// Probe interval and timeout scaled by local health (Lifeguard LHA-probe).
    var scaledInterval: Duration { timing.probeInterval * (healthScore + 1) }
    var scaledTimeout: Duration { timing.probeTimeout * (healthScore + 1) }

    // MARK: - Links

    /// A link to `peer` opened: exchange full state, and if we are probing it, ask again.
    public mutating func linkOpened(_ peer: String, now: Duration) -> [MembershipAction] {
        guard peer != selfID else { return [] }
        linked.insert(peer)
        watched.remove(peer)
        return [.send(.sync(fullState(), reply: true), to: peer)]
    }

    /// The link to `peer` closed. A closed connection is a strong hint (a killed process
    /// resets its sockets), so probe it now instead of waiting for its turn; `unexpected` is
    /// false for a link closed on purpose (the link policy dropped it, or the peer said so).
    public mutating func linkClosed(_ peer: String, unexpected: Bool = true, now: Duration) -> [MembershipAction] {
        linked.remove(peer)
        return unexpected ? lostTouch(with: peer, now: now) : []
    }

    /// `peer` could not be reached (its link closed unexpectedly, or a dial of its address
    /// failed): probe it now, or right after the probe in flight, and keep watching it.
    public mutating func lostTouch(with peer: String, now: Duration) -> [MembershipAction] {
        guard peer != selfID, !linked.contains(peer), let member = members[peer], !member.state.isGone else { return [] }
        watched.insert(peer)
        guard probe?.target != peer else { return [] }
        if probe != nil {
            if !probeNext.contains(peer) { probeNext.append(peer) }
            return []
        }
        return startProbe(of: peer, now: now)
    }

    /// Every known member's current view, for a full state exchange.
    func fullState() -> [MemberUpdate] { members.values.map(\.update) }

    // MARK: - Leave

    /// Graceful leave: mark ourselves left at a higher incarnation and tell every linked member.
    public mutating func leave(now: Duration) -> [MembershipAction] {
        guard var me = members[selfID], me.state != .left else { return [] }
        me.incarnation = me.incarnation.addingReportingOverflow(1).overflow ? me.incarnation : me.incarnation + 1
        me.state = .left
        me.since = now
        members[selfID] = me
        let update = me.update
        return [.changed(me)] + linked.sorted().map { .send(.gossip([update]), to: $0) }
    }

    /// Our own health summary changed (providers, load): bump the incarnation so it spreads.
    public mutating func updateSelf(metadata: MemberMetadata, now: Duration) -> [MembershipAction] {
        guard var me = members[selfID], me.state == .alive, me.metadata != metadata else { return [] }
        me.metadata = metadata
        me.incarnation = min(me.incarnation, Int64.max - 1) + 1
        members[selfID] = me
        gossip.enqueue(me.update)
        return [.changed(me)]
    }
}

/// A small deterministic generator (SplitMix64), so tests can seed the probe order.
struct RandomSource: Sendable, RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Membership {
    /// Declares a member dead on our own authority (its certificate was revoked): no
    /// suspicion period, and the death spreads like any other.
    public mutating func expel(_ id: String, now: Duration) -> [MembershipAction] {
        guard id != selfID, var member = members[id], !member.state.isGone else { return [] }
        member.state = .suspect
        members[id] = member
        suspicions[id] = Suspicion(start: now, minimum: .zero, maximum: .zero, expected: 0, firstConfirmer: selfID)
        return declareDead(id, now: now)
    }
}
