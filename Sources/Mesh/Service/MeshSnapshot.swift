public import Net
import FoundationEssentials

/// The mesh as this node sees it, for `GET /v1/admin/mesh`, `triforce mesh status`,
/// `mesh/stats`, the `status` tool and `/health`.
public struct MeshSnapshot: Sendable {
    public struct Entry: Sendable {
        public var member: Member
        /// Unix seconds of the last state change.
        public var since: Double
        public var linked: Bool
    }

    public var selfID: String
    public var members: [Entry]
    public var healthScore: Int

    public var online: Int { members.filter { $0.member.state == .alive || $0.member.state == .suspect }.count }

    /// `{"self": ID, "members": [{"id", "state", "address", "api", "incarnation", "rtt_ms", "version", "since"}]}`
    public var json: JSONValue {
        ["self": .string(selfID),
         "members": .array(members.map { entry in
             let member = entry.member
             return ["id": .string(member.id), "state": .string(member.state.rawValue),
                     "address": .string(member.metadata.meshAddress), "api": .string(member.metadata.apiAddress),
                     "incarnation": .int(member.incarnation),
                     "rtt_ms": member.rttMilliseconds.map { .double(($0 * 1000).rounded() / 1000) } ?? .null,
                     "version": .string(member.metadata.version), "since": .double((entry.since * 1000).rounded() / 1000),
                     "linked": .bool(entry.linked), "health": member.metadata.health]
         })]
    }

    /// Counts by state, for summaries.
    public var counts: JSONValue {
        var counts: [String: JSONValue] = [:]
        for state in MemberState.allCases {
            counts[state.rawValue] = .int(Int64(members.filter { $0.member.state == state }.count))
        }
        return .object(counts)
    }
}

extension MeshService {
    public func snapshot() -> MeshSnapshot {
        let current = now()
        let entries = membership.members.values.sorted { $0.id < $1.id }.map { member in
            let age = current - member.since
            let ageSeconds = Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18
            return MeshSnapshot.Entry(member: member, since: Date.nowSeconds - ageSeconds,
                                      linked: member.id == nodeID || links[member.id] != nil)
        }
        return MeshSnapshot(selfID: nodeID, members: entries, healthScore: membership.healthScore)
    }

    /// What `mesh/stats` answers, on the mesh port and on /v1/mcp.
    /// `peers` counts the other members; `members` lists them.
    public func stats(caller: MeshCaller? = nil, certificate: PeerCertificate? = nil) -> JSONValue {
        let view = snapshot()
        let others = view.members.filter { $0.member.id != nodeID }
        var result: [String: JSONValue] = [
            "self": .string(nodeID), "node_id": .string(nodeID), "nodes": .int(Int64(view.members.count)),
            "online": .int(Int64(view.online)), "peers": .int(Int64(others.count)), "links": .int(Int64(links.count)),
            "connections": .int(Int64(openLinkRuns)), "states": view.counts,
            "uptime_seconds": .double(((Date.nowSeconds - startedWall) * 1000).rounded() / 1000),
            "health_score": .int(Int64(view.healthScore)), "revoked_serials": .int(Int64(revokedSerials.count)),
            "members": .array(others.map { entry in
                ["id": .string(entry.member.id), "state": .string(entry.member.state.rawValue),
                 "address": .string(entry.member.metadata.meshAddress)]
            }),
        ]
        if let caller {
            var described: [String: JSONValue] = [
                "node_id": certificate?.nodeID.map(JSONValue.string) ?? .null,
                "common_name": certificate?.commonName.map(JSONValue.string) ?? .null,
                "serial": certificate.map { .string($0.serialHex) } ?? .null,
            ]
            switch caller {
            case .member: described["role"] = "member"
            case .client: described["role"] = "client"
            case .anonymous: described["role"] = "anonymous"
            }
            result["caller"] = .object(described)
        }
        return .object(result)
    }
}

extension Date {
    static var nowSeconds: Double { Date().timeIntervalSince1970 }
}
