public import Net

/// A tool a client offers: a bare name (an open object schema) or a full MCP definition.
/// Both come from outside, so everything is checked: name shape, description and schema
/// sizes, schema depth and the schema's top-level shape.
public struct ClientToolDefinition: Sendable, Equatable {
    public let name: String
    public let description: String
    public let inputSchema: JSONValue

    public init(name: String, description: String, inputSchema: JSONValue) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
    }

    /// The schema a bare name gets: any object.
    public static let openSchema: JSONValue = ["type": "object", "additionalProperties": true]

    /// 1 to 64 of `A-Z a-z 0-9 _ -`: no dots, so `SESSION.tool` and `NODE.tool` split
    /// unambiguously at the last dot.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy(isNameByte)
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        byte == 0x2d || byte == 0x5f || (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
    }

    /// One entry of `tools` in `node/register`.
    public static func parse(_ value: JSONValue, limits: ClientSessionLimits) throws(JSONRPCError) -> ClientToolDefinition {
        if let name = value.stringValue {
            guard isValidName(name) else { throw invalidName(name) }
            return ClientToolDefinition(name: name, description: "", inputSchema: openSchema)
        }
        guard let object = value.objectValue else {
            throw .invalidParams("each entry of tools must be a tool name or an object {name, description, inputSchema}")
        }
        guard let name = object["name"]?.stringValue else { throw .invalidParams("a tool definition needs a string name") }
        guard isValidName(name) else { throw invalidName(name) }
        var description = ""
        if let given = object["description"], !given.isNull {
            guard let text = given.stringValue else { throw .invalidParams("tool \(name): description must be a string") }
            guard text.utf8.count <= limits.descriptionBytes else {
                throw .invalidParams("tool \(name): description is \(text.utf8.count) bytes; the limit is \(limits.descriptionBytes)")
            }
            description = text
        }
        var schema = openSchema
        if let given = object["inputSchema"], !given.isNull {
            try checkSchema(given, tool: name, limits: limits)
            schema = given
        }
        return ClientToolDefinition(name: name, description: description, inputSchema: schema)
    }

    /// MCP requires an object schema at the top; nested keywords must have the types the
    /// validator reads, so a hostile schema cannot make argument checks misbehave.
    static func checkSchema(_ schema: JSONValue, tool: String, limits: ClientSessionLimits) throws(JSONRPCError) {
        guard let object = schema.objectValue else { throw .invalidParams("tool \(tool): inputSchema must be an object") }
        let bytes = JSONSerializer.serialize(schema).count
        guard bytes <= limits.schemaBytes else {
            throw .invalidParams("tool \(tool): inputSchema is \(bytes) bytes; the limit is \(limits.schemaBytes)")
        }
        guard depth(schema, limit: limits.schemaDepth + 1) <= limits.schemaDepth else {
            throw .invalidParams("tool \(tool): inputSchema nests deeper than \(limits.schemaDepth) levels")
        }
        if let type = object["type"], type != "object" {
            throw .invalidParams("tool \(tool): inputSchema.type must be \"object\"")
        }
        if let properties = object["properties"], properties.objectValue == nil {
            throw .invalidParams("tool \(tool): inputSchema.properties must be an object")
        }
        if let required = object["required"], required.arrayValue?.allSatisfy({ $0.stringValue != nil }) != true {
            throw .invalidParams("tool \(tool): inputSchema.required must be an array of property names")
        }
    }

    /// Nesting depth, counting stops at `limit` (so a deep value costs at most `limit` levels).
    static func depth(_ value: JSONValue, limit: Int) -> Int {
        guard limit > 0 else { return 0 }
        switch value {
        case .object(let object): return 1 + (object.values.map { depth($0, limit: limit - 1) }.max() ?? 0)
        case .array(let items): return 1 + (items.map { depth($0, limit: limit - 1) }.max() ?? 0)
        default: return 0
        }
    }

    static func invalidName(_ name: String) -> JSONRPCError {
        .invalidParams("invalid tool name \(String(name.prefix(80)).debugDescription): use 1 to 64 of A-Z a-z 0-9 _ -")
    }

    /// The `tools/list` entry (schema hash included so peers detect a changed definition).
    public var listing: JSONValue {
        ["name": .string(name), "description": .string(description), "inputSchema": inputSchema]
    }
}
