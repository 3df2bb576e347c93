public import FoundationEssentials

/// One result row. Columns are looked up by name; typed accessors convert the way SQLite
/// would (an integer column read as Double, text read as blob) and return nil for NULL.
public struct Row: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public subscript(_ name: String) -> SQLValue {
        guard let index = columns.firstIndex(of: name) else { return .null }
        return values[index]
    }

    public subscript(_ index: Int) -> SQLValue {
        values.indices.contains(index) ? values[index] : .null
    }

    public func int(_ name: String) -> Int64? {
        switch self[name] {
        case .integer(let v): v
        case .real(let v): Int64(exactly: v.rounded(.towardZero))
        case .text(let v): Int64(v)
        default: nil
        }
    }

    public func double(_ name: String) -> Double? {
        switch self[name] {
        case .integer(let v): Double(v)
        case .real(let v): v
        case .text(let v): Double(v)
        default: nil
        }
    }

    public func string(_ name: String) -> String? {
        switch self[name] {
        case .text(let v): v
        case .integer(let v): String(v)
        case .real(let v): String(v)
        case .blob(let v): String(decoding: v, as: UTF8.self)
        case .null: nil
        }
    }

    public func data(_ name: String) -> Data? {
        switch self[name] {
        case .blob(let v): v
        case .text(let v): Data(v.utf8)
        default: nil
        }
    }

    public func bool(_ name: String) -> Bool? {
        int(name).map { $0 != 0 }
    }

    /// An `hlc INTEGER` column.
    public func hlc(_ name: String) -> HLC? {
        guard case .integer(let v) = self[name] else { return nil }
        return HLC(storageValue: v)
    }
}
