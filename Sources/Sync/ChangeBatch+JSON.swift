public import Net
public import Storage
import FoundationEssentials

/// The wire form of a change batch (`sync/push`, `sync/changes`): column names once per
/// table, then each row as `[table, value...]`. Blobs travel as `{"b64": ...}`. Every number
/// is checked on the way in (`Int64(exactly:)` via `intValue`).
extension ChangeBatch {
    public var json: JSONValue {
        var columns: [String: JSONValue] = [:]
        var rows: [JSONValue] = []
        rows.reserveCapacity(self.rows.count)
        for row in self.rows {
            if columns[row.table] == nil { columns[row.table] = .array(row.columns.map(JSONValue.string)) }
            rows.append(.array([.string(row.table)] + row.values.map(Self.json)))
        }
        return ["epoch": .string(epoch), "after": .int(after), "through": .int(through), "now_ms": .int(senderMilliseconds),
                "schema": .int(Int64(schemaVersion)), "more": .bool(more), "columns": .object(columns), "rows": .array(rows)]
    }

    public init(json: JSONValue) throws(SyncError) {
        guard let epoch = json["epoch"]?.stringValue, let after = json["after"]?.intValue, let through = json["through"]?.intValue,
              let now = json["now_ms"]?.intValue, let schema = json["schema"]?.intValue, let version = Int(exactly: schema),
              let columns = json["columns"]?.objectValue, let rows = json["rows"]?.arrayValue, after >= 0, through >= 0 else {
            throw SyncError(.malformed, "change batch lacks epoch, after, through, now_ms, schema, columns or rows")
        }
        var names: [String: [String]] = [:]
        for (table, list) in columns {
            guard let list = list.arrayValue?.compactMap(\.stringValue), !list.isEmpty else {
                throw SyncError(.malformed, "change batch: columns of \(table) are not a list of names")
            }
            names[table] = list
        }
        var decoded: [ReplicatedRow] = []
        decoded.reserveCapacity(rows.count)
        for row in rows {
            guard let items = row.arrayValue, let table = items.first?.stringValue, let columns = names[table],
                  items.count == columns.count + 1 else {
                throw SyncError(.malformed, "change batch: a row is not [table, one value per column]")
            }
            var values: [SQLValue] = []
            values.reserveCapacity(columns.count)
            for item in items.dropFirst() { values.append(try Self.sqlValue(item)) }
            decoded.append(ReplicatedRow(table: table, columns: columns, values: values))
        }
        self.init(epoch: epoch, after: after, through: through, rows: decoded, senderMilliseconds: now, schemaVersion: version,
                  more: json["more"]?.boolValue ?? false)
    }

    static func json(_ value: SQLValue) -> JSONValue {
        switch value {
        case .null: .null
        case .integer(let v): .int(v)
        case .real(let v): .double(v)
        case .text(let v): .string(v)
        case .blob(let v): ["b64": .string(v.base64EncodedString())]
        }
    }

    static func sqlValue(_ json: JSONValue) throws(SyncError) -> SQLValue {
        switch json {
        case .null: return .null
        case .int(let v): return .integer(v)
        case .double(let v): return .real(v)
        case .string(let v): return .text(v)
        case .bool(let v): return .integer(v ? 1 : 0)
        case .object(let object):
            guard let text = object["b64"]?.stringValue, let data = Data(base64Encoded: text) else {
                throw SyncError(.malformed, "change batch: an object value is not {\"b64\": base64}")
            }
            return .blob(data)
        case .array:
            throw SyncError(.malformed, "change batch: a column value is an array")
        }
    }
}

extension VersionVector {
    public var json: JSONValue { .object(entries.mapValues { .int($0.storageValue) }) }

    public static let maxOrigins = 4_096

    public init(json: JSONValue?) throws(SyncError) {
        guard let object = json?.objectValue else { throw SyncError(.malformed, "version vector is not an object") }
        // One entry per node that ever wrote: a peer's vector of 90,000 made-up origins would be
        // merged, spread to every node, and scanned per origin in every tombstone collection.
        guard object.count <= Self.maxOrigins else {
            throw SyncError(.malformed, "version vector has \(object.count) origins; at most \(Self.maxOrigins)")
        }
        var entries: [String: HLC] = [:]
        for (origin, value) in object {
            guard !origin.isEmpty, origin.utf8.count <= 64 else { throw SyncError(.malformed, "version vector origin is not a node id") }
            guard let hlc = value.intValue, hlc >= 0 else { throw SyncError(.malformed, "version vector entry \(origin) is not an hlc") }
            entries[origin] = HLC(storageValue: hlc)
        }
        self.init(entries)
    }
}

extension SnapshotManifest {
    public func json(id: String) -> JSONValue {
        ["id": .string(id), "epoch": .string(epoch), "seq": .int(seq), "vector": vector.json, "schema": .int(Int64(schemaVersion)),
         "size": .int(size), "sha256": .string(sha256), "collected_through": collectedThrough.map { .int($0.storageValue) } ?? .null]
    }

    /// The manifest and the sender's id for the file.
    static func decode(_ json: JSONValue) throws(SyncError) -> (id: String, manifest: SnapshotManifest) {
        guard let id = json["id"]?.stringValue, let epoch = json["epoch"]?.stringValue, let seq = json["seq"]?.intValue,
              let schema = json["schema"]?.intValue, let version = Int(exactly: schema), let size = json["size"]?.intValue,
              let sha = json["sha256"]?.stringValue, size >= 0, seq >= 0,
              !id.isEmpty, id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw SyncError(.malformed, "snapshot manifest lacks id, epoch, seq, schema, size or sha256")
        }
        return (id, SnapshotManifest(epoch: epoch, seq: seq, vector: try VersionVector(json: json["vector"]), schemaVersion: version,
                                     size: size, sha256: sha, collectedThrough: json["collected_through"]?.intValue.map(HLC.init(storageValue:))))
    }
}
