/// The SWIM/Lifeguard knobs. Defaults meet the targets on loopback: a `kill -9`ed
/// member is dead everywhere in about 2-3 s, a member stopped for 2 s is never declared dead
/// (the earliest suspicion comes one probe timeout plus one indirect round after it stopped,
/// and the shortest suspicion lasts `suspicionMultiplier` probe intervals on top).
public struct MembershipTiming: Sendable, Equatable {
    /// One member probed per interval (round robin over a shuffled list).
    public var probeInterval: Duration
    /// How long a direct probe waits for its ack before asking others.
    public var probeTimeout: Duration
    /// Members asked to probe indirectly.
    public var indirectChecks: Int
    /// Shortest suspicion = multiplier × max(1, log10(n)) × probe interval (Lifeguard's α).
    public var suspicionMultiplier: Int
    /// Longest suspicion (no confirmations) = this × the shortest (Lifeguard's β).
    public var suspicionMaxMultiplier: Int
    /// A full state exchange with one random linked member this often (and on every link open).
    public var syncInterval: Duration
    /// Gossip entries kept for piggybacking; the oldest most-sent ones go first.
    public var gossipQueueLimit: Int
    /// Entries piggybacked on one message.
    public var piggybackLimit: Int
    /// Each entry is piggybacked retransmitMultiplier × ceil(log10(n + 1)) times.
    public var retransmitMultiplier: Int
    /// Lifeguard local health: probe interval and timeout scale by (score + 1), score ≤ this.
    public var maxHealthScore: Int

    public init(probeInterval: Duration = .seconds(1), probeTimeout: Duration = .milliseconds(500), indirectChecks: Int = 3,
                suspicionMultiplier: Int = 2, suspicionMaxMultiplier: Int = 3, syncInterval: Duration = .seconds(30),
                gossipQueueLimit: Int = 256, piggybackLimit: Int = 16, retransmitMultiplier: Int = 4, maxHealthScore: Int = 8) {
        self.probeInterval = probeInterval
        self.probeTimeout = probeTimeout
        self.indirectChecks = indirectChecks
        self.suspicionMultiplier = suspicionMultiplier
        self.suspicionMaxMultiplier = suspicionMaxMultiplier
        self.syncInterval = syncInterval
        self.gossipQueueLimit = gossipQueueLimit
        self.piggybackLimit = piggybackLimit
        self.retransmitMultiplier = retransmitMultiplier
        self.maxHealthScore = maxHealthScore
    }
}
