public import Logging
import Glibc
import FoundationEssentials

/// A swift-log handler writing one structured line per entry to stderr and into a `LogRing`.
/// Format: `2026-11-27T17:00:00.123Z info triforce.http: message key=value`.
public struct RingLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let ring: LogRing
    let writesToStderr: Bool

    public init(label: String, ring: LogRing, level: Logger.Level, writesToStderr: Bool = true) {
        self.label = label
        self.ring = ring
        self.logLevel = level
        self.writesToStderr = writesToStderr
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let flat = merged.mapValues { "\($0)" }
        let now = Date()
        ring.append(.init(timestamp: now.timeIntervalSince1970, level: event.level.rawValue, label: label,
                          message: "\(event.message)", metadata: flat))
        guard writesToStderr else { return }
        let fields = flat.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quoted($0.value))" }.joined(separator: " ")
        let line = "\(now.formatted(Self.timestampStyle)) \(event.level.rawValue) \(label): \(event.message)\(fields.isEmpty ? "" : " " + fields)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    /// Milliseconds: the mesh's timings (a join, a death) are read from these lines.
    static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func quoted(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) ? "\"" + value.replacing("\"", with: "\\\"") + "\"" : value
    }
}
