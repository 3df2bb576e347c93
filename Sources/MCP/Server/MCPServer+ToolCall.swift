public import Net
import Logging

extension MCPServer {
    /// Runs a tool in its own task registered for `notifications/cancelled`; progress and
    /// log notifications go to the exchange's stream when it has one.
    func callTool(id: JSONValue, params: JSONValue?, exchange: Exchange) async throws(JSONRPCError) -> JSONValue {
        guard let name = params?["name"]?.stringValue else { throw JSONRPCError.invalidParams("params.name (the tool name) is required") }
        let arguments = params?["arguments"]
        if let arguments, arguments.objectValue == nil, !arguments.isNull {
            throw JSONRPCError.invalidParams("params.arguments must be an object")
        }
        let progressToken = params?["_meta"]?["progressToken"]
        let notify = exchange.notify
        let sessionLevel = exchange.session?.logLevel
        let context = ToolContext(
            principal: exchange.principal, logger: exchange.logger,
            progress: { progress, total, message in
                guard let notify, let progressToken else { return }
                var body: [String: JSONValue] = ["progressToken": progressToken, "progress": .double(progress)]
                if let total { body["total"] = .double(total) }
                if let message { body["message"] = .string(message) }
                await notify(JSONRPC.notification("notifications/progress", .object(body)))
            },
            log: { level, message in
                guard let notify, let minimum = sessionLevel, level >= minimum else { return }
                await notify(JSONRPC.notification("notifications/message",
                                                  ["level": .string(Self.mcpLevelName(level)), "logger": "triforce", "data": .string(message)]))
            })
        let key = exchange.scope + "|" + id.jsonText
        let registry = self.registry
        let task = Task { () async -> Result<ToolResult, JSONRPCError> in
            do { return .success(try await registry.call(name: name, arguments: arguments, context: context)) } catch let error as JSONRPCError { return .failure(error) } catch { return .failure(.internalError()) }
        }
        let token = await sessions.register(key, cancel: { task.cancel() })
        let outcome = await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        await sessions.finish(key, token: token)
        switch outcome {
        case .success(let result): return result.json
        case .failure(let error): throw error
        }
    }

    static func mcpLevelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        }
    }
}
