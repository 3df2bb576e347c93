/// One replicated row as it travels between nodes: the table, and every column's value in
/// the table's column order (`columns` names them, so a receiver checks the shape).
public struct ReplicatedRow: Sendable, Equatable {
    public let table: String
    public let columns: [String]
    public let values: [SQLValue]

    public init(table: String, columns: [String], values: [SQLValue]) {
        self.table = table
        self.columns = columns
        self.values = values
    }

    public func value(_ column: String) -> SQLValue {
        columns.firstIndex(of: column).map { values[$0] } ?? .null
    }

    public var hlc: HLC? { value("hlc").int64.map(HLC.init(storageValue:)) }
    public var origin: String? { value("origin").string }
}

/// A page of a node's change log: the rows whose log seq lies in `(after, through]`, in seq
/// order, the sender's log epoch, and its wall clock when it sent them (for the skew check).
public struct ChangeBatch: Sendable, Equatable {
    public var epoch: String
    public var after: Int64
    public var through: Int64
    public var rows: [ReplicatedRow]
    public var senderMilliseconds: Int64
    public var schemaVersion: Int
    /// True when the sender has more rows after `through` (a pull continues).
    public var more: Bool

    public init(epoch: String, after: Int64, through: Int64, rows: [ReplicatedRow], senderMilliseconds: Int64,
                schemaVersion: Int, more: Bool) {
        self.epoch = epoch
        self.after = after
        self.through = through
        self.rows = rows
        self.senderMilliseconds = senderMilliseconds
        self.schemaVersion = schemaVersion
        self.more = more
    }
}

/// What applying a batch did.
public struct ApplyOutcome: Sendable, Equatable {
    /// Rows that replaced or created a stored row (the rest lost on (hlc, origin)).
    public var applied: Int
    public var received: Int
    /// The peer's cursor after this batch (unchanged when the batch left a gap).
    public var cursor: Int64
}

/// Why a peer's batch was refused as a whole (nothing of it applied).
public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case clockSkew = "clock_skew"
        case schemaMismatch = "schema_mismatch"
        case malformed
    }
    public let reason: Reason
    public let message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason.rawValue): \(message)" }
}
