/// A hybrid logical clock timestamp: 48 bits of Unix milliseconds, 16 bits of counter.
/// Ordering is the integer ordering, so it sorts and compares correctly in SQLite too.
public struct HLC: Comparable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(milliseconds: UInt64, counter: UInt16) {
        rawValue = (milliseconds & 0xFFFF_FFFF_FFFF) << 16 | UInt64(counter)
    }

    /// Reads a value stored by `storageValue`.
    public init(storageValue: Int64) { rawValue = UInt64(bitPattern: storageValue) }

    public var milliseconds: UInt64 { rawValue >> 16 }
    public var counter: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    /// The value stored in `hlc INTEGER` columns (bit pattern preserved). It stays positive,
    /// so SQLite orders it like `rawValue`, while milliseconds fit in 47 bits (until the year
    /// 6429).
    public var storageValue: Int64 { Int64(bitPattern: rawValue) }

    public static func < (lhs: HLC, rhs: HLC) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "\(milliseconds).\(counter)" }

    /// Last-writer-wins rule for replicated rows: greater (hlc, origin) wins.
    public static func wins(_ a: (HLC, String), over b: (HLC, String)) -> Bool {
        a.0 != b.0 ? a.0 > b.0 : a.1 > b.1
    }
}

extension HLC: SQLBindable {
    public var sqlValue: SQLValue { .integer(storageValue) }
}

/// Encoded as its signed 64-bit storage value, like `VersionVector` entries.
extension HLC: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(storageValue: try decoder.singleValueContainer().decode(Int64.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(storageValue)
    }
}
