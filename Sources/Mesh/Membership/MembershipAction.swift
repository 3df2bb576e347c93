/// What the membership state machine asks its driver to do.
public enum MembershipAction: Sendable, Equatable {
    /// Send `message` to member `to` over its link (dropped when there is none).
    case send(SwimMessage, to: String)
    /// A member's state or metadata changed (publish it; dial a new one, drop a gone one).
    case changed(Member)
}
