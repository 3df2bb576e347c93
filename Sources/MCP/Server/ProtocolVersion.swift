/// The MCP revisions this server speaks, oldest first. `stateless` (2026-07-28) has no
/// handshake: each request names its version in `_meta`.
public enum ProtocolVersion {
    public static let handshake = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]
    public static let stateless = "2026-07-28"
    public static let latestHandshake = "2025-11-25"
    /// What a request without `MCP-Protocol-Version` is assumed to speak (transport spec).
    public static let assumedWithoutHeader = "2025-03-26"
    public static let all = handshake + [stateless]

    /// The spec's rule: answer with the client's version when supported, else our latest.
    /// A client asking for the stateless revision through `initialize` gets the latest
    /// handshake revision, since the stateless one has no initialize.
    public static func negotiate(_ requested: String?) -> String {
        guard let requested, handshake.contains(requested) else { return latestHandshake }
        return requested
    }

    /// Batches exist only in 2025-03-26 (added there, removed in 2025-06-18).
    public static func allowsBatch(_ version: String) -> Bool { version == "2025-03-26" }

    /// `_meta` key carrying the per-request version in the stateless revision.
    public static let metaVersionKey = "io.modelcontextprotocol/protocolVersion"
    public static let metaCapabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
}
