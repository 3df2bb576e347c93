public import Net

/// Validates tool arguments against the JSON Schema subset our tools use: type, required,
/// properties, additionalProperties (false or a schema), enum, minimum/maximum,
/// minLength/maxLength, minItems/maxItems, items. Unknown keywords are ignored, as the
/// spec allows. Returns every problem with its path, so a caller can fix them all at once.
public enum SchemaValidator {
    public static func validate(_ value: JSONValue, against schema: JSONValue, path: String = "arguments") -> [String] {
        guard case .object(let rules) = schema else { return [] }
        var problems: [String] = []

        if let type = rules["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? type.stringValue.map { [$0] } ?? []
            if !allowed.isEmpty, !allowed.contains(where: { matches(value, type: $0) }) {
                return ["\(path) must be \(allowed.joined(separator: " or ")), got \(typeName(value))"]
            }
        }
        if let options = rules["enum"]?.arrayValue, !options.contains(where: { equal($0, value) }) {
            let list = options.map(\.jsonText).joined(separator: ", ")
            problems.append("\(path) must be one of \(list), got \(value.jsonText)")
        }
        if let number = value.doubleValue, !isBool(value) {
            if let minimum = rules["minimum"]?.doubleValue, number < minimum {
                problems.append("\(path) must be at least \(format(minimum)), got \(format(number))")
            }
            if let maximum = rules["maximum"]?.doubleValue, number > maximum {
                problems.append("\(path) must be at most \(format(maximum)), got \(format(number))")
            }
        }
        if let text = value.stringValue {
            if let minLength = rules["minLength"]?.intValue, text.count < minLength {
                problems.append("\(path) must have at least \(minLength) characters")
            }
            if let maxLength = rules["maxLength"]?.intValue, text.count > maxLength {
                problems.append("\(path) must have at most \(maxLength) characters, got \(text.count)")
            }
        }
        if let items = value.arrayValue {
            if let minItems = rules["minItems"]?.intValue, items.count < minItems {
                problems.append("\(path) must have at least \(minItems) items")
            }
            if let maxItems = rules["maxItems"]?.intValue, items.count > maxItems {
                problems.append("\(path) must have at most \(maxItems) items, got \(items.count)")
            }
            if let itemSchema = rules["items"] {
                for (index, item) in items.enumerated() {
                    problems += validate(item, against: itemSchema, path: "\(path)[\(index)]")
                }
            }
        }
        if let object = value.objectValue {
            let properties = rules["properties"]?.objectValue ?? [:]
            for name in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
                problems.append("\(path).\(name) is required")
            }
            for (name, item) in object.sorted(by: { $0.key < $1.key }) {
                if let propertySchema = properties[name] {
                    problems += validate(item, against: propertySchema, path: "\(path).\(name)")
                } else if rules["additionalProperties"] == .bool(false) {
                    let known = properties.keys.sorted().joined(separator: ", ")
                    problems.append("\(path).\(name) is not a known property (known: \(known))")
                } else if let extra = rules["additionalProperties"], extra.objectValue != nil {
                    problems += validate(item, against: extra, path: "\(path).\(name)")
                }
            }
        }
        return problems
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("null", .null), ("array", .array), ("object", .object): true
        case ("integer", .int): true
        case ("integer", .double(let d)): d == d.rounded() && abs(d) < 9e15
        case ("number", .int), ("number", .double): true
        default: false
        }
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func isBool(_ value: JSONValue) -> Bool { if case .bool = value { true } else { false } }

    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue, !isBool(a), !isBool(b) { return x == y }
        return a == b
    }

    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}

/// Small builders so tool schemas read like the JSON they produce.
public enum InputSchema {
    public static func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        ["type": "object", "properties": .object(properties),
         "required": .array(required.map { .string($0) }), "additionalProperties": false]
    }

    public static func string(_ description: String, minLength: Int? = nil, maxLength: Int? = nil,
                              enum options: [String]? = nil) -> JSONValue {
        var object: [String: JSONValue] = ["type": "string", "description": .string(description)]
        if let minLength { object["minLength"] = .int(Int64(minLength)) }
        if let maxLength { object["maxLength"] = .int(Int64(maxLength)) }
        if let options { object["enum"] = .array(options.map { .string($0) }) }
        return .object(object)
    }

    public static func integer(_ description: String, minimum: Int? = nil, maximum: Int? = nil) -> JSONValue {
        var object: [String: JSONValue] = ["type": "integer", "description": .string(description)]
        if let minimum { object["minimum"] = .int(Int64(minimum)) }
        if let maximum { object["maximum"] = .int(Int64(maximum)) }
        return .object(object)
    }

    public static func number(_ description: String, minimum: Double? = nil, maximum: Double? = nil) -> JSONValue {
        var object: [String: JSONValue] = ["type": "number", "description": .string(description)]
        if let minimum { object["minimum"] = .double(minimum) }
        if let maximum { object["maximum"] = .double(maximum) }
        return .object(object)
    }

    public static func boolean(_ description: String) -> JSONValue {
        ["type": "boolean", "description": .string(description)]
    }

    public static func array(_ description: String, items: JSONValue, maxItems: Int? = nil) -> JSONValue {
        var object: [String: JSONValue] = ["type": "array", "description": .string(description), "items": items]
        if let maxItems { object["maxItems"] = .int(Int64(maxItems)) }
        return .object(object)
    }
}
