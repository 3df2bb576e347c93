import Mesh
import Net

/// Whose turn it is in a rolling update to `target`, from the members' gossiped versions and
/// `deploy` announcements: one node at a time, the member with the lowest id not yet on the
/// target, and only while every member is alive and healthy (a suspect, dead or departed
/// member, one restarting or in its health gate, holds the rollout). A member announcing
/// `deploy/failed` for the target halts it everywhere until a new target is published.
struct RolloutPlan: Sendable, Equatable {
    struct Member: Sendable, Equatable {
        let id: String
        let state: MemberState
        let version: String
        /// False while the member says it is not ready for others to move (restarting, in its
        /// health gate, database not writable). Members that announce nothing count as healthy.
        var healthy: Bool = true
        /// The member's `deploy/failed` announcement, when it has one.
        var failed: RolloutHalt? = nil
    }

    enum Step: Sendable, Equatable {
        /// Every member runs the target.
        case done
        /// This member should install the target and restart now.
        case next(String)
        /// Nobody should move: why.
        case waiting(String)
        /// A member announced that the target failed its health gate: nobody moves.
        case halted(RolloutHalt)
    }

    let target: String
    let members: [Member]

    var step: Step {
        let sorted = members.sorted { $0.id < $1.id }
        if let halt = sorted.compactMap(\.failed).first(where: { $0.version == target }) { return .halted(halt) }
        guard let first = sorted.first(where: { $0.version != target }) else { return .done }
        if let troubled = sorted.first(where: { $0.state != .alive }) {
            return .waiting("member \(troubled.id) is \(troubled.state.rawValue); the rollout waits until every member is alive")
        }
        if let unhealthy = sorted.first(where: { !$0.healthy }) {
            return .waiting("member \(unhealthy.id) is not healthy (restarting or in its health gate); the rollout waits")
        }
        return .next(first.id)
    }

    init(target: String, members: [Member]) {
        self.target = target
        self.members = members
    }

    init(target: String, snapshot: MeshSnapshot) {
        self.init(target: target, members: snapshot.members.map {
            let deploy = $0.member.metadata.health[RolloutAnnouncement.key]
            return Member(id: $0.member.id, state: $0.member.state, version: $0.member.metadata.version,
                          healthy: deploy?["healthy"]?.boolValue ?? true, failed: deploy?["failed"].flatMap(RolloutHalt.init(json:)))
        })
    }

    var json: JSONValue {
        var fields: [String: JSONValue] = [
            "target": .string(target),
            "members": .array(members.sorted { $0.id < $1.id }.map {
                ["id": .string($0.id), "state": .string($0.state.rawValue), "version": .string($0.version),
                 "on_target": .bool($0.version == target), "healthy": .bool($0.healthy),
                 "failed": $0.failed?.json ?? .null]
            }),
        ]
        switch step {
        case .done: fields["step"] = "done"
        case .next(let id): fields["step"] = "next"; fields["next"] = .string(id)
        case .waiting(let reason): fields["step"] = "waiting"; fields["reason"] = .string(reason)
        case .halted(let halt): fields["step"] = "halted"; fields["reason"] = .string(halt.summary); fields["failed"] = halt.json
        }
        return .object(fields)
    }
}
