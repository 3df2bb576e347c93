import Mesh
import Net

/// Whose turn it is in a rolling update to `target`, from the members' gossiped versions:
/// one node at a time, the member with the lowest id not yet on the target, and only while
/// every member is alive (a suspect, dead or departed member, or one restarting, holds the
/// rollout). Read-only: it tells an operator (and `triforce sync config`) what to do next.
struct RolloutPlan: Sendable, Equatable {
    struct Member: Sendable, Equatable {
        let id: String
        let state: MemberState
        let version: String
    }

    enum Step: Sendable, Equatable {
        /// Every member runs the target.
        case done
        /// This member should install the target and restart now.
        case next(String)
        /// Nobody should move: why.
        case waiting(String)
    }

    let target: String
    let members: [Member]

    var step: Step {
        let behind = members.filter { $0.version != target }.sorted { $0.id < $1.id }
        guard let first = behind.first else { return .done }
        if let troubled = members.sorted(by: { $0.id < $1.id }).first(where: { $0.state != .alive }) {
            return .waiting("member \(troubled.id) is \(troubled.state.rawValue); the rollout waits until every member is alive")
        }
        return .next(first.id)
    }

    init(target: String, members: [Member]) {
        self.target = target
        self.members = members
    }

    init(target: String, snapshot: MeshSnapshot) {
        self.init(target: target, members: snapshot.members.map {
            Member(id: $0.member.id, state: $0.member.state, version: $0.member.metadata.version)
        })
    }

    var json: JSONValue {
        var fields: [String: JSONValue] = [
            "target": .string(target),
            "members": .array(members.sorted { $0.id < $1.id }.map {
                ["id": .string($0.id), "state": .string($0.state.rawValue), "version": .string($0.version),
                 "on_target": .bool($0.version == target)]
            }),
        ]
        switch step {
        case .done: fields["step"] = "done"
        case .next(let id): fields["step"] = "next"; fields["next"] = .string(id)
        case .waiting(let reason): fields["step"] = "waiting"; fields["reason"] = .string(reason)
        }
        return .object(fields)
    }
}
