import Net

/// One JSON object of a config file, read field by field. Every error names the file and
/// the field (`tiers.json: pro.requests_per_hour: ...`); fields nobody asked for are
/// refused by `finish()`, so a typo is reported instead of silently ignored.
struct ConfigFields {
    let path: String
    let context: String
    private let object: [String: JSONValue]
    private var seen: Set<String> = []

    init(_ value: JSONValue, path: String, context: String) throws(ConfigSyncError) {
        guard let object = value.objectValue else { throw ConfigSyncError(.invalid, "\(context): expected a JSON object", path: path) }
        self.object = object
        self.path = path
        self.context = context
    }

    func fail(_ field: String, _ reason: String) -> ConfigSyncError {
        ConfigSyncError(.invalid, "\(context).\(field): \(reason)", path: path)
    }

    mutating func value(_ field: String) -> JSONValue? {
        seen.insert(field)
        guard let value = object[field], !value.isNull else { return nil }
        return value
    }

    mutating func string(_ field: String, maxBytes: Int = 4_096) throws(ConfigSyncError) -> String? {
        guard let value = value(field) else { return nil }
        guard let text = value.stringValue else { throw fail(field, "expected a string") }
        guard text.utf8.count <= maxBytes else { throw fail(field, "longer than \(maxBytes) bytes") }
        return text
    }

    mutating func int(_ field: String, in range: ClosedRange<Int64>) throws(ConfigSyncError) -> Int64? {
        guard let value = value(field) else { return nil }
        guard let number = value.intValue, range.contains(number) else {
            throw fail(field, "expected a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    mutating func double(_ field: String) throws(ConfigSyncError) -> Double? {
        guard let value = value(field) else { return nil }
        guard let number = value.doubleValue, number.isFinite else { throw fail(field, "expected a number") }
        return number
    }

    mutating func bool(_ field: String) throws(ConfigSyncError) -> Bool? {
        guard let value = value(field) else { return nil }
        guard let flag = value.boolValue else { throw fail(field, "expected true or false") }
        return flag
    }

    mutating func strings(_ field: String, maxCount: Int = 256, maxBytes: Int = 4_096) throws(ConfigSyncError) -> [String]? {
        guard let value = value(field) else { return nil }
        try Self.requireStrings(value, maxCount: maxCount, maxBytes: maxBytes) { reason in fail(field, reason) }
        return value.arrayValue?.compactMap(\.stringValue)
    }

    /// Refuses fields that were never read: unknown names are typos until proven otherwise.
    func finish() throws(ConfigSyncError) {
        let unknown = object.keys.filter { !seen.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        throw ConfigSyncError(.invalid, "\(context): unknown field \"\(first)\"; expected one of \(seen.sorted().joined(separator: ", "))", path: path)
    }

    static func requireStrings(_ value: JSONValue, maxCount: Int, maxBytes: Int,
                               _ fail: (String) -> ConfigSyncError) throws(ConfigSyncError) {
        guard let items = value.arrayValue else { throw fail("expected an array of strings") }
        guard items.count <= maxCount else { throw fail("more than \(maxCount) entries") }
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue else { throw fail("entry \(index) is not a string") }
            guard text.utf8.count <= maxBytes else { throw fail("entry \(index) is longer than \(maxBytes) bytes") }
        }
    }
}
