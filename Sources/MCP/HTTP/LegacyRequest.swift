import Net

/// The seed README's monitoring calls, which must keep working unchanged:
/// `curl http://localhost:9000/v1/mcp -d '{"method":"status","id":1}'` (curl's form content
/// type, no `jsonrpc` member, a tool's name as the method). Only that legacy shape, a single
/// object with a string `method` and no `jsonrpc` member, is upgraded: it is read as 2.0, and
/// a method naming a tool becomes `tools/call` of that tool with `params` as its arguments,
/// so authentication, tier policy, validation and audit are exactly those of `tools/call`.
/// Everything else (a wrong `jsonrpc`, batches) still meets the strict codec.
enum LegacyRequest {
    static func upgrade(_ value: JSONValue, isTool: (String) -> Bool) -> JSONValue {
        guard case .object(var object) = value, object["jsonrpc"] == nil,
              let method = object["method"]?.stringValue else { return value }
        object["jsonrpc"] = "2.0"
        if isTool(method) {
            var params: [String: JSONValue] = ["name": .string(method)]
            if let arguments = object["params"] { params["arguments"] = arguments }
            object["method"] = "tools/call"
            object["params"] = .object(params)
        }
        return .object(object)
    }
}
