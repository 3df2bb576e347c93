public import FoundationEssentials

/// Per origin, the newest `hlc` of that origin's writes a node holds. Two nodes whose vectors
/// are equal need not pull; the difference per origin is the replication lag in time.
public struct VersionVector: Sendable, Equatable, Codable {
    public var entries: [String: HLC]

    public init(_ entries: [String: HLC] = [:]) { self.entries = entries }

    public subscript(origin: String) -> HLC? { entries[origin] }

    /// True when this vector has seen everything `other` has, origin by origin.
    public func covers(_ other: VersionVector) -> Bool {
        other.entries.allSatisfy { origin, hlc in (entries[origin] ?? HLC(rawValue: 0)) >= hlc }
    }

    /// How far this vector trails `other`: the largest per-origin gap in milliseconds.
    public func lagMilliseconds(behind other: VersionVector) -> UInt64 {
        other.entries.reduce(0) { worst, entry in
            let mine = entries[entry.key]?.milliseconds ?? 0
            return entry.value.milliseconds > mine ? max(worst, entry.value.milliseconds - mine) : worst
        }
    }

    /// Per origin, the smallest value every vector reached (what all of them acknowledged);
    /// an origin missing from any vector is acknowledged by none.
    public static func minimum(of vectors: [VersionVector]) -> VersionVector {
        guard let first = vectors.first else { return VersionVector() }
        var result = first.entries
        for vector in vectors.dropFirst() {
            for (origin, hlc) in result {
                if let other = vector.entries[origin] { result[origin] = min(hlc, other) } else { result[origin] = nil }
            }
        }
        return VersionVector(result)
    }

    /// `{"origin": hlc}` with HLCs as their signed 64-bit storage values.
    public var storageJSON: String {
        let plain = entries.mapValues(\.storageValue)
        guard let data = try? JSONEncoder().encode(plain) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    public init(storageJSON: String) {
        let plain = (try? JSONDecoder().decode([String: Int64].self, from: Data(storageJSON.utf8))) ?? [:]
        self.init(plain.mapValues(HLC.init(storageValue:)))
    }

    public init(from decoder: any Decoder) throws {
        let plain = try [String: Int64](from: decoder)
        self.init(plain.mapValues(HLC.init(storageValue:)))
    }

    public func encode(to encoder: any Encoder) throws {
        try entries.mapValues(\.storageValue).encode(to: encoder)
    }
}
