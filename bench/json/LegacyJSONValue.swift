import FoundationEssentials

/// The decoder JSONValue used before JSONParser (a chain of `try?` on JSONDecoder), kept
/// here only so the benchmark can compare the two.
enum LegacyJSONValue: Decodable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([LegacyJSONValue])
    case object([String: LegacyJSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let v = try? container.decode(Bool.self) { self = .bool(v) }
        else if let v = try? container.decode(Int64.self) { self = .int(v) }
        else if let v = try? container.decode(Double.self) { self = .double(v) }
        else if let v = try? container.decode(String.self) { self = .string(v) }
        else if let v = try? container.decode([LegacyJSONValue].self) { self = .array(v) }
        else if let v = try? container.decode([String: LegacyJSONValue].self) { self = .object(v) }
        else { throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value") }
    }
}
