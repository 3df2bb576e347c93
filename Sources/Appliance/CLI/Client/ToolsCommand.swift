import ArgumentParser
import FoundationEssentials
import Net

/// `triforce tools list` and `triforce tools call NAME [--arg k=v ...] [--json '{...}']`,
/// through the node's MCP endpoint (JSON-RPC over HTTP, no session needed).
struct ToolsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tools", abstract: "List and call a node's MCP tools.", subcommands: [List.self, Call.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The tools you may call, with their summaries.")
        @OptionGroup var options: ClientOptions

        /// Pages followed at most (the node pages by 20): a loop guard against a cursor that never ends.
        static let maxPages = 100

        func run() async throws {
            let client = try options.makeClient()
            var cursor: JSONValue?
            var tools: [JSONValue] = []
            for _ in 0..<Self.maxPages {
                let result = try await ToolsCommand.rpc(client, method: "tools/list", params: cursor.map { ["cursor": $0] })
                tools += result["tools"]?.arrayValue ?? []
                cursor = result["nextCursor"]
                if cursor == nil || cursor?.isNull == true { break }
            }
            let width = (tools.compactMap { $0["name"]?.stringValue?.count }.max() ?? 4) + 2
            for tool in tools {
                let summary = tool["description"]?.stringValue?.split(separator: "\n").first.map(String.init) ?? ""
                print((tool["name"]?.stringValue ?? "?").padded(to: width) + summary)
            }
        }
    }

    struct Call: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "call", abstract: "Call a tool; prints its text result (exit 1 when the tool reports an error).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Tool name (see `triforce tools list`).") var name: String
        @Option(name: .customLong("arg"), help: "An argument: key=value (a string) or key:=JSON (number, bool, object...). Repeatable.")
        var arguments: [String] = []
        @Option(name: .long, help: "All arguments as one JSON object; --arg entries are merged over it.") var json: String?

        func run() async throws {
            let arguments = try ToolsCommand.arguments(json: json, pairs: arguments)
            let client = try options.makeClient()
            let result = try await ToolsCommand.rpc(client, method: "tools/call",
                                                     params: ["name": .string(name), "arguments": .object(arguments)])
            let texts = (result["content"]?.arrayValue ?? []).compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }
            let output = texts.isEmpty ? (result["structuredContent"]?.jsonText ?? result.jsonText) : texts.joined(separator: "\n")
            if result["isError"]?.boolValue == true {
                Terminal.note(output + "\n")
                throw ExitCode(1)
            }
            print(output)
        }
    }

    /// `--json` first, then each `--arg` over it: `k=v` is the string v, `k:=v` is v parsed as JSON.
    static func arguments(json: String?, pairs: [String]) throws(ClientError) -> [String: JSONValue] {
        var arguments: [String: JSONValue] = [:]
        if let json {
            guard let object = JSONValue.parse(json)?.objectValue else { throw ClientError("--json must be a JSON object, like '{\"path\": \"a.txt\"}'") }
            arguments = object
        }
        for pair in pairs {
            if let separator = pair.firstRange(of: ":="), !pair[..<separator.lowerBound].isEmpty {
                let text = String(pair[separator.upperBound...])
                guard let value = JSONValue.parse(text) else { throw ClientError("--arg \(pair): the part after := is not JSON") }
                arguments[String(pair[..<separator.lowerBound])] = value
            } else if let equals = pair.firstIndex(of: "="), equals != pair.startIndex {
                arguments[String(pair[..<equals])] = .string(String(pair[pair.index(after: equals)...]))
            } else {
                throw ClientError("--arg \(pair): write key=value or key:=json")
            }
        }
        return arguments
    }

    /// One JSON-RPC request; a JSON-RPC error becomes a `ClientError` with the node's message.
    static func rpc(_ client: NodeClient, method: String, params: JSONValue?) async throws -> JSONValue {
        var message: [String: JSONValue] = ["jsonrpc": "2.0", "id": 1, "method": .string(method)]
        if let params { message["params"] = params }
        let reply = try await client.json("POST", "/v1/mcp", body: .object(message))
        if let error = reply["error"] {
            throw ClientError("\(method) failed: \(error["message"]?.stringValue ?? error.jsonText)")
        }
        guard let result = reply["result"] else { throw ClientError("\(method): the node's reply has no result") }
        return result
    }
}
