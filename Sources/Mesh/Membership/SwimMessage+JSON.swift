public import Net

/// SWIM messages as JSON-RPC notifications (`mesh/ping`, `mesh/ack`, `mesh/ping-req`,
/// `mesh/nack`, `mesh/gossip`, `mesh/sync`). Decoding is strict and bounded: a malformed or
/// oversized message is nil (the caller drops it), never a crash.
extension SwimMessage {
    public static let methods: Set<String> = ["mesh/ping", "mesh/ack", "mesh/ping-req", "mesh/nack", "mesh/gossip", "mesh/sync"]
    /// Most updates one piggyback or push may carry.
    static let maxPiggyback = 64

    public var notification: JSONValue {
        switch self {
        case .ping(let seq, let gossip):
            JSONRPC.notification("mesh/ping", ["seq": .int(seq), "gossip": .array(gossip.map(\.json))])
        case .ack(let seq, let gossip):
            JSONRPC.notification("mesh/ack", ["seq": .int(seq), "gossip": .array(gossip.map(\.json))])
        case .pingRequest(let seq, let target, let gossip):
            JSONRPC.notification("mesh/ping-req", ["seq": .int(seq), "target": .string(target), "gossip": .array(gossip.map(\.json))])
        case .nack(let seq):
            JSONRPC.notification("mesh/nack", ["seq": .int(seq)])
        case .gossip(let updates):
            JSONRPC.notification("mesh/gossip", ["updates": .array(updates.map(\.json))])
        case .sync(let members, let reply):
            JSONRPC.notification("mesh/sync", ["members": .array(members.map(\.json)), "reply": .bool(reply)])
        }
    }

    /// The message a notification carries; nil when it is not a well-formed SWIM message.
    public static func decode(method: String, params: JSONValue?) -> SwimMessage? {
        let seq = params?["seq"]?.intValue
        func updates(_ key: String, limit: Int) -> [MemberUpdate]? {
            guard let items = params?[key]?.arrayValue ?? (params?[key] == nil ? [] : nil), items.count <= limit else { return nil }
            return items.compactMap(MemberUpdate.init(json:))
        }
        switch method {
        case "mesh/ping":
            guard let seq, let gossip = updates("gossip", limit: maxPiggyback) else { return nil }
            return .ping(seq: seq, gossip: gossip)
        case "mesh/ack":
            guard let seq, let gossip = updates("gossip", limit: maxPiggyback) else { return nil }
            return .ack(seq: seq, gossip: gossip)
        case "mesh/ping-req":
            guard let seq, let target = params?["target"]?.stringValue, let gossip = updates("gossip", limit: maxPiggyback) else { return nil }
            return .pingRequest(seq: seq, target: target, gossip: gossip)
        case "mesh/nack":
            guard let seq else { return nil }
            return .nack(seq: seq)
        case "mesh/gossip":
            guard let list = updates("updates", limit: maxPiggyback) else { return nil }
            return .gossip(list)
        case "mesh/sync":
            guard let list = updates("members", limit: Membership.maxMembers) else { return nil }
            return .sync(list, reply: params?["reply"]?.boolValue ?? false)
        default:
            return nil
        }
    }
}

extension MemberUpdate {
    var json: JSONValue {
        var object: [String: JSONValue] = ["id": .string(id), "state": .string(state.rawValue), "inc": .int(incarnation)]
        if let metadata { object["meta"] = metadata.json }
        return .object(object)
    }

    init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let state = json["state"]?.stringValue.flatMap(MemberState.init(rawValue:)),
              let incarnation = json["inc"]?.intValue else { return nil }
        self.init(id: id, state: state, incarnation: incarnation, metadata: json["meta"].flatMap(MemberMetadata.init(json:)))
    }
}

extension MemberMetadata {
    public var json: JSONValue {
        ["mesh": .string(meshAddress), "api": .string(apiAddress), "version": .string(version),
         "started": .int(startedAt), "health": health]
    }

    public init?(json: JSONValue) {
        guard let mesh = json["mesh"]?.stringValue, let api = json["api"]?.stringValue,
              let version = json["version"]?.stringValue, let started = json["started"]?.intValue else { return nil }
        let health = json["health"] ?? [:]
        // The health summary is small by contract; a big one is dropped, not stored.
        self.init(meshAddress: mesh, apiAddress: api, version: version, startedAt: started,
                  health: health.jsonText.utf8.count <= 1024 ? health : [:])
    }
}
