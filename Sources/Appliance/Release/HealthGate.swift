import Mesh
import Storage

/// The health gate a release on trial must pass before it becomes `current`: it serves, it
/// has rejoined the mesh (every member alive when the trial began is alive and linked again),
/// replication has caught up (each of those members was heard from since the trial began and
/// nothing it offered is left unpulled), and then it stays serving with a writable database for
/// `hold`. Reaching the entry conditions may take up to `timeout`; once holding, any local
/// problem fails the gate at once. A value type fed observations, so the rules are testable
/// without clocks: the service calls `observe` about twice a second.
struct HealthGate: Sendable, Equatable {
    enum Verdict: Sendable, Equatable {
        case pending(String)
        case passed
        case failed(String)
    }

    let hold: Duration
    let timeout: Duration
    /// When observation began, on the caller's clock.
    let start: Duration
    /// When every condition first held (nil: not yet).
    private(set) var healthySince: Duration?
    private(set) var lastProblem = "not observed yet"

    init(hold: Duration, timeout: Duration, start: Duration) {
        self.hold = hold
        self.timeout = timeout
        self.start = start
    }

    /// `entry`: a problem with serving, rejoining or replication (nil: none);
    /// `local`: a problem with this node itself (not serving, database), checked in the hold.
    mutating func observe(entry: String?, local: String?, at now: Duration) -> Verdict {
        if let healthySince {
            if let local { return .failed("became unhealthy \(Self.seconds(now - healthySince)) s into the \(Self.seconds(hold)) s hold: \(local)") }
            return now - healthySince >= hold ? .passed : .pending("healthy for \(Self.seconds(now - healthySince)) of \(Self.seconds(hold)) s")
        }
        if let problem = local ?? entry {
            lastProblem = problem
            return now - start >= timeout ? .failed("not healthy within \(Self.seconds(timeout)) s: \(problem)") : .pending(problem)
        }
        healthySince = now
        return hold <= .zero ? .passed : .pending("healthy; holding for \(Self.seconds(hold)) s")
    }

    static func seconds(_ duration: Duration) -> Int64 { duration.components.seconds }

    /// What replication knows of one peer (from `PeerSyncState`).
    struct Replication: Sendable, Equatable {
        var heardMilliseconds: Int64
        var lagRows: Int64
    }

    static func replication(_ states: [PeerSyncState]) -> [String: Replication] {
        Dictionary(states.map { ($0.peer, Replication(heardMilliseconds: $0.heardMilliseconds, lagRows: $0.lagRows)) },
                   uniquingKeysWith: { first, _ in first })
    }

    /// The rejoin and replication conditions, from the mesh view and the replication peers.
    static func entryProblem(trial: RolloutTrial, selfID: String, snapshot: MeshSnapshot,
                             peers: [String: Replication]?) -> String? {
        let members = Dictionary(snapshot.members.map { ($0.member.id, $0) }, uniquingKeysWith: { first, _ in first })
        let expected = trial.members.filter { $0 != selfID }.sorted()
        for id in expected {
            guard let entry = members[id] else { return "has not rejoined: member \(id) is not known yet" }
            guard entry.member.state == .alive, entry.linked else {
                return "has not rejoined: member \(id) is \(entry.member.state.rawValue)\(entry.linked ? "" : ", not linked")"
            }
        }
        guard let peers else { return expected.isEmpty ? nil : "replication status unavailable" }
        for id in expected {
            guard let state = peers[id], state.heardMilliseconds >= trial.startedAtMilliseconds else {
                return "replication: not heard from \(id) since the restart"
            }
            guard state.lagRows == 0 else { return "replication: \(state.lagRows) rows from \(id) not pulled yet" }
        }
        return nil
    }
}
