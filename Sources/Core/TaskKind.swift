/// The kinds of work `auto` routing tells apart; each has a route in the `routes` table.
/// One vocabulary for every caller: `task:NAME` models, `triforce route`, the MCP
/// `specialist` tool (through the `ChatBackend` seam).
public enum TaskKind: String, Sendable, CaseIterable, Equatable, Hashable {
    case code, creative, research, math, general
}
