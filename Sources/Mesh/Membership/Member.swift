public import Net

/// A member's place in the SWIM life cycle. `left` is a graceful leave, `dead` a failure.
public enum MemberState: String, Sendable, Equatable, CaseIterable {
    case alive, suspect, dead, left

    /// Dead and left members are not probed, not dialed and not counted as online.
    public var isGone: Bool { self == .dead || self == .left }
}

/// What a member says about itself. Only the member itself may change these once known
/// (a third party's claim is taken only for a member not yet known, and the link check then
/// proves or disproves it: the certificate must name that node). A third party's news of a
/// new mesh address is a candidate until a dial proves it (`Membership+Addresses`).
public struct MemberMetadata: Sendable, Equatable {
    /// `host:port` of its mesh listener.
    public var meshAddress: String
    /// `host:port` (or URL) of its HTTP API.
    public var apiAddress: String
    public var version: String
    /// Unix seconds when its process started.
    public var startedAt: Int64
    /// A small health summary (providers usable, load); later issues extend it.
    public var health: JSONValue

    public init(meshAddress: String, apiAddress: String, version: String, startedAt: Int64, health: JSONValue = [:]) {
        self.meshAddress = meshAddress
        self.apiAddress = apiAddress
        self.version = version
        self.startedAt = startedAt
        self.health = health
    }

    public static let unknown = MemberMetadata(meshAddress: "", apiAddress: "", version: "", startedAt: 0)
}

/// One member as this node sees it.
public struct Member: Sendable, Equatable {
    public var id: String
    public var state: MemberState
    public var incarnation: Int64
    public var metadata: MemberMetadata
    /// When the state last changed, on the membership's clock.
    public var since: Duration
    /// Round trip of the last direct probe answered, in milliseconds.
    public var rttMilliseconds: Double?

    public init(id: String, state: MemberState, incarnation: Int64, metadata: MemberMetadata, since: Duration,
                rttMilliseconds: Double? = nil) {
        self.id = id
        self.state = state
        self.incarnation = incarnation
        self.metadata = metadata
        self.since = since
        self.rttMilliseconds = rttMilliseconds
    }

    /// The gossip entry that states this member's current view.
    var update: MemberUpdate {
        MemberUpdate(id: id, state: state, incarnation: incarnation, metadata: state == .alive ? metadata : nil)
    }
}

/// One gossiped fact: "member `id` is `state` at `incarnation`" (alive ones carry metadata).
public struct MemberUpdate: Sendable, Equatable {
    public var id: String
    public var state: MemberState
    public var incarnation: Int64
    public var metadata: MemberMetadata?

    public init(id: String, state: MemberState, incarnation: Int64, metadata: MemberMetadata? = nil) {
        self.id = id
        self.state = state
        self.incarnation = incarnation
        self.metadata = metadata
    }
}
