public import FoundationEssentials

/// One SQLite value, as bound to a statement or read from a row.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

extension SQLValue {
    /// Strict accessors (no conversion), handy on `Connection.scalar`: nil unless the value
    /// has exactly this storage class.
    public var int64: Int64? { if case .integer(let v) = self { v } else { nil } }
    public var double: Double? { if case .real(let v) = self { v } else { nil } }
    public var string: String? { if case .text(let v) = self { v } else { nil } }
    public var data: Data? { if case .blob(let v) = self { v } else { nil } }
    public var isNull: Bool { self == .null }
}

/// A Swift value that can be bound as a statement parameter.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension SQLValue: SQLBindable {
    public var sqlValue: SQLValue { self }
}
extension Int: SQLBindable {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
}
extension Int64: SQLBindable {
    public var sqlValue: SQLValue { .integer(self) }
}
extension UInt64: SQLBindable {
    /// Stored bit-for-bit: HLC values use all 64 bits.
    public var sqlValue: SQLValue { .integer(Int64(bitPattern: self)) }
}
extension Double: SQLBindable {
    public var sqlValue: SQLValue { .real(self) }
}
extension Bool: SQLBindable {
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
}
extension String: SQLBindable {
    public var sqlValue: SQLValue { .text(self) }
}
extension Substring: SQLBindable {
    public var sqlValue: SQLValue { .text(String(self)) }
}
extension Data: SQLBindable {
    public var sqlValue: SQLValue { .blob(self) }
}
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}
