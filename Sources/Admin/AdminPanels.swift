public import Net

/// Where the console's mesh, replication and guardian panels get their data: the seam the
/// wiring plugs features into. A nil source means the feature does not exist on this node
/// (yet), and the panel says "not configured" instead of inventing data.
public struct AdminPanels: Sendable {
    public typealias Source = @Sendable () async throws -> JSONValue

    public var mesh: Source?
    public var replication: Source?
    public var guardian: Source?

    public init(mesh: Source? = nil, replication: Source? = nil, guardian: Source? = nil) {
        self.mesh = mesh
        self.replication = replication
        self.guardian = guardian
    }

    /// `{"mesh": {"configured": true, "data": ...}, "replication": {"configured": false, ...}, ...}`.
    /// A source that fails reports its error in its panel; the others still render.
    func report() async -> JSONValue {
        var panels: [String: JSONValue] = [:]
        for (name, source) in [("mesh", mesh), ("replication", replication), ("guardian", guardian)] {
            guard let source else {
                panels[name] = ["configured": false, "detail": "not configured on this node"]
                continue
            }
            do {
                panels[name] = ["configured": true, "data": try await source()]
            } catch {
                panels[name] = ["configured": true, "error": .string("\(error)")]
            }
        }
        return .object(panels)
    }
}
