/// The membership protocol's messages. They travel as JSON-RPC notifications on a link
/// (`SwimMessage+JSON`); the sender is always the link's authenticated peer, never a field.
public enum SwimMessage: Sendable, Equatable {
    /// Direct probe: answer with `ack` carrying the same sequence number.
    case ping(seq: Int64, gossip: [MemberUpdate])
    case ack(seq: Int64, gossip: [MemberUpdate])
    /// "Probe `target` for me": answer `ack` if it answers, `nack` if it does not in time.
    case pingRequest(seq: Int64, target: String, gossip: [MemberUpdate])
    case nack(seq: Int64)
    /// Updates pushed at once (joins, suspicions, deaths, refutations, leaves).
    case gossip([MemberUpdate])
    /// Full state exchange; `reply` asks the peer to answer with its own.
    case sync([MemberUpdate], reply: Bool)
}
