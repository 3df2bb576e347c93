/// Written to the data dir just before this node execs a new release and removed once the
/// release passes its health gate (then `current` switches) or fails it. Whoever starts with
/// the record present knows a trial is unfinished: the trial release itself runs the gate; any
/// other release (systemd restarted `current` = the old one after a crash) records the failure.
struct RolloutTrial: Codable, Sendable, Equatable {
    /// The release on trial.
    var version: String
    /// The release that ran before it (still `current`).
    var previous: String
    /// Unix milliseconds when the trial began (replication must be heard from after this).
    var startedAtMilliseconds: Int64
    /// Members alive when the trial began: the restarted node must see them all again.
    var members: [String]

    enum CodingKeys: String, CodingKey {
        case version, previous, members
        case startedAtMilliseconds = "started_at_ms"
    }
}
